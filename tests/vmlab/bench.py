"""Speed benchmark of the VM lab: per-step timings of the Ansible path next to a
bare-shell floor measured on the same guest in the same run.

Steps: image build, boot -> ssh, the collection's configure playbook (with its
reboot) and again with nothing to change, verify_capture's crash -> vmcore saved and
crash -> ssh back. The floor does the same thing with plain ssh commands on the same
guest, so the ratio is what Ansible and the role cost on top.
Run through the ``benchmark`` executable next to this file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import lab

INVENTORY = lab.LAB_DIR.parents[1] / "extensions" / "molecule" / "inventory"
CRASH_LINE = b"sysrq: Trigger a crash"
SAVED_LINE = b"saved vmcore in"


class SerialWatch:
    """Timestamps (monotonic) of lines appearing in a guest's serial log from now on."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self.seen: dict[bytes, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                with open(self.path, "rb") as handle:
                    handle.seek(self.offset)
                    chunk = handle.read()
            except OSError:
                chunk = b""
            if chunk:
                self.offset += len(chunk)
                buffer = (buffer + chunk)[-65536:]
                now = time.monotonic()
                for needle in (CRASH_LINE, SAVED_LINE):
                    if needle in buffer and needle not in self.seen:
                        self.seen[needle] = now
            time.sleep(0.2)

    def stop(self) -> dict[bytes, float]:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.seen


class Bench:
    def __init__(self, fleet: lab.Fleet, guest: dict, workdir: Path):
        self.fleet = fleet
        self.guest = guest
        self.workdir = workdir
        self.rows: list[tuple[str, float | None, float | None]] = []
        collections = workdir / "collections" / "ansible_collections" / "crashdump"
        collections.mkdir(parents=True, exist_ok=True)
        link = collections / "kdump"
        if not link.exists():
            link.symlink_to(lab.LAB_DIR.parents[1])
        self.env = dict(os.environ,
                        ANSIBLE_COLLECTIONS_PATH=str(workdir / "collections"),
                        ANSIBLE_HOST_KEY_CHECKING="false",
                        ANSIBLE_PIPELINING="true",
                        ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=120s "
                                         "-o ServerAliveInterval=10 -o ServerAliveCountMax=3",
                        ANSIBLE_RETRY_FILES_ENABLED="false",
                        KDUMP_LAB_STATE_DIR=str(fleet.state_dir))

    def playbook(self, name: str, timeout: float = 1800) -> float:
        """Run one of the collection's playbooks on the lab inventory; return the wall time."""
        argv = ["ansible-playbook", "--inventory", str(INVENTORY), f"crashdump.kdump.{name}"]
        started = time.monotonic()
        with open(self.workdir / "ansible.log", "ab") as log_file:
            subprocess.run(argv, check=True, timeout=timeout, env=self.env,
                           stdout=log_file, stderr=subprocess.STDOUT)
        return time.monotonic() - started

    def shell(self, script: str, timeout: float = 600) -> float:
        """One bare ssh session running a shell script on the guest; return the wall time."""
        started = time.monotonic()
        self.fleet.ssh(self.guest, ["sh", "-c", script], timeout=timeout)
        return time.monotonic() - started

    def record(self, step: str, with_ansible: float | None, floor: float | None) -> None:
        self.rows.append((step, with_ansible, floor))
        lab.log(f"{step}: lab {_fmt(with_ansible)}, floor {_fmt(floor)}")

    def crash(self, runner) -> tuple[float | None, float]:
        """Crash through RUNNER; return (sysrq -> vmcore saved, sysrq -> ssh back)."""
        watch = SerialWatch(Path(self.guest["serial_log"]))
        runner()
        finished = time.monotonic()
        seen = watch.stop()
        if CRASH_LINE not in seen:
            raise lab.LabError("no sysrq crash seen on the serial console")
        crashed = seen[CRASH_LINE]
        saved = seen.get(SAVED_LINE)
        return (saved - crashed if saved else None), finished - crashed

    def reboot(self) -> None:
        """Reboot from inside the guest, as ansible.builtin.reboot does, and wait for ssh."""
        with contextlib.suppress(lab.LabError):
            self.fleet.ssh(self.guest, ["sh", "-c", "(sleep 1; systemctl reboot) &"], timeout=30)
        self._wait_gone_then_back()

    def bare_crash(self) -> None:
        try:
            self.fleet.ssh(self.guest, ["sh", "-c", "sync; (sleep 1; echo c > /proc/sysrq-trigger) &"],
                           timeout=30)
        except lab.LabError:
            pass
        self._wait_gone_then_back()

    def _wait_gone_then_back(self) -> None:
        """Wait until the old boot stops answering, then until sshd answers on the new one."""
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                self.fleet.ssh(self.guest, ["true"], timeout=5)
            except lab.LabError:
                break
            time.sleep(0.5)
        self.fleet.wait_ssh(self.guest, timeout=900)


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:6.1f} s"


