"""The VM lab: cached guest images and small fleets of QEMU guests.

Stdlib only. The executables next to this file (build-image, fleet) are thin
wrappers around the command line at the bottom.

Images live in ``${XDG_CACHE_HOME:-~/.cache}/crashdump-kdump/images/<suite>-<recipe hash>/``
with the SSH key made for that build. A fleet lives in a state directory: one fresh
qcow2 overlay, serial log, monitor socket and pid file per guest (and an empty data disk
when asked for), ``fleet.json`` and an Ansible inventory (``inventory.yml``).

Every guest has two NICs: user-mode networking with SSH forwarded from 127.0.0.1, and
the guest LAN, a private Ethernet segment shared by the guests of one fleet (a QEMU
multicast socket on the host's loopback) where guest i has 192.168.77.(10+i)/24.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent
RECIPE_DIR = LAB_DIR / "image"
SUITES = ("bookworm", "trixie")
GROUP = "kdump_lab"
SERVER_GROUP = "kdump_lab_servers"
SERVER_MEMORY_MB = 1024
# QEMU's TCG code cache, in MiB. Its default (1 GiB) keeps the code it translated
# for a boot after the guest reboots in the same QEMU process; the next boot's
# writes over those pages then run several times slower (a reboot to ssh took
# 81-136 s instead of 33 s). A small cache is flushed often, which costs next to
# nothing: the same no-change configure took as long with 128 MiB as with 1 GiB.
TCG_CODE_CACHE_MB = 128
HOST_PACKAGES = {
    # command -> Debian package that provides it
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
    "mmdebstrap": "mmdebstrap",
    "sfdisk": "fdisk",
    "eatmydata": "eatmydata",
    "mkfs.ext4": "e2fsprogs",
    "genisoimage": "genisoimage",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
}
SSH_OPTIONS = [
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
    "-o", "BatchMode=yes",
    "-o", "IdentitiesOnly=yes",
]
BUILD_TIMEOUT = 1800
BOOT_TIMEOUT = int(os.environ.get("KDUMP_LAB_BOOT_TIMEOUT", "420"))

# The guest LAN: guest i (0-based, in fleet order) gets LAN_NET.(LAN_FIRST_HOST + i).
LAN_NET = "192.168.77"
LAN_PREFIX_LENGTH = 24
LAN_FIRST_HOST = 10
LAN_MAX_GUESTS = 254 - LAN_FIRST_HOST
# Runs in the guest as root: sh -c LAN_SETUP_SCRIPT lan-setup MAC ADDRESS/PREFIX.
# systemd-networkd (the Debian images): a .network file matching the LAN NIC's MAC,
# numbered before the image's 10-lab-dhcp.network (which matches en* and eth*).
# NetworkManager (cloud images): a connection bound to that NIC. Both persist on the
# guest's disk, so the address comes back after a reboot and in the kdump capture boot.
LAN_SETUP_SCRIPT = r"""set -eu
mac=$1
address=$2
ifname=
for dev in /sys/class/net/*; do
  if [ "$(cat "$dev/address")" = "$mac" ]; then ifname=${dev##*/}; fi
done
if [ -z "$ifname" ]; then
  echo "no network interface with MAC $mac" >&2
  exit 1
fi
if systemctl is-active --quiet systemd-networkd && command -v networkctl >/dev/null; then
  file=/etc/systemd/network/05-lab-lan.network
  printf '%s\n' \
    '# The lab LAN between the guests of one fleet (tests/vmlab/lab.py).' \
    '[Match]' "MACAddress=$mac" '' \
    '[Network]' "Address=$address" 'LinkLocalAddressing=no' 'IPv6AcceptRA=no' \
    > "$file.tmp"
  mv "$file.tmp" "$file"
  networkctl reload
  networkctl reconfigure "$ifname"
elif command -v nmcli >/dev/null; then
  nmcli connection delete kdump-lab-lan >/dev/null 2>&1 || true
  nmcli connection add type ethernet con-name kdump-lab-lan ifname "$ifname" \
    ipv4.method manual ipv4.addresses "$address" ipv6.method disabled >/dev/null
  nmcli connection up kdump-lab-lan >/dev/null
else
  echo "neither systemd-networkd nor NetworkManager runs here" >&2
  exit 1
fi
sync
tries=0
until ip -4 -o addr show dev "$ifname" | grep -q " inet ${address%/*}/"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 40 ]; then
    echo "$ifname did not get $address within 20 s" >&2
    exit 1
  fi
  sleep 0.5
