"""Speed benchmark of the VM lab: the collection's playbooks next to floors measured
on the same guests in the same run, printed as ratios.

- configure with nothing to change (median of --repeat runs) against the floor play
  (``setup`` with ``gather_subset: [min]`` and one ``stat``), run interleaved;
- crash -> verdict (verify_capture: sysrq on the serial console until the playbook
  has its verdict) against crash -> ssh answering again after a bare sysrq;
- configure and verify_capture on 1 guest against all --guests guests at once
  (``kdump_batch_size`` = all), with the host's CPU use beside each, so a reader sees
  when the machine is the limit;
- with --peer, linux-system-roles kdump (a checkout of it) on the same guest.
Run through the ``benchmark`` executable next to this file; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import lab

INVENTORY = lab.LAB_DIR.parents[1] / "extensions" / "molecule" / "inventory"
FLOOR_PLAY = """- name: Floor - the least a play does on the host
  hosts: all
  gather_facts: false
  tasks:
    - name: Minimal facts
      ansible.builtin.setup:
        gather_subset: [min]
    - name: One stat
      ansible.builtin.stat:
        path: /etc/default/kdump-tools
"""
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


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all host CPUs since boot, from /proc/stat."""
    fields = [float(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return sum(fields) - idle, sum(fields)


class Bench:
    def __init__(self, fleet: lab.Fleet, workdir: Path):
        self.fleet = fleet
        self.guest = fleet.guests[0]
        self.workdir = workdir
        self.rows: list[tuple[str, float | None, float | None, str]] = []
        collections = workdir / "collections" / "ansible_collections" / "crashdump"
        collections.mkdir(parents=True, exist_ok=True)
        link = collections / "kdump"
        if not link.exists():
            link.symlink_to(lab.LAB_DIR.parents[1])
        (workdir / "floor.yml").write_text(FLOOR_PLAY)
        self.env = dict(os.environ,
                        ANSIBLE_COLLECTIONS_PATH=str(workdir / "collections"),
                        ANSIBLE_HOST_KEY_CHECKING="false",
                        ANSIBLE_PIPELINING="true",
                        ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=120s "
                                         "-o ServerAliveInterval=10 -o ServerAliveCountMax=3",
                        ANSIBLE_RETRY_FILES_ENABLED="false",
                        # Per-task times in the kept log, for profiling a slow step.
                        ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
                        KDUMP_LAB_STATE_DIR=str(fleet.state_dir))
        self.last_cpu = 0.0

    def playbook(self, name: str, *, limit: str | None = None, extra: dict | None = None,
                 timeout: float = 1800) -> float:
        """Run a playbook (a collection playbook's short name, or a path) on the lab
        inventory; return the wall time and keep the host's CPU use in ``last_cpu``."""
        target = name if "/" in name else f"crashdump.kdump.{name}"
        argv = ["ansible-playbook", "--inventory", str(INVENTORY), target]
        if limit:
            argv += ["--limit", limit]
        if extra:
            argv += ["--extra-vars", json.dumps(extra)]
        busy, total = cpu_times()
        started = time.monotonic()
        with open(self.workdir / "ansible.log", "ab") as log_file:
            log_file.write(("\n$ " + " ".join(argv) + "\n").encode())
            log_file.flush()
            subprocess.run(argv, check=True, timeout=timeout, env=self.env,
                           stdout=log_file, stderr=subprocess.STDOUT)
        seconds = time.monotonic() - started
        busy_after, total_after = cpu_times()
        self.last_cpu = (busy_after - busy) / max(total_after - total, 1.0)
        return seconds

    def record(self, step: str, with_ansible: float | None, floor: float | None, cpu: str = "") -> None:
        self.rows.append((step, with_ansible, floor, cpu))
        lab.log(f"{step}: lab {_fmt(with_ansible)}, floor {_fmt(floor)} {cpu}")

    def crash(self, runner) -> tuple[float | None, float]:
        """Crash through RUNNER; return (sysrq -> vmcore saved, sysrq -> RUNNER done)."""
        watch = SerialWatch(Path(self.guest["serial_log"]))
        runner()
        finished = time.monotonic()
        seen = watch.stop()
        if CRASH_LINE not in seen:
            raise lab.LabError("no sysrq crash seen on the serial console")
        crashed = seen[CRASH_LINE]
        saved = seen.get(SAVED_LINE)
        return (saved - crashed if saved else None), finished - crashed

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

    def peer(self, checkout: Path, repeat: int) -> tuple[float, float]:
        """linux-system-roles kdump on the first guest: (first run, median of REPEAT re-runs).

        Its Debian support needs its Ubuntu variables as vars/Debian.yml without
        linux-crashdump, and kdump_kdump_tools: {}."""
        role = self.workdir / "peer" / "kdump"
        shutil.copytree(checkout, role, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        ubuntu = role / "vars" / "Ubuntu.yml"
        if not ubuntu.is_file():
            raise lab.LabError(f"--peer {checkout}: no vars/Ubuntu.yml; is it a linux-system-roles kdump checkout?")
        lines = [line for line in ubuntu.read_text().splitlines() if "linux-crashdump" not in line]
        (role / "vars" / "Debian.yml").write_text("\n".join(lines) + "\n")
        play = self.workdir / "peer.yml"
        play.write_text(f"""- name: Peer role
  hosts: {self.guest['name']}
  become: true
  vars:
    kdump_kdump_tools: {{}}
    kdump_reboot_ok: true
  roles:
    - role: {role}
""")
        first = self.playbook(str(play))
        again = statistics.median([self.playbook(str(play)) for _run in range(repeat)])
        return first, again


def _cpu(fraction: float) -> str:
    return f"cpu {fraction * 100:3.0f}%"


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:6.1f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="bookworm", choices=lab.SUITES)
    parser.add_argument("--reuse-image", action="store_true",
                        help="time the cached image instead of rebuilding it")
    parser.add_argument("--guests", type=int, default=2,
                        help="guests (1 vCPU each) for the parallel runs; 1 skips them (default: 2)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the floor play and of configure with nothing to change (median)")
    parser.add_argument("--peer", type=Path, metavar="CHECKOUT",
                        help="also time linux-system-roles kdump from this checkout on the same guest")
    args = parser.parse_args(argv)
    if args.guests < 1 or args.repeat < 1:
        parser.error("--guests and --repeat must be 1 or more")
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
        specs = [{"name": f"{args.suite}{i}", "base": image.disk, "key": image.key,
                  "label": f"debian-{args.suite}", "cloud": False} for i in range(1, args.guests + 1)]
        started = time.monotonic()
        fleet.up(specs, lab.choose_accel(image.disk), memory_mb=2048, cpus=1)
        boot = time.monotonic() - started
        bench = Bench(fleet, workdir)
        one = bench.guest["name"]
        bench.record(build_label, build_seconds, None)
        bench.record(f"boot -> ssh ({args.guests} QEMU)", boot, None)

        converge = bench.playbook("configure")
        bench.record(f"configure, first run with reboot ({args.guests} guests)", converge, None,
                     _cpu(bench.last_cpu))

        floors, agains = [], []
        for _run in range(args.repeat):
            floors.append(bench.playbook(str(workdir / "floor.yml"), limit=one))
            agains.append(bench.playbook("configure", limit=one))
        floor, again = statistics.median(floors), statistics.median(agains)
        bench.record("configure, nothing to change (1 guest, median)", again, floor)

        if args.guests > 1:
            many = bench.playbook("configure")
            bench.record(f"configure, nothing to change: {args.guests} guests vs 1", many, again,
                         _cpu(bench.last_cpu))

        verify_one = {}

        def verify_capture_one() -> None:
            # kdump_hosts, not --limit: the playbook's controller plays run on localhost.
            verify_one["seconds"] = bench.playbook("verify_capture", extra={"kdump_hosts": one})
            verify_one["cpu"] = bench.last_cpu

        lab_vmcore, lab_verdict = bench.crash(verify_capture_one)
        floor_vmcore, floor_back = bench.crash(bench.bare_crash)
        bench.record("crash -> vmcore saved (serial console)", lab_vmcore, floor_vmcore)
        bench.record("crash -> verdict (verify_capture) vs crash -> ssh", lab_verdict, floor_back)
        if args.guests > 1:
            many = bench.playbook("verify_capture", extra={"kdump_hosts": "kdump_lab", "kdump_batch_size": args.guests})
            bench.record(f"verify_capture: {args.guests} guests in one batch vs 1", many, verify_one["seconds"],
                         _cpu(bench.last_cpu))
        if args.peer:
            peer_first, peer_again = bench.peer(args.peer, args.repeat)
            bench.record("peer: linux-system-roles kdump, first run", peer_first, None)
            bench.record("peer: nothing to change (median) vs floor play", peer_again, floor)
    except BaseException:
        lab.log(f"benchmark failed; Ansible output and serial logs kept in {workdir}")
        fleet.down()
        raise
    fleet.down()
    shutil.rmtree(workdir, ignore_errors=True)

    accel = bench.guest.get("accel", "?")
    print(f"\nVM lab benchmark: Debian {args.suite}, {args.guests} guest(s) of 2 GiB and 1 vCPU, "
          f"{accel.upper()}, {os.cpu_count()} host CPUs")
    print(f"{'step':<58} {'lab':>9} {'floor':>9} {'ratio':>6}  host")
    for step, with_ansible, floor, cpu in bench.rows:
        ratio = f"{with_ansible / floor:5.2f}x" if with_ansible and floor else "-"
        print(f"{step:<58} {_fmt(with_ansible):>9} {_fmt(floor):>9} {ratio:>6}  {cpu}")
    print(f"\ncrash -> verdict minus crash -> ssh: {lab_verdict - floor_back:+.1f} s (goal: at most +10 s)")
    print("lab: the collection's playbooks; floor: the floor play (setup min + stat), a bare sysrq until ssh "
          "answers, or the 1-guest run; host: the host's CPU use during the run (near 100% means the machine, "
          "not the code, is the limit).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
