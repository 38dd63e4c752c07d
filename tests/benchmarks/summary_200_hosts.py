"""Controller cost of the fleet summaries at fleet scale (no VMs).

Runs the summary play of ``report`` and of ``verify_capture`` - exactly as the
playbooks define them - over 200 synthetic inventory hosts whose per-host
results (``kdump_report_row``, ``kdump_crash_test_result``) are inventory
variables, and prints the wall time of each. Goal: under 5 s each.

    .venv/core-latest/bin/python tests/benchmarks/summary_200_hosts.py [--hosts N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
GOAL_SECONDS = 5.0


def summary_play(playbook: str, name_prefix: str) -> dict:
    plays = yaml.safe_load((REPO / "playbooks" / playbook).read_text())
    return next(play for play in plays if play["name"].startswith(name_prefix))


def inventory(count: int) -> dict:
    hosts = {}
    for index in range(count):
        complete = index % 7 != 0
        hosts["host%03d" % index] = {
            "ansible_connection": "local",
            "kdump_report_row": {
                "family": "el9", "operational": True, "reserved_bytes": 268435456,
                "target": "ssh:kdump@dumps:/var/crash", "free_bytes": 64 << 30, "space_enough": True,
                "last_vmcore": "/var/crash/10.0.0.%d-2026-12-03-07:32:00/vmcore.flat" % index,
                "last_vmcore_complete": complete, "last_test": "complete" if complete else "no_capture",
                "proof": "current" if complete else "missing", "proof_reasons": "", "proof_detail": "",
            },
            "kdump_crash_test_result": {
                "outcome": "complete" if complete else "no_capture", "complete": complete,
                "dump": "/var/crash/x/vmcore.flat" if complete else None, "detail": "synthetic", "returned_after": 61,
            },
        }
    return {"all": {"children": {"fleet": {"hosts": hosts}}}}


def timed_run(play: dict, directory: Path, inventory_file: Path, extra: dict) -> float:
    playbook = directory / "play.yml"
    playbook.write_text(yaml.safe_dump([play]))
    collections = directory / "collections" / "ansible_collections" / "crashdump"
    collections.mkdir(parents=True, exist_ok=True)
    if not (collections / "kdump").exists():
        (collections / "kdump").symlink_to(REPO)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(directory / "collections"), ANSIBLE_NOCOLOR="1")
    started = time.monotonic()
    result = subprocess.run([str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory_file),
                             str(playbook), "-e", json.dumps(extra)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit("summary play failed:\n" + result.stdout[-3000:])
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        inventory_file = directory / "inventory.json"
        inventory_file.write_text(json.dumps(inventory(args.hosts)))
        empty = timed_run({"name": "floor", "hosts": "localhost", "gather_facts": False,
                           "tasks": [{"name": "nothing", "ansible.builtin.debug": {"msg": "x"}}]},
                          directory, inventory_file, {})
        report = timed_run(summary_play("report.yml", "Print the fleet report"), directory, inventory_file,
                           {"kdump_hosts": "fleet", "kdump_report_file": str(directory / "report.json")})
        capture = timed_run(summary_play("verify_capture.yml", "Summary of the crash test"), directory,
                            inventory_file, {"kdump_hosts": "fleet", "kdump_capture_file": str(directory / "c.json")})
    print("summary plays over %d hosts (ansible-playbook start-up included)" % args.hosts)
    print("| play | seconds | minus an empty play | goal |")
    print("|---|---|---|---|")
    for name, seconds in (("empty play (start-up floor)", empty), ("report summary", report),
                          ("verify_capture summary", capture)):
        print("| %s | %.1f | %.1f | < %.0f s |" % (name, seconds, seconds - empty, GOAL_SECONDS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