done
"""
# The data disk is the second virtio disk: its -drive follows the boot disk's and comes
# before a cloud image's seed cdrom, and QEMU gives if=virtio drives PCI slots in that order.
DATA_DISK_DEVICE = "/dev/vdb"


class LabError(Exception):
    """A lab step failed; the message says which and why."""


# What an emulated guest kernel prints when its CPUs stop taking timer interrupts
# (seen under TCG with the trixie kernel: "rcu_preempt detected stalls on
# CPUs/tasks", then nothing more - no login, no SSH, the boot never ends).
STALL_MARKERS = ("detected stalls on CPUs/tasks",)


def log(message: str) -> None:
    print(f"[vmlab] {message}", file=sys.stderr, flush=True)


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crashdump-kdump"


def run(argv: list[str], *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """Run a command (argument list, never a shell string) and fail loudly."""
    try:
        return subprocess.run(argv, check=True, timeout=timeout, **kwargs)
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"")[-2000:]
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        raise LabError(f"{argv[0]} exited {exc.returncode}: {detail.strip()}") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{argv[0]} did not finish within {timeout:.0f} s") from exc


# --------------------------------------------------------------------------- host


def ensure_host_packages(commands: list[str]) -> None:
    """Install the Debian packages behind missing host commands (root only)."""
    missing = sorted({HOST_PACKAGES[c] for c in commands if shutil.which(c) is None
                      and not Path("/usr/sbin", c).exists() and not Path("/sbin", c).exists()})
    if not missing:
        return
    if os.geteuid() != 0:
        raise LabError("missing host packages (install them as root): " + " ".join(missing))
    log("installing host packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], timeout=600, env=env, stdout=subprocess.DEVNULL)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        timeout=1200, env=env, stdout=subprocess.DEVNULL)


# -------------------------------------------------------------------------- image


def recipe_hash() -> str:
    """Hash of every file of the image recipe: any change means a new image."""
    digest = hashlib.sha256()
    for path in sorted(p for p in RECIPE_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(RECIPE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(os.environ.get("KDUMP_LAB_DISK_GB", "6").encode())
    return digest.hexdigest()[:16]


class Image:
    """One cached, built guest image and the SSH key that opens it."""

    def __init__(self, suite: str):
        if suite not in SUITES:
            raise LabError(f"unknown suite {suite!r}; choose one of {', '.join(SUITES)}")
        self.suite = suite
        self.directory = cache_root() / "images" / f"{suite}-{recipe_hash()}"
        self.disk = self.directory / "disk.qcow2"
        self.key = self.directory / "id_ed25519"

    @property
    def ready(self) -> bool:
        return self.disk.is_file() and self.key.is_file()

    def build(self, *, force: bool = False) -> float:
        """Build unless cached; return the seconds spent building (0 when reused)."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.directory.parent / f"{self.suite}.lock"
        with open(lock_path, "w", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.ready and not force:
                return 0.0
            ensure_host_packages(["qemu-img", "mmdebstrap", "sfdisk", "eatmydata", "mkfs.ext4",
                                  "ssh-keygen"])
            if os.geteuid() != 0 and "KDUMP_LAB_MMDEBSTRAP_MODE" not in os.environ:
                raise LabError("building an image needs root (mmdebstrap --mode=root); "
                               "see tests/vmlab/README.md")
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.mkdir(parents=True)
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kdump-lab",
                 "-f", str(self.key)], timeout=60)
            build_log = self.directory / "build.log"
            log(f"building the {self.suite} image (log: {build_log})")
            started = time.monotonic()
            with open(build_log, "wb") as out:
                try:
                    subprocess.run(["bash", str(RECIPE_DIR / "recipe.sh"), self.suite,
                                    str(self.disk), f"{self.key}.pub"],
                                   stdout=out, stderr=subprocess.STDOUT, check=True,
                                   timeout=BUILD_TIMEOUT)
                except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                    tail = build_log.read_text(errors="replace")[-3000:]
                    self.key.unlink(missing_ok=True)
                    raise LabError(f"image build failed ({exc}); end of {build_log}:\n{tail}") from exc
            elapsed = time.monotonic() - started
            (self.directory / "built.json").write_text(json.dumps(
                {"suite": self.suite, "seconds": round(elapsed, 1), "built_at": time.time()}))
            self._prune_older_builds()
            log(f"built {self.disk} in {elapsed:.0f} s")
            return elapsed

    def _prune_older_builds(self) -> None:
        for other in self.directory.parent.glob(f"{self.suite}-*"):
            if other != self.directory and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)


# ------------------------------------------------------------------ acceleration


def _qemu_version() -> str:
    out = run(["qemu-system-x86_64", "--version"], timeout=30, capture_output=True, text=True)
    return out.stdout.splitlines()[0]


def choose_accel(probe_disk: Path) -> str:
    """KVM when it really boots a kernel here, TCG otherwise; KDUMP_LAB_ACCEL forces one."""
    forced = os.environ.get("KDUMP_LAB_ACCEL", "").strip()
    if forced:
        if forced not in ("kvm", "tcg"):
            raise LabError(f"KDUMP_LAB_ACCEL={forced!r}: use kvm or tcg")
        return forced
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    key = f"{os.uname().release} {_qemu_version()}"
    record = cache_root() / "accel-probe.json"
    with contextlib.suppress(OSError, ValueError):
        cached = json.loads(record.read_text())
        if cached.get("key") == key:
            return cached["accel"]
    accel = "kvm" if _kvm_boots(probe_disk) else "tcg"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"key": key, "accel": accel}))
    log(f"acceleration probe: {accel}")
    return accel


def _kvm_boots(disk: Path, timeout: float = 25.0) -> bool:
    """Boot the image read-only under KVM and wait for the kernel's first line."""
    with tempfile.TemporaryDirectory(prefix="kvm-probe.") as tmp:
        serial = Path(tmp) / "serial.log"
        argv = ["qemu-system-x86_64", "-accel", "kvm", "-machine", "pc", "-cpu", "max",
                "-m", "512", "-snapshot", "-drive", f"file={disk},if=virtio,format=qcow2",
                "-display", "none", "-serial", f"file:{serial}", "-nic", "none"]
        with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
            deadline = time.monotonic() + timeout
            booted = False
            while time.monotonic() < deadline and proc.poll() is None:
                if serial.exists() and b"Linux version" in serial.read_bytes():
                    booted = True
                    break
                time.sleep(0.5)
            proc.kill()
            proc.wait(timeout=30)
        return booted


