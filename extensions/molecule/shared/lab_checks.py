"""Helpers for the scenarios' testinfra tests: read a lab guest's real state.

Imported by the tests of each scenario (``sys.path`` points here). Everything is
read from the guest itself - /proc, /sys, the files kdump wrote, the dump's bytes -
never from what our modules reported.
"""

import json
import os
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
LAB_DIR = REPO_ROOT / "tests" / "vmlab"
CHECKER = LAB_DIR / "check_vmcore.py"
CRASH_MARKER = "/var/lib/crashdump-kdump/crash-marker.json"  # written by kdump_crash

sys.path.insert(0, str(LAB_DIR))
import lab  # noqa: E402  pylint: disable=wrong-import-position


def lab_settings():
    """The lab's settings (group_vars) with the reservation this scenario runs with."""
    with open(LAB_DIR / "playbooks" / "group_vars" / "kdump_lab.yml", encoding="utf-8") as handle:
        settings = yaml.safe_load(handle)
    settings["kdump_lab_crashkernel"] = os.environ["KDUMP_LAB_CRASHKERNEL"]
    return settings


def size_in_bytes(size):
    """'256M' -> 268435456 (the simple crashkernel=<size> form the lab uses)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(size[:-1]) * units[size[-1].upper()]


def read_text(host, path):
    with host.sudo():
        return host.file(path).content_string


def crash_marker(host):
    """When the last crash test crashed the guest (guest clock, epoch seconds)."""
    return int(json.loads(read_text(host, CRASH_MARKER))["triggered_at"])


def seconds_since_boot(host):
    return float(read_text(host, "/proc/uptime").split()[0])


def guest_clock(host):
    return int(host.check_output("date +%s"))


def capture_report(host, dump_path, since):
    """Run the stdlib checker on the guest and return its JSON report."""
    with host.sudo():
        output = host.check_output("python3 -c %s %s --since %s", CHECKER.read_text(),
                                   dump_path, str(since))
    return json.loads(output)


def serial_log(hostname):
    """The serial console log of a lab guest, read on the machine running QEMU."""
    state_dir = Path(os.environ.get("KDUMP_LAB_STATE_DIR") or lab.cache_root() / "fleets" / "molecule")
    fleet = lab.Fleet(state_dir)
    return Path(fleet.guest(hostname)["serial_log"]).read_text(errors="replace")


def lab_hosts():
    """The inventory names of the lab's kdump clients (group kdump_lab), in fleet
    order - not the dump-server guests, which are in a group of their own."""
    state_dir = Path(os.environ.get("KDUMP_LAB_STATE_DIR") or lab.cache_root() / "fleets" / "molecule")
    return [guest["name"] for guest in lab.Fleet(state_dir).guests if (guest.get("group") or lab.GROUP) == lab.GROUP]
