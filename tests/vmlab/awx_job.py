"""Run one of the collection's playbooks the way AWX does: through ansible-runner,
with a private data directory laid out as AWX lays it out, survey answers as AWX
sends them (strings) in env/extravars, and the job's result read back from
runner's artifacts - exit status, the final stats event with its set_stats data,
and per-host results.

    python3 awx_job.py --playbook verify_capture --inventory DIR \
        --extravars '{"kdump_batch_size": "1"}' --out result.json

The private data directory:
    project/<playbook>.yml   a project playbook importing crashdump.kdump.<playbook>
    inventory/               the entries of the inventory directory given (linked)
    env/extravars            the survey answers (JSON)
    env/envvars              what the job needs from this environment
    artifacts/<ident>/       written by ansible-runner: rc, status, stdout, job_events/

The result (JSON): rc, status, stdout, stats (the final stats event's counts per
host), artifact_data (set_stats data: kdump_capture, kdump_report...), and
private_data_dir.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

# Environment the job inherits as AWX's job environment would carry it.
PASSED_ENVIRONMENT = ("ANSIBLE_COLLECTIONS_PATH", "KDUMP_LAB_STATE_DIR", "KDUMP_LAB_CRASHKERNEL",
                      "KDUMP_LAB_EXPECT_CAPTURE", "ANSIBLE_HOST_KEY_CHECKING", "ANSIBLE_PIPELINING",
                      "ANSIBLE_SSH_ARGS")


def lay_out(private_data_dir: Path, playbook: str, inventory: Path, extravars: dict) -> None:
    """Write the private data directory AWX would hand to ansible-runner."""
    project = private_data_dir / "project"
    project.mkdir(parents=True)
    (project / f"{playbook}.yml").write_text(
        f"---\n- name: The collection's {playbook} playbook, as an AWX project runs it\n"
        f"  ansible.builtin.import_playbook: crashdump.kdump.{playbook}\n")
    # Linked, not copied: the lab's inventory script finds the lab next to its real path.
    (private_data_dir / "inventory").mkdir()
    for entry in sorted(inventory.iterdir()):
        (private_data_dir / "inventory" / entry.name).symlink_to(entry.resolve())
    env = private_data_dir / "env"
    env.mkdir()
    (env / "extravars").write_text(json.dumps(extravars))
    envvars = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    envvars.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    (env / "envvars").write_text(json.dumps(envvars))


def summarize(runner, private_data_dir: Path) -> dict:
    """What a job template's run leaves: exit status, stats and set_stats data, per-host counts."""
    stats_event = {}
    for event in runner.events:
        if event.get("event") == "playbook_on_stats":
            stats_event = event.get("event_data", {})
    counts = ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored")
    stats = {}
    for name in counts:
        for host, number in (stats_event.get(name) or {}).items():
            stats.setdefault(host, dict.fromkeys(counts, 0))[name] = number
    stdout_path = Path(runner.config.artifact_dir) / "stdout"
    return {
        "rc": runner.rc,
        "status": runner.status,
        "stdout": stdout_path.read_text(errors="replace") if stdout_path.exists() else "",
        "stats": stats,
        "artifact_data": stats_event.get("artifact_data") or {},
        "private_data_dir": str(private_data_dir),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playbook", required=True, help="a collection playbook: configure, verify_capture, report...")
    parser.add_argument("--inventory", required=True, type=Path, help="an inventory directory for the job")
    parser.add_argument("--extravars", default="{}", help="survey answers as AWX sends them (a JSON object)")
    parser.add_argument("--out", required=True, type=Path, help="where the job's result goes (JSON)")
    args = parser.parse_args(argv)
    import ansible_runner  # pylint: disable=import-outside-toplevel  # only this tool needs it

    extravars = json.loads(args.extravars)
    private_data_dir = Path(tempfile.mkdtemp(prefix=f"awx-job-{args.playbook}."))
    lay_out(private_data_dir, args.playbook, args.inventory.resolve(), extravars)
    runner = ansible_runner.run(private_data_dir=str(private_data_dir), playbook=f"{args.playbook}.yml",
                                ident="job", quiet=True)
    result = summarize(runner, private_data_dir)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"awx_job: {args.playbook} {result['status']} rc={result['rc']} "
          f"set_stats={sorted(result['artifact_data'])} hosts={sorted(result['stats'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
