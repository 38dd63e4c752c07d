"""After configure + verify_capture + report on the lab fleet, one guest failing on purpose.

side_effect.yml runs the three playbooks as AWX jobs through ansible-runner
(tests/vmlab/awx_job.py), survey answers as strings. Runner's results - exit
status, per-host stats, the set_stats data AWX shows - and the playbooks' JSON
output are checked against the guests' real state: reservation, reboot after the
failed capture, the serial console, the dumps on disk (read by the lab's own
stdlib checker).
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


def test_configure_as_an_awx_job_changes_nothing_with_empty_survey_answers(name):
    job = _json("job-configure.json")
    assert job["rc"] == 0 and job["status"] == "successful", job["stdout"][-3000:]
    assert job["stats"][name]["changed"] == 0 and job["stats"][name]["failures"] == 0, job["stats"][name]


def test_verify_capture_exits_non_zero_because_one_host_failed():
    job = _json("job-verify_capture.json")
    assert job["rc"] == 2 and job["status"] == "failed", job["stdout"][-3000:]


def test_the_awx_job_carries_the_outcomes_as_set_stats(name):
    job = _json("job-verify_capture.json")
    outcomes = job["artifact_data"]["kdump_capture"]
    assert outcomes[name]["outcome"] == ("no_capture" if name == FAILING else "complete"), outcomes[name]
    assert (job["stats"][name]["failures"] > 0) is (name == FAILING), job["stats"][name]


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
    job = _json("job-report.json")
    assert job["rc"] == 0 and job["status"] == "successful", job["stdout"][-3000:]
    assert job["artifact_data"]["kdump_report"][name]["last_test"] == ("no_capture" if name == FAILING else "complete")
    row = _json("report.json")[name]
    assert row["operational"] in (True, "True", "true")
    assert row["last_test"] == ("no_capture" if name == FAILING else "complete"), row
    table_lines = [line for line in job["stdout"].splitlines() if name in line and "last test" not in line]
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
