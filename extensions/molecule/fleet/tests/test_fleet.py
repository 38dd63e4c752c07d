"""After configure + verify_capture + report on the lab fleet, one guest failing on purpose.

The playbooks' JSON output and exit codes (written by side_effect.yml) are checked
against the guests' real state: reservation, reboot after the failed capture, the
serial console, the dumps on disk (read by the lab's own stdlib checker).
"""

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
import lab_checks  # noqa: E402  pylint: disable=wrong-import-position

SETTINGS = lab_checks.lab_settings()
DUMP_PATH = SETTINGS["kdump_lab_dump_path"]
RESULTS = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "fleet"
HOSTS = lab_checks.lab_hosts()
FAILING = HOSTS[-1]


def _json(name):
    return json.loads((RESULTS / name).read_text())


@pytest.fixture(name="name")
def fixture_name(host):
    return host.backend.get_hostname()


@pytest.fixture(name="report", scope="module")
def fixture_report(host):
    return lab_checks.capture_report(host, DUMP_PATH, lab_checks.crash_marker(host))


def test_verify_capture_exits_non_zero_because_one_host_failed():
    runs = _json("runs.json")
    assert runs["verify_capture"]["rc"] == 2, runs["verify_capture"]["stdout"][-3000:]


def test_verify_capture_names_each_outcome(name):
    capture = _json("capture.json")
    assert set(capture) == set(HOSTS)
    if name == FAILING:
        assert capture[name]["outcome"] == "no_capture", capture[name]
        assert not capture[name]["complete"]
    else:
        assert capture[name]["outcome"] == "complete", capture[name]
        assert capture[name]["dump"].startswith(DUMP_PATH + "/"), capture[name]


def test_report_shows_the_failed_host(name):
    runs = _json("runs.json")
    assert runs["report"]["rc"] == 0, runs["report"]["stdout"][-3000:]
    row = _json("report.json")[name]
    assert row["operational"] in (True, "True", "true")
    assert row["last_test"] == ("no_capture" if name == FAILING else "complete"), row
    table_lines = [line for line in runs["report"]["stdout"].splitlines() if name in line and "last test" not in line]
    assert any(("no_capture" if name == FAILING else "complete") in line for line in table_lines), table_lines


def test_guest_really_runs_with_its_reservation(host, name):
    reserved = int(lab_checks.read_text(host, "/sys/kernel/kexec_crash_size"))
    expected = "96M" if name == FAILING else SETTINGS["kdump_lab_crashkernel"]
    assert reserved == lab_checks.size_in_bytes(expected)


def test_the_checker_agrees_with_the_playbook(report, name):
    if name == FAILING:
        assert report["complete_capture"] is None, report
    else:
        assert report["complete_capture"] is not None, report


def test_no_earlier_dump_was_lost_or_changed(host, name):
    before = _json(f"before-{name}.json")
    with host.sudo():
        for path, checksum in before.items():
            assert host.file(path).exists, path
            assert host.check_output("sha1sum %s", path).split()[0] == checksum, path


def test_failed_host_rebooted_by_itself(host, name):
    if name != FAILING:
        pytest.skip("only the failing guest")
    crashed_at = lab_checks.crash_marker(host)
    assert lab_checks.seconds_since_boot(host) < lab_checks.guest_clock(host) - crashed_at


def test_serial_console_shows_the_capture_kernel_failing(name):
    if name != FAILING:
        pytest.skip("only the failing guest")
    log = lab_checks.serial_log(name)
    after_crash = log.rsplit("sysrq: Trigger a crash", 1)
    assert len(after_crash) == 2, "no sysrq crash on the serial console"
    assert "elfcorehdr=" in after_crash[1], "the capture kernel never started"
    capture_boot = after_crash[1].split("elfcorehdr=", 1)[1]
    assert "Kernel panic - not syncing" in capture_boot or "Out of memory" in capture_boot
    assert "saved vmcore" not in capture_boot