# ------------------------------------------------------------------------- fleet


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lan_endpoint() -> str:
    """A multicast group and a free UDP port for one fleet's guest LAN, "GROUP:PORT"."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("0.0.0.0", 0))
        port = sock.getsockname()[1]
    return f"230.77.{random.randrange(256)}.{random.randrange(1, 255)}:{port}"


def lan_address(index: int) -> str:
    """The LAN address of the guest at this position of the fleet (0-based)."""
    if not 0 <= index < LAN_MAX_GUESTS:
        raise LabError(f"the guest LAN has room for {LAN_MAX_GUESTS} guests, not {index + 1}")
    return f"{LAN_NET}.{LAN_FIRST_HOST + index}"


def lan_mac(index: int) -> str:
    return f"52:54:00:77:00:{index:02x}"


def data_disk_size(value: str | None) -> str | None:
    """A data disk size as qemu-img takes it (64M, 1G), or None for no data disk."""
    value = (value or "").strip()
    if value in ("", "0"):
        return None
    if not re.fullmatch(r"[1-9][0-9]*[KMGT]?", value):
        raise LabError(f"data disk size {value!r}: give a number with an optional "
                       "K, M, G or T suffix, e.g. 64M")
    return value


def make_seed_iso(directory: Path, public_key: str, hostname: str) -> Path:
    """A NoCloud seed (volume label cidata) giving user kdumplab the lab key and sudo."""
    ensure_host_packages(["genisoimage"])
    source = directory / f"{hostname}-seed"
    source.mkdir(parents=True, exist_ok=True)
    user_data = "\n".join([
        "#cloud-config",
        "users:",
        "  - name: kdumplab",
        "    gecos: crashdump.kdump lab",
        "    shell: /bin/bash",
        "    sudo: ALL=(ALL) NOPASSWD:ALL",
        "    lock_passwd: true",
        "    ssh_authorized_keys:",
        f"      - {public_key.strip()}",
        "ssh_pwauth: false",
        "package_update: false",
        "package_upgrade: false",
        "",
    ])
    (source / "user-data").write_text(user_data)
    (source / "meta-data").write_text(f"instance-id: {hostname}\nlocal-hostname: {hostname}\n")
    iso = directory / f"{hostname}-seed.iso"
    run(["genisoimage", "-quiet", "-output", str(iso), "-volid", "cidata", "-joliet", "-rock",
         str(source / "user-data"), str(source / "meta-data")], timeout=60)
    return iso


def _replace_text(path: Path, text: str) -> None:
    """Write PATH whole or not at all, through a temporary file of its own."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


