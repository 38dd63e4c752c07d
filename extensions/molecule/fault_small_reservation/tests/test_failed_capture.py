"""A reservation too small for the capture kernel: the crash leaves no complete
vmcore, our verification says so, and the host comes back by itself."""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
import lab_checks  # noqa: E402  pylint: disable=wrong-import-position

SETTINGS = lab_checks.lab_settings()
CRASHKERNEL = SETTINGS["kdump_lab_crashkernel"]
DUMP_PATH = SETTINGS["kdump_lab_dump_path"]


@pytest.fixture(name="report", scope="module")
def fixture_report(host):
    return lab_checks.capture_report(host, DUMP_PATH, lab_checks.crash_marker(host))


def test_scenario_really_runs_with_the_small_reservation(host):
    assert CRASHKERNEL == "96M"
    reserved = int(lab_checks.read_text(host, "/sys/kernel/kexec_crash_size"))
    assert reserved == lab_checks.size_in_bytes(CRASHKERNEL)


def test_capture_kernel_loads_although_it_cannot_capture(host):
    # The trap this scenario documents: everything looks ready before the crash.
    assert lab_checks.read_text(host, "/sys/kernel/kexec_crash_loaded").strip() == "1"


def test_verification_reports_no_complete_capture(report):
    assert report["verdict"] in ("no-capture", "incomplete"), report
    assert report["complete_capture"] is None


def test_an_unfinished_dump_is_reported_with_its_reason(report):
    for capture in report["captures"]:
        assert not capture["complete"]
        assert capture["problems"]


def test_host_rebooted_by_itself_after_the_failed_capture(host):
    crashed_at = lab_checks.crash_marker(host)
    assert lab_checks.seconds_since_boot(host) < lab_checks.guest_clock(host) - crashed_at


def test_serial_console_shows_the_capture_kernel_failing(host):
    log = lab_checks.serial_log(host.backend.get_hostname())
    after_crash = log.rsplit("sysrq: Trigger a crash", 1)
    assert len(after_crash) == 2, "no sysrq crash on the serial console"
    assert "elfcorehdr=" in after_crash[1], "the capture kernel never started"
    capture_boot = after_crash[1].split("elfcorehdr=", 1)[1]
    assert re.search(r"Kernel panic - not syncing|Out of memory", capture_boot)
    assert "saved vmcore" not in capture_boot
