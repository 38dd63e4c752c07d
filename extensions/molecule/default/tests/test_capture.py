"""After converge and the crash test: the guest's real kdump state and the vmcore on disk."""

import shlex
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
import lab_checks  # noqa: E402  pylint: disable=wrong-import-position

SETTINGS = lab_checks.lab_settings()
CRASHKERNEL = SETTINGS["kdump_lab_crashkernel"]
DUMP_PATH = SETTINGS["kdump_lab_dump_path"]
# makedumpfile's header status bit for each compression (diskdump_mod.h).
COMPRESSION_STATUS_BIT = {"zlib": 0x1, "lzo": 0x2, "snappy": 0x4, "zstd": 0x20}


@pytest.fixture(name="report", scope="module")
def fixture_report(host):
    return lab_checks.capture_report(host, DUMP_PATH, lab_checks.crash_marker(host))


@pytest.fixture(name="vmcore", scope="module")
def fixture_vmcore(report):
    assert report["verdict"] == "captured", report
    return report["complete_capture"]


def test_running_kernel_was_booted_with_the_configured_crashkernel(host):
    cmdline = lab_checks.read_text(host, "/proc/cmdline").split()
    assert "crashkernel=" + CRASHKERNEL in cmdline


def test_kernel_reserved_exactly_the_configured_size(host):
    reserved = int(lab_checks.read_text(host, "/sys/kernel/kexec_crash_size"))
    assert reserved == lab_checks.size_in_bytes(CRASHKERNEL)


def test_capture_kernel_is_loaded_again_after_the_crash_reboot(host):
    assert lab_checks.read_text(host, "/sys/kernel/kexec_crash_loaded").strip() == "1"


def test_kdump_reports_ready(host):
    if host.system_info.distribution not in ("debian", "ubuntu"):
        pytest.skip("kdump-config is the Debian family's tool")
    with host.sudo():
        status = host.check_output("kdump-config status")
    assert "current state   : ready to kdump" in status


def test_kdump_uses_the_dump_directory_kdump_conf_wrote(host):
    if host.system_info.distribution in ("debian", "ubuntu"):
        with host.sudo():
            show = host.check_output("kdump-config show")
        assert "KDUMP_COREDIR:\t\t" + DUMP_PATH in show
    else:
        assert "path " + DUMP_PATH in lab_checks.read_text(host, "/etc/kdump.conf").splitlines()


def test_loaded_capture_kernel_reboots_by_itself_when_capture_fails(host):
    # panic=10 (commandline_append) must be on the command line kexec really loaded.
    if host.system_info.distribution in ("debian", "ubuntu"):
        with host.sudo():
            show = host.check_output("kdump-config show")
        kexec_argv = shlex.split(show.split("kexec command:", 1)[1])
        command_lines = [arg.split("=", 1)[1] for arg in kexec_argv if arg.startswith("--command-line=")]
        assert len(command_lines) == 1, kexec_argv
        assert "panic=10" in command_lines[0].split()
    else:
        sysconfig = lab_checks.read_text(host, "/etc/sysconfig/kdump")
        assert "panic=10" in sysconfig


def test_host_came_back_after_the_crash(host):
    crashed_at = lab_checks.crash_marker(host)
    assert lab_checks.seconds_since_boot(host) < lab_checks.guest_clock(host) - crashed_at


def test_crash_left_a_complete_vmcore(vmcore):
    assert vmcore["problems"] == []
    assert vmcore["incomplete_files"] == []


def test_vmcore_is_flattened_with_a_kdump_compressed_header_and_end_trailer(host, vmcore):
    dump = vmcore["dump"]
    if host.system_info.distribution in ("debian", "ubuntu"):
        assert dump["format"] == "flattened"
        assert dump["records"] > 0
    else:
        assert dump["format"] in ("kdump-compressed", "flattened")
    assert dump["header_version"] >= 6
    if dump["format"] == "flattened":
        with host.sudo():
            head = host.check_output("head -c 12 %s", dump["path"])
            tail = host.check_output("tail -c 16 %s | od -An -tx1", dump["path"]).split()
        assert head == "makedumpfile"
        assert tail == ["ff"] * 16


def test_vmcore_has_a_sane_size(vmcore):
    size = vmcore["dump"]["size"]
    assert 4 << 20 < size < 2 << 30


def test_vmcore_is_compressed_as_configured(vmcore):
    bit = COMPRESSION_STATUS_BIT[SETTINGS["kdump_lab_compression"]]
    assert vmcore["dump"]["status"] & bit


def test_vmcore_comes_from_the_kernel_that_crashed(host, vmcore):
    assert vmcore["dump"]["release"] == host.check_output("uname -r")


def test_dmesg_next_to_the_vmcore_shows_the_sysrq_crash(vmcore):
    assert vmcore["dmesg"] is not None
    assert "sysrq: Trigger a crash" in vmcore["panic_line"] or "Kernel panic" in vmcore["panic_line"]