FLOOR_CONFIGURE = r"""set -e
sed -i -e 's|^#*KDUMP_COREDIR=.*|KDUMP_COREDIR="/var/crash/lab"|' \
  -e 's|^#*MAKEDUMP_ARGS=.*|MAKEDUMP_ARGS="-F -l -d 31"|' \
  -e 's|^#*KDUMP_CMDLINE_APPEND=.*|KDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb panic=10"|' \
  /etc/default/kdump-tools
mkdir -p /var/crash/lab
echo 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M"' > /etc/default/grub.d/kdump-tools.cfg
update-grub 2>/dev/null
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="bookworm", choices=lab.SUITES)
    parser.add_argument("--reuse-image", action="store_true",
                        help="time the cached image instead of rebuilding it")
    args = parser.parse_args(argv)
    lab.ensure_host_packages(sorted(lab.HOST_PACKAGES))

    image = lab.Image(args.suite)
    if args.reuse_image and image.ready:
        built = json.loads((image.directory / "built.json").read_text())
        build_seconds, build_label = built["seconds"], "image build (cached; time of that build)"
    else:
        build_seconds, build_label = image.build(force=True), "image build"

    workdir = Path(tempfile.mkdtemp(prefix="kdump-bench."))
    fleet = lab.Fleet(workdir / "fleet")
    try:
        spec = {"name": f"{args.suite}1", "base": image.disk, "key": image.key,
                "label": f"debian-{args.suite}", "cloud": False}
        started = time.monotonic()
        fleet.up([spec], lab.choose_accel(image.disk), memory_mb=2048, cpus=2)
        boot = time.monotonic() - started
        guest = fleet.guests[0]
        bench = Bench(fleet, guest, workdir)
        bench.record(build_label, build_seconds, None)
        bench.record("boot -> ssh (QEMU start)", boot, None)

        converge = bench.playbook("configure")
        started = time.monotonic()
        bench.shell(FLOOR_CONFIGURE)
        bench.reboot()
        bench.shell("systemctl is-active kdump-tools")
        bench.record("configure (config, crashkernel, update-grub, reboot)", converge,
                     time.monotonic() - started)

        again = bench.playbook("configure")
        bench.record("configure again (nothing to change)", again, bench.shell("true"))

        lab_vmcore, lab_back = bench.crash(lambda: bench.playbook("verify_capture"))
        floor_vmcore, floor_back = bench.crash(bench.bare_crash)
        bench.record("crash -> vmcore saved", lab_vmcore, floor_vmcore)
        bench.record("crash -> ssh back", lab_back, floor_back)
    except BaseException:
        lab.log(f"benchmark failed; Ansible output and serial log kept in {workdir}")
        fleet.down()
        raise
    fleet.down()
    shutil.rmtree(workdir, ignore_errors=True)

    accel = guest.get("accel", "?")
    print(f"\nVM lab benchmark: Debian {args.suite}, 2 GiB, 2 vCPU, {accel.upper()}, "
          f"{os.cpu_count()} host CPUs")
    print(f"{'step':<52} {'lab':>9} {'floor':>9} {'ratio':>6}")
    for step, with_ansible, floor in bench.rows:
        ratio = f"{with_ansible / floor:5.2f}x" if with_ansible and floor else "-"
        print(f"{step:<52} {_fmt(with_ansible):>9} {_fmt(floor):>9} {ratio:>6}")
    print("\nlab: the collection's playbooks (configure, verify_capture); floor: the same step "
          "with plain ssh commands on the same guest.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
