"""After converge: the role in check mode (with diff) finds nothing to change."""

import os
import re
import subprocess
from pathlib import Path

import pytest

SCENARIO_DIR = Path(__file__).resolve().parents[1]
CONVERGE = SCENARIO_DIR.parent / "shared" / "converge.yml"
INVENTORY = SCENARIO_DIR.parent / "inventory"
RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
                        r"\s+failed=(?P<failed>\d+)", re.MULTILINE)


@pytest.fixture(name="check_run", scope="module")
def fixture_check_run():
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    return subprocess.run(["ansible-playbook", "--check", "--diff", "-i", str(INVENTORY), str(CONVERGE)],
                          capture_output=True, text=True, env=env, timeout=900, check=False)


def test_check_mode_run_succeeds(check_run):
    assert check_run.returncode == 0, check_run.stdout[-4000:] + check_run.stderr[-2000:]


def test_check_mode_run_reports_no_change_on_any_host(check_run):
    recap = {match["host"]: match.groupdict() for match in RECAP_LINE.finditer(check_run.stdout)}
    assert recap, check_run.stdout[-2000:]
    for host, counts in recap.items():
        assert counts["changed"] == "0", f"{host} reported changes in check mode:\n{check_run.stdout[-4000:]}"
        assert counts["failed"] == "0" and counts["unreachable"] == "0", host
