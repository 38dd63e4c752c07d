# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every crash-test outcome named in the role, the playbooks, the README and the
argument specs comes from module_utils/capture/outcome.py, and the README lists them all."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import yaml

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import OUTCOMES

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# An outcome named in YAML: built with the crash_outcome filter, or compared with a result's outcome.
_NAMED = re.compile(r"'([a-z_]+)' \| crashdump\.kdump\.crash_outcome|outcome(?:\.outcome)? *[!=]= *'([a-z_]+)'")


def _yaml_files(*directories):
    for directory in directories:
        for base, _dirs, files in os.walk(os.path.join(ROOT, directory)):
            for name in files:
                if name.endswith('.yml'):
                    yield os.path.join(base, name)


def _read(path):
    with open(path) as handle:
        return handle.read()


def test_outcomes_named_in_role_playbooks_and_scenarios_are_defined():
    named = {}
    for path in _yaml_files('roles', 'playbooks', 'extensions/molecule'):
        for match in _NAMED.finditer(_read(path)):
            named.setdefault(match.group(1) or match.group(2), []).append(os.path.relpath(path, ROOT))
    assert named, 'no outcome found: the pattern no longer matches how the YAML names outcomes'
    unknown = dict((name, paths) for name, paths in named.items() if name not in OUTCOMES)
    assert not unknown, unknown


# Where a crash test's outcome decides whether a host failed: the role's crash
# test, verify_capture's failure budget and its final verdict.
_JUDGES = ('roles/kdump/tasks/crash_test.yml', 'playbooks/tasks/crash_batch.yml', 'playbooks/verify_capture.yml')


def test_every_judgement_of_an_outcome_uses_the_one_definition():
    for path in _JUDGES:
        text = _read(os.path.join(ROOT, path))
        assert 'crashdump.kdump.crash_test_failed' in text, path
    for path in _yaml_files('roles', 'playbooks'):
        text = _read(path)
        # No list of outcomes of its own, no "complete" flag standing for "passed".
        assert not re.search(r"\[\s*complete\s*,\s*current", text), path
        assert not re.search(r"rejectattr\('complete'\)|\]\.complete\b", text), path
        assert '__kdump_capture_ok' not in text, path


def test_role_vars_hold_no_outcome_names():
    role_vars = yaml.safe_load(_read(os.path.join(ROOT, 'roles', 'kdump', 'vars', 'main.yml')))
    for name, value in role_vars.items():
        if isinstance(value, list):
            assert not set(value) & set(OUTCOMES), name


def test_readme_lists_exactly_the_defined_outcomes():
    readme = _read(os.path.join(ROOT, 'README.md'))
    listed = re.search(r'a table of outcomes \(([^)]*)\)', readme)
    assert listed, 'the README no longer lists the outcomes of verify_capture'
    assert sorted(re.findall(r'`([a-z_]+)`', listed.group(1))) == sorted(OUTCOMES)


def test_argument_specs_name_only_defined_outcomes():
    specs = _read(os.path.join(ROOT, 'roles', 'kdump', 'meta', 'argument_specs.yml'))
    named = set(re.findall(r'outcome(?:s)? (?:is |C\()?C?\(?([a-z_]+)\)', specs))
    named |= set(re.findall(r'C\(([a-z_]+)\) when the last complete test', specs))
    assert named and named <= set(OUTCOMES), named