class Fleet:
    """Guests of one run, all described in ``<state>/fleet.json``."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir.resolve()
        self.state_file = self.state_dir / "fleet.json"
        self.guests: list[dict] = []
        if self.state_file.exists():
            self.guests = json.loads(self.state_file.read_text())["guests"]

    def save(self) -> None:
        """Write the state and the inventory. Scenarios power-cycle guests in
        parallel, each in its own process: the writes are serialised by a lock
        and each goes through its own temporary file."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "fleet.lock", "w", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _replace_text(self.state_file, json.dumps({"guests": self.guests}, indent=2))
            self.write_inventory()

    def guest(self, name: str) -> dict:
        for guest in self.guests:
            if guest["name"] == name:
                return guest
        raise LabError(f"no guest named {name!r} in {self.state_file}")

    # -- inventory
    def inventory(self) -> dict:
        hosts = {}
        for guest in self.guests:
            hosts[guest["name"]] = {
                "ansible_host": "127.0.0.1",
                "ansible_port": guest["port"],
                "ansible_user": guest["user"],
                "ansible_ssh_private_key_file": guest["key"],
                "ansible_ssh_common_args": " ".join(SSH_OPTIONS[:-2]),
                "ansible_python_interpreter": guest["python"],
                "kdump_lab_guest": guest["name"],
                "kdump_lab_state_dir": str(self.state_dir),
                "kdump_lab_dir": str(LAB_DIR),
                "kdump_lab_os_label": guest["label"],
                "kdump_lab_suite": guest.get("suite", guest["label"]),
            }
            if guest.get("lan_address"):
                hosts[guest["name"]]["kdump_lab_lan_address"] = guest["lan_address"]
            if guest.get("data_disk"):
                hosts[guest["name"]]["kdump_lab_data_disk"] = guest["data_disk_device"]
            # Per-host settings a scenario leaves for later ansible-playbook runs.
            extra = self.state_dir / "host_vars" / f"{guest['name']}.json"
            if extra.is_file():
                hosts[guest["name"]].update(json.loads(extra.read_text()))
        groups: dict[str, dict] = {GROUP: {"hosts": {}}}
        for guest in self.guests:
            group = guest.get("group") or GROUP
            groups.setdefault(group, {"hosts": {}})["hosts"][guest["name"]] = hosts[guest["name"]]
        return {"all": {"children": groups}}

    def write_inventory(self) -> None:
        # JSON is valid YAML; keeps this module stdlib-only.
        _replace_text(self.state_dir / "inventory.yml", json.dumps(self.inventory(), indent=2) + "\n")

    # -- life cycle
    def add(self, *, name: str, base: Path, key: Path, label: str, cloud: bool,
            memory_mb: int, cpus: int, accel: str, suite: str | None = None,
            data_disk: str | None = None, group: str | None = None) -> dict:
        """Create the guest's disks and record it; QEMU is not started yet."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        index = len(self.guests)
        overlay = self.state_dir / f"{name}.qcow2"
        run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(base.resolve()),
             str(overlay)], timeout=60)
        guest = {
            "name": name, "label": label, "suite": suite or ("cloud" if cloud else label),
            "base": str(base.resolve()), "overlay": str(overlay),
            "key": str(key), "port": free_port(), "accel": accel,
            "memory_mb": memory_mb, "cpus": cpus,
            "serial_log": str(self.state_dir / f"{name}.serial.log"),
            "monitor": str(self.state_dir / f"{name}.mon"),
            "pid_file": str(self.state_dir / f"{name}.pid"),
            "user": "kdumplab" if cloud else "root",
            "python": "auto_silent" if cloud else "/usr/bin/python3",
            "seed": None,
            # One LAN per fleet: every guest joins the first guest's multicast group.
            "lan_mcast": self.guests[0]["lan_mcast"] if self.guests else lan_endpoint(),
            "lan_address": lan_address(index),
            "lan_mac": lan_mac(index),
            "data_disk": None, "data_disk_size": None, "data_disk_device": None,
            "group": group or GROUP,
        }
        Path(guest["serial_log"]).unlink(missing_ok=True)
        if data_disk:
            # Raw: nothing of it lives in QEMU's memory, so even a SIGKILL loses no write.
            path = self.state_dir / f"{name}.data.raw"
            run(["qemu-img", "create", "-q", "-f", "raw", str(path), data_disk], timeout=60)
            guest.update(data_disk=str(path), data_disk_size=data_disk,
                         data_disk_device=DATA_DISK_DEVICE)
        if cloud:
            guest["seed"] = str(make_seed_iso(self.state_dir, Path(f"{key}.pub").read_text(), name))
        self.guests.append(guest)
        self.save()
        return guest

    def qemu_argv(self, guest: dict) -> list[str]:
        accel = ["-accel", "kvm", "-cpu", "max"] if guest["accel"] == "kvm" else \
            ["-accel", f"tcg,tb-size={TCG_CODE_CACHE_MB}", "-cpu", "max"]
        # -nodefaults: no floppy, parallel port, IDE CD-ROM or VGA. Every boot, the
        # capture kernel's too, probed them and loaded their drivers, and SeaBIOS ran
        # the VGA ROM: about 7 s of a first boot under TCG, 2-3 s of a crash's round trip.
        argv = ["qemu-system-x86_64", *accel, "-machine", "pc", "-nodefaults",
                "-name", f"kdump-lab-{guest['name']}",
                "-m", str(guest["memory_mb"]), "-smp", str(guest["cpus"]),
                "-drive", f"file={guest['overlay']},if=virtio,format=qcow2,cache=unsafe"]
        if guest.get("data_disk"):
            # Right after the boot disk, so it is the guest's second virtio disk (vdb).
            argv += ["-drive", f"file={guest['data_disk']},if=virtio,format=raw,cache=unsafe"]
        argv += ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{guest['port']}-:22",
                 "-device", "virtio-net-pci,netdev=n0"]
        if guest.get("lan_mcast"):
            argv += ["-netdev", f"socket,id=lan,mcast={guest['lan_mcast']},localaddr=127.0.0.1",
                     "-device", f"virtio-net-pci,netdev=lan,mac={guest['lan_mac']}"]
        argv += ["-display", "none",
                 "-chardev", f"file,id=serial0,path={guest['serial_log']},append=on",
                 "-serial", "chardev:serial0",
                 "-monitor", f"unix:{guest['monitor']},server,nowait",
                 "-pidfile", guest["pid_file"], "-daemonize"]
        if guest.get("seed"):
            argv += ["-drive", f"file={guest['seed']},if=virtio,format=raw,media=cdrom,readonly=on"]
        return argv

    def pid(self, guest: dict) -> int | None:
        """The guest's QEMU pid, if that process is alive and really ours."""
        try:
            pid = int(Path(guest["pid_file"]).read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if guest["overlay"].encode() in cmdline else None

    def start(self, guest: dict) -> None:
        if self.pid(guest):
            raise LabError(f"{guest['name']} is already running")
        with open(guest["serial_log"], "ab") as serial:
            serial.write(f"\n==== [vmlab] QEMU start {time.strftime('%F %T')} ====\n".encode())
            guest["serial_offset"] = serial.tell()
        run(self.qemu_argv(guest), timeout=60, capture_output=True)
        guest["started_at"] = time.time()
        self.save()

    def wait_exit(self, guest: dict, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid(guest) is None:
                return True
            time.sleep(0.5)
        return self.pid(guest) is None

    def monitor(self, guest: dict, command: str) -> None:
        """Send one HMP command: wait for the prompt, send, wait for the next prompt."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(guest["monitor"])

            def read_prompt() -> None:
                received = b""
                while not received.rstrip().endswith(b"(qemu)"):
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    received += chunk

            read_prompt()
            sock.sendall(command.encode() + b"\n")
            with contextlib.suppress(OSError):
                read_prompt()

    def stop(self, guest: dict, *, graceful: float = 0.0) -> None:
        """Power the guest off (ACPI first when graceful > 0), then make sure QEMU is gone."""
        pid = self.pid(guest)
        if pid is None:
            return
        if graceful > 0:
            with contextlib.suppress(OSError):
                self.monitor(guest, "system_powerdown")
            if self.wait_exit(guest, graceful):
                return
            log(f"{guest['name']}: no ACPI power-off within {graceful:.0f} s, pulling the plug")
        with contextlib.suppress(OSError):
            self.monitor(guest, "quit")
        if self.wait_exit(guest, 15):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not self.wait_exit(guest, 15):
            raise LabError(f"{guest['name']}: QEMU pid {pid} survived SIGKILL")

    @staticmethod
    def stalled(guest: dict) -> bool:
        """Whether the guest's kernel reported an RCU stall since its QEMU started."""
        with contextlib.suppress(OSError), open(guest["serial_log"], "rb") as serial:
            serial.seek(guest.get("serial_offset", 0))
            text = serial.read().decode(errors="replace")
            return any(marker in text for marker in STALL_MARKERS)
        return False

    def wait_ssh(self, guest: dict, timeout: float = BOOT_TIMEOUT, *, stop_on_stall: bool = False) -> float:
        """Poll until 'true' runs over SSH; return the seconds it took. With stop_on_stall,
        give up (LabError) as soon as the serial console shows the kernel stalled."""
        started = time.monotonic()
        deadline = started + timeout
        argv = ["ssh", *SSH_OPTIONS, "-o", "ConnectTimeout=5", "-i", guest["key"],
                "-p", str(guest["port"]), f"{guest['user']}@127.0.0.1", "true"]
        while time.monotonic() < deadline:
            if self.pid(guest) is None:
                raise LabError(f"{guest['name']}: QEMU exited while booting; "
                               f"serial log: {guest['serial_log']}\n{self.serial_tail(guest)}")
            with contextlib.suppress(subprocess.TimeoutExpired):
                if subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=20, check=False).returncode == 0:
                    return time.monotonic() - started
            if stop_on_stall and self.stalled(guest):
                raise LabError(f"{guest['name']}: the kernel stalled while booting; serial log: "
                               f"{guest['serial_log']}\n{self.serial_tail(guest, 8)}")
            time.sleep(1)
        raise LabError(f"{guest['name']}: no SSH within {timeout:.0f} s; serial log: "
                       f"{guest['serial_log']}\n{self.serial_tail(guest)}")

    def ssh(self, guest: dict, command: list[str], timeout: float = 120) -> str:
        """Run one command in the guest (argument list; quoted for the remote shell)."""
        remote = " ".join(shlex.quote(arg) for arg in command)
        argv = ["ssh", *SSH_OPTIONS, "-o", "ConnectTimeout=10", "-i", guest["key"],
                "-p", str(guest["port"]), f"{guest['user']}@127.0.0.1", remote]
        return run(argv, timeout=timeout, capture_output=True, text=True,
                   stdin=subprocess.DEVNULL).stdout

    @staticmethod
    def serial_tail(guest: dict, lines: int = 25) -> str:
        with contextlib.suppress(OSError):
            text = Path(guest["serial_log"]).read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    def configure_lan(self, guest: dict) -> None:
        """Give the guest its LAN address, persistently (see LAN_SETUP_SCRIPT)."""
        sudo = [] if guest["user"] == "root" else ["sudo", "-n"]
        address = f"{guest['lan_address']}/{LAN_PREFIX_LENGTH}"
        self.ssh(guest, [*sudo, "sh", "-c", LAN_SETUP_SCRIPT, "lan-setup", guest["lan_mac"],
                         address], timeout=90)

    def lan_reaches(self, source: dict, target: dict, *, attempts: int = 5) -> bool:
        """Whether source opens a TCP connection to target's sshd over the guest LAN."""
        probe = ["timeout", "5", "bash", "-c", 'exec 3<>"/dev/tcp/$1/22"', "lan-check",
                 target["lan_address"]]
        for _attempt in range(attempts):
            with contextlib.suppress(LabError):
                self.ssh(source, probe, timeout=30)
                return True
            time.sleep(1)
        return False

    def setup_lan(self) -> None:
        """Address every guest on the LAN, then check that each reaches the next one.

        On a cloud image this is best effort: a failure is logged, not raised."""
        broken = []
        for guest in self.guests:
            try:
                self.configure_lan(guest)
            except LabError as exc:
                broken.append(f"{guest['name']}: LAN address not set: {exc}")
        if not broken and len(self.guests) > 1:
            for source, target in zip(self.guests, self.guests[1:] + self.guests[:1]):
                if not self.lan_reaches(source, target):
                    broken.append(f"{source['name']} cannot reach {target['name']}'s sshd at "
                                  f"{target['lan_address']}:22 over the guest LAN "
                                  f"(multicast {source['lan_mcast']} on 127.0.0.1)")
        if not broken:
            addresses = ", ".join(f"{g['name']} {g['lan_address']}" for g in self.guests)
            log(f"guest LAN up: {addresses}")
        elif any(guest.get("suite") == "cloud" for guest in self.guests):
            log("guest LAN (best effort on a cloud image): " + "; ".join(broken))
        else:
            raise LabError("; ".join(broken))

    def up(self, specs: list[dict], accel: str, *, memory_mb: int | list[int], cpus: int,
           data_disk: str | None = None) -> None:
        """Boot SPECS. MEMORY_MB is one size for every client guest, or a list the
        client guests take in turn (two RAM sizes, two classes of host)."""
        client_memory = itertools.cycle(memory_mb if isinstance(memory_mb, list) else [memory_mb])
        for spec in specs:
            spec = dict(spec)
            # A dump server only receives dumps: less memory, no data disk.
            server = spec.get("group") == SERVER_GROUP
            guest = self.add(accel=accel, memory_mb=SERVER_MEMORY_MB if server else next(client_memory),
                             cpus=cpus, data_disk=None if server else data_disk, **spec)
            self.start(guest)
            log(f"{guest['name']}: QEMU started ({accel}), ssh on 127.0.0.1:{guest['port']}")
        for guest in self.guests:
            seconds = self.boot_fresh(guest)
            log(f"{guest['name']}: ssh up after {seconds:.0f} s")
        self.setup_lan()

    def boot_fresh(self, guest: dict) -> float:
        """Wait for SSH on a guest booting its new overlay. A first boot that stalls in the
        emulated kernel (STALL_MARKERS) or never answers is not what any test is about:
        QEMU is stopped and the guest boots once more. Returns the seconds of the boot
        that answered."""
        try:
            return self.wait_ssh(guest, stop_on_stall=True)
        except LabError as exc:
            # QEMU itself gone is not a boot that hung.
            if self.pid(guest) is None:
                raise
            log(f"{str(exc).splitlines()[0]}; starting it once more")
        self.stop(guest)
        self.start(guest)
        return self.wait_ssh(guest)

    def kill(self, guest: dict) -> bool:
        """Pull the plug: QEMU quits at once, the guest is not told (no ACPI).

        What the guest had not yet written to its disks is lost, as on a power cut. The
        monitor's quit closes the disk images cleanly; SIGKILL comes only if QEMU hangs.
        Returns False when QEMU was not running."""
        if self.pid(guest) is None:
            return False
        self.stop(guest)
        return True

    def power_cycle(self, guest: dict) -> float:
        """Power-off after a sync, then a fresh QEMU start on the same disk. Returns
        seconds until SSH answers again.

        The guest's own shutdown sequence is not what any test is about and takes a
        minute or more under TCG: the guest writes its page cache to the virtual
        disk (``sync``) and QEMU quits from its monitor, which flushes and closes the
        disk image - the file systems are then as after a power loss with nothing
        unwritten, and ext4's journal makes them whole at the next mount. A guest
        that does not answer for the sync gets an ACPI power-off first."""
        started = time.monotonic()
        try:
            self.ssh(guest, ["sync"], timeout=60)
            self.stop(guest)
        except LabError:
            self.stop(guest, graceful=120)
        self.start(guest)
        self.wait_ssh(guest)
        return time.monotonic() - started

    def down(self, keep_logs: Path | None = None) -> None:
        failures = []
        for guest in self.guests:
            try:
                self.stop(guest)
            except LabError as exc:
                failures.append(str(exc))
        if keep_logs is not None:
            keep_logs.mkdir(parents=True, exist_ok=True)
            for guest in self.guests:
                with contextlib.suppress(OSError):
                    shutil.copy2(guest["serial_log"], keep_logs / Path(guest["serial_log"]).name)
            log(f"serial console logs kept in {keep_logs}")
        for guest in self.guests:
            for key in ("overlay", "data_disk", "seed", "monitor", "pid_file"):
                if guest.get(key):
                    Path(guest[key]).unlink(missing_ok=True)
        if failures:
            raise LabError("; ".join(failures))
        self.guests = []
        self.save()


def memory_sizes(value: str) -> list[int]:
    """'2048' or '1536,3072': the guests' memory sizes in MiB."""
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 512:
        raise argparse.ArgumentTypeError(f"memory: MiB (at least 512) or a comma list of them, got {value!r}")
    return sizes


def fleet_specs(count: int, suites: list[str], cloud_image: str | None, servers: int = 0) -> list[dict]:
    """What to boot: COUNT guests per suite, or COUNT guests of a user's cloud image; then
    SERVERS dump-server guests (group kdump_lab_servers) of the first suite's image."""
    specs = _client_specs(count, suites, cloud_image)
    for i in range(1, servers + 1):
        first = specs[0]
        specs.append({"name": f"server{i}", "base": first["base"], "key": first["key"], "label": first["label"],
                      "suite": first["suite"], "cloud": first["cloud"], "group": SERVER_GROUP})
    return specs


def _client_specs(count: int, suites: list[str], cloud_image: str | None) -> list[dict]:
    if cloud_image:
        base = Path(cloud_image).expanduser()
        if not base.is_file():
            raise LabError(f"KDUMP_TEST_IMAGE={cloud_image}: no such file")
        key_dir = cache_root() / "cloud-key"
        key = key_dir / "id_ed25519"
        if not key.is_file():
            key_dir.mkdir(parents=True, exist_ok=True)
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kdump-lab",
                 "-f", str(key)], timeout=60)
        return [{"name": f"cloud{i}", "base": base, "key": key, "label": base.name,
                 "suite": "cloud", "cloud": True} for i in range(1, count + 1)]
    specs = []
    for suite in suites:
        image = Image(suite)
        image.build()
        specs += [{"name": f"{suite}{i}", "base": image.disk, "key": image.key,
                   "label": f"debian-{suite}", "suite": suite, "cloud": False}
                  for i in range(1, count + 1)]
    return specs


