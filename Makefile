# crashdump.kdump: developer entry points. Every target creates the pinned
# virtualenvs under .venv/ itself; a fresh machine needs only Python, pip and apt.

.PHONY: test test-fast lint sanity units docs changelog install ee collection-docs docs-site vm lab bench venv clean

## test: everything, VM scenarios included (what CI runs)
test:
	tests/bin/check all

## test-fast: everything that needs no VM (lint, changelog, docs and the docs site, install,
## execution environment, units, sanity)
test-fast:
	tests/bin/check fast

lint sanity units docs changelog install ee collection-docs vm venv:
	tests/bin/check $@

## docs-site: the HTML documentation (modules, filters, role, guides, changelog)
## in tests/output/docs-site/html/index.html
docs-site:
	tests/bin/check docs-site

## lab: the main job on the local default fleet (N=1 guest unless N is given)
lab: venv
	PATH="$(CURDIR)/.venv/core-latest/bin:$$PATH" tests/vmlab/main-job --count $(or $(N),1)

## bench: speed benchmarks (module CPU cost, fleet summaries over 200 hosts, VM step timings)
bench: venv
	.venv/core-latest/bin/python tests/benchmarks/kdump_conf_noop.py
	PATH="$(CURDIR)/.venv/core-latest/bin:$$PATH" .venv/core-latest/bin/python tests/benchmarks/summary_200_hosts.py
	PATH="$(CURDIR)/.venv/core-latest/bin:$$PATH" tests/vmlab/benchmark

clean:
	rm -rf .venv tests/output