# --------------------------------------------------------------------------- CLI


def _state_dir(value: str | None) -> Path:
    if value:
        return Path(value)
    env = os.environ.get("KDUMP_LAB_STATE_DIR")
    if env:
        return Path(env)
    return cache_root() / "fleets" / "molecule"


def _suites(value: str | None) -> list[str]:
    raw = value or os.environ.get("KDUMP_LAB_SUITES") or "bookworm"
    return [s.strip() for s in raw.split(",") if s.strip()]


def cmd_build_image(args: argparse.Namespace) -> int:
    for suite in _suites(args.suite):
        image = Image(suite)
        image.build(force=args.force)
        print(image.disk)
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    ensure_host_packages(["qemu-system-x86_64", "qemu-img", "ssh"])
    fleet = Fleet(_state_dir(args.state))
    if any(fleet.pid(g) for g in fleet.guests):
        raise LabError(f"a fleet is already running in {fleet.state_dir}; run 'fleet down' first")
    fleet.guests = []
    cloud_image = args.image or os.environ.get("KDUMP_TEST_IMAGE") or None
    data_disk = data_disk_size(args.data_disk)
    specs = fleet_specs(args.count, _suites(args.suites), cloud_image, servers=args.servers)
    accel = choose_accel(Path(specs[0]["base"])) if not cloud_image else \
        (os.environ.get("KDUMP_LAB_ACCEL") or "tcg")
    try:
        fleet.up(specs, accel, memory_mb=args.memory, cpus=args.cpus, data_disk=data_disk)
    except BaseException:
        fleet.down(keep_logs=fleet.state_dir / "failed-logs")
        raise
    print(fleet.state_dir / "inventory.yml")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    fleet = Fleet(_state_dir(args.state))
    fleet.down(keep_logs=Path(args.keep_logs) if args.keep_logs else None)
    return 0


def cmd_power_cycle(args: argparse.Namespace) -> int:
    fleet = Fleet(_state_dir(args.state))
    seconds = fleet.power_cycle(fleet.guest(args.name))
    log(f"{args.name}: power-cycled, ssh back after {seconds:.0f} s")
    return 0


def cmd_kill(args: argparse.Namespace) -> int:
    fleet = Fleet(_state_dir(args.state))
    guest = fleet.guest(args.name)
    if args.after_crash is not None:
        wait_for_crash(guest, args.after_crash)
    if fleet.kill(guest):
        log(f"{args.name}: killed (QEMU quit, no ACPI)")
    else:
        log(f"{args.name}: was not running")
    return 0


def cmd_nmi(args: argparse.Namespace) -> int:
    """Inject an NMI (QEMU monitor ``nmi``); with kernel.unknown_nmi_panic=1 the guest panics."""
    fleet = Fleet(_state_dir(args.state))
    guest = fleet.guest(args.name)
    if fleet.pid(guest) is None:
        raise LabError(f"{args.name} is not running")
    fleet.monitor(guest, "nmi")
    log(f"{args.name}: NMI injected")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    fleet = Fleet(_state_dir(args.state))
    guest = fleet.guest(args.name)
    if fleet.pid(guest):
        raise LabError(f"{args.name} is already running; 'fleet power-cycle' restarts it")
    fleet.start(guest)
    if args.no_wait:
        log(f"{args.name}: QEMU started, ssh on 127.0.0.1:{guest['port']}")
        return 0
    seconds = fleet.wait_ssh(guest, timeout=args.timeout)
    log(f"{args.name}: started, ssh up after {seconds:.0f} s")
    return 0


def cmd_wait_ssh(args: argparse.Namespace) -> int:
    fleet = Fleet(_state_dir(args.state))
    guest = fleet.guest(args.name)
    if fleet.pid(guest) is None:
        # A guest powered off on purpose (or reset with -no-reboot) is started again.
        fleet.start(guest)
    seconds = fleet.wait_ssh(guest, timeout=args.timeout)
    log(f"{args.name}: ssh up after {seconds:.0f} s")
    return 0


def cmd_inventory(args: argparse.Namespace) -> int:
    fleet = Fleet(_state_dir(args.state))
    if args.host:
        print(json.dumps({}))
        return 0
    groups = fleet.inventory()["all"]["children"]
    listing: dict = {"_meta": {"hostvars": {}}}
    for group, members in groups.items():
        # In fleet order, so groups['kdump_lab'][0] is the first guest booted.
        listing[group] = {"hosts": list(members["hosts"])}
        listing["_meta"]["hostvars"].update(members["hosts"])
    print(json.dumps(listing, indent=2))
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    directory = Path(args.output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    print(make_seed_iso(directory, Path(args.public_key).read_text(), args.hostname))
    return 0


FAULT_LOG = "faults.jsonl"


def fault_table(records: list[dict]) -> str:
    """The fault suite's summary: one row per fault case, padded columns."""
    header = ("fault", "host", "expected", "observed", "recovered in", "result")
    rows = [(r["fault"], r.get("host", "-"), r["expected"], r["observed"],
             f"{float(r['recover_seconds']):.0f} s" if r.get("recover_seconds") is not None else "-",
             "pass" if r["expected"] == r["observed"] else "FAIL") for r in records]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in [header, tuple("-" * w for w in widths), *rows])


def cmd_fault_summary(args: argparse.Namespace) -> int:
    path = _state_dir(args.state) / FAULT_LOG
    if not path.exists():
        log(f"no fault cases recorded in {path}")
        return 0
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    print(fault_table(records))
    return 0 if all(r["expected"] == r["observed"] for r in records) else 1


def wait_for_crash(guest: dict, timeout: float) -> None:
    """Return once the guest's serial console shows a new sysrq crash (one that
    started after this call), or raise LabError after timeout seconds."""
    log_path = Path(guest["serial_log"])
    offset = log_path.stat().st_size if log_path.exists() else 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), open(log_path, "rb") as serial:
            serial.seek(offset)
            if b"sysrq: Trigger a crash" in serial.read():
                return
        time.sleep(0.5)
    raise LabError(f"{guest['name']}: no crash on the serial console within {timeout:.0f} s")


def cmd_host_packages(_args: argparse.Namespace) -> int:
    ensure_host_packages(sorted(HOST_PACKAGES))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build-image", help="build (or reuse) the cached guest image")
    build.add_argument("--suite", help="bookworm, trixie or a comma list (default bookworm)")
    build.add_argument("--force", action="store_true", help="rebuild even when cached")
    build.set_defaults(func=cmd_build_image)

    up = sub.add_parser("up", help="boot a fleet and wait for SSH")
    up.add_argument("--state", help="state directory (default $KDUMP_LAB_STATE_DIR)")
    up.add_argument("--count", type=int, default=int(os.environ.get("KDUMP_LAB_COUNT", "1")),
                    help="guests per suite (default $KDUMP_LAB_COUNT or 1)")
    up.add_argument("--suites", help="comma list (default $KDUMP_LAB_SUITES or bookworm)")
    up.add_argument("--servers", type=int, default=int(os.environ.get("KDUMP_LAB_SERVERS", "0")),
                    help="dump-server guests server1... in group kdump_lab_servers, after the others "
                         f"({SERVER_MEMORY_MB} MiB each; default $KDUMP_LAB_SERVERS or 0)")
    up.add_argument("--image", help="a cloud qcow2 to boot instead (default $KDUMP_TEST_IMAGE)")
    up.add_argument("--memory", type=memory_sizes, default=os.environ.get("KDUMP_LAB_MEMORY_MB", "2048"),
                    help="MiB per guest, or a comma list the guests take in turn, e.g. 1536,3072 "
                         "(default $KDUMP_LAB_MEMORY_MB or 2048)")
    up.add_argument("--cpus", type=int, default=int(os.environ.get("KDUMP_LAB_CPUS", "2")))
    up.add_argument("--data-disk", metavar="SIZE", default=os.environ.get("KDUMP_LAB_DATA_DISK"),
                    help="give every guest an empty data disk of this size, e.g. 64M "
                         f"({DATA_DISK_DEVICE} in the guest; default $KDUMP_LAB_DATA_DISK or none)")
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", help="stop every guest of the fleet and drop the overlays")
    down.add_argument("--state")
    down.add_argument("--keep-logs", help="copy the serial console logs here first")
    down.set_defaults(func=cmd_down)

    cycle = sub.add_parser("power-cycle", help="sync, power-off, fresh QEMU start, wait for SSH")
    cycle.add_argument("--state")
    cycle.add_argument("name")
    cycle.set_defaults(func=cmd_power_cycle)

    kill = sub.add_parser("kill", help="pull the plug: QEMU quits at once, no ACPI")
    kill.add_argument("--state")
    kill.add_argument("--after-crash", type=float, metavar="SECONDS",
                      help="first wait (up to SECONDS) for a new sysrq crash on the serial console")
    kill.add_argument("name")
    kill.set_defaults(func=cmd_kill)

    nmi = sub.add_parser("nmi", help="inject an NMI into the guest (QEMU monitor nmi)")
    nmi.add_argument("--state")
    nmi.add_argument("name")
    nmi.set_defaults(func=cmd_nmi)

    start = sub.add_parser("start", help="start a stopped guest on the same disks, wait for SSH")
    start.add_argument("--state")
    start.add_argument("--no-wait", action="store_true", help="return once QEMU runs")
    start.add_argument("--timeout", type=float, default=BOOT_TIMEOUT)
    start.add_argument("name")
    start.set_defaults(func=cmd_start)

    wait = sub.add_parser("wait-ssh", help="start the guest if QEMU is gone, wait for SSH")
    wait.add_argument("--state")
    wait.add_argument("--timeout", type=float, default=BOOT_TIMEOUT)
    wait.add_argument("name")
    wait.set_defaults(func=cmd_wait_ssh)

    inventory = sub.add_parser("inventory", help="Ansible dynamic inventory of the fleet")
    inventory.add_argument("--state")
    inventory.add_argument("--list", action="store_true")
    inventory.add_argument("--host")
    inventory.set_defaults(func=cmd_inventory)

    seed = sub.add_parser("seed", help="write a NoCloud seed ISO for a cloud image")
    seed.add_argument("--output-dir", required=True)
    seed.add_argument("--public-key", required=True)
    seed.add_argument("--hostname", default="cloud1")
    seed.set_defaults(func=cmd_seed)

    faults = sub.add_parser("fault-summary", help="print the fault suite's summary table")
    faults.add_argument("--state")
    faults.set_defaults(func=cmd_fault_summary)

    packages = sub.add_parser("host-packages", help="apt-get install what the lab needs (root)")
    packages.set_defaults(func=cmd_host_packages)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except LabError as exc:
        log(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
