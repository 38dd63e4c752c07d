"""Find the crash dumps under a crash directory and check that they are whole.

Runs on the guest with its own python3 (3.6 or later, stdlib only), either copied
there (ansible.builtin.script) or passed as ``python3 -c <source>``. Prints one JSON
document:

    {"crash_dir": ..., "since": ..., "captures": [...], "complete_capture": {...} | null,
     "verdict": "captured" | "incomplete" | "no-capture"}

A capture is one dump directory (kdump-tools: ``<dir>/<YYYYMMDDHHMM>/dump.<stamp>`` and
``dmesg.<stamp>``; kexec-tools: ``<dir>/<ip>-<date>/vmcore`` and ``vmcore-dmesg.txt``).
Its dump is complete when its format says so:

* makedumpfile flattened (``makedumpfile`` signature, big-endian ``offset, size``
  records): the first record holds the kdump-compressed header (``KDUMP   ``) and the
  records end exactly at end of file with the ``-1, -1`` trailer;
* kdump-compressed (``KDUMP   `` at 0): the INCOMPLETE status bit (0x8) is clear;
* ELF core: the DUMP_ELF_INCOMPLETE bit of ``e_flags`` is clear.

A ``dump-incomplete``/``vmcore-incomplete`` file means the writer never finished.
"""

import argparse
import json
import os
import re
import struct
import sys

FLAT_SIGNATURE = b"makedumpfile"
FLAT_HEADER_SIZE = 4096
KDUMP_SIGNATURE = b"KDUMP   "
ELF_MAGIC = b"\x7fELF"
KDUMP_STATUS_INCOMPLETE = 0x8
ELF_FLAG_INCOMPLETE = 0x1
MAX_RECORD = 1 << 30
PANIC_PATTERNS = (
    re.compile(r"sysrq: Trigger a crash"),
    re.compile(r"Kernel panic - not syncing"),
)
DUMP_NAME = re.compile(r"^(dump\.\d+|vmcore|vmcore\.flat|vmcore\.\d+)(\.(bz2|gz|lz4|xz))?$")
INCOMPLETE_NAME = re.compile(r"^(dump|vmcore)-incomplete")
DMESG_NAME = re.compile(r"^(dmesg\.\d+|vmcore-dmesg\.txt)$")


def _kdump_header(header):
    """Fields of a kdump-compressed main header (LP64 little-endian layout)."""
    fields = {"header_version": None, "release": None, "status": None}
    if len(header) >= 428:
        fields["header_version"] = struct.unpack_from("<i", header, 8)[0]
        fields["release"] = header[142:207].split(b"\0", 1)[0].decode("ascii", "replace")
        fields["status"] = struct.unpack_from("<I", header, 424)[0]
    return fields


def check_flattened(handle, size):
    """Walk the records of a makedumpfile flattened stream."""
    problems = []
    handle.seek(0)
    head = handle.read(32)
    if len(head) < 32:
        return {"format": "flattened", "complete": False, "problems": ["shorter than its header"]}
    flat_type, flat_version = struct.unpack(">qq", head[16:32])
    if flat_type != 1:
        problems.append("flattened header type is {0}, expected 1".format(flat_type))
    position = FLAT_HEADER_SIZE
    records = 0
    ended = False
    first_record = b""
    while position + 16 <= size:
        handle.seek(position)
        offset, length = struct.unpack(">qq", handle.read(16))
        if offset == -1 and length == -1:
            ended = True
            position += 16
            break
        if offset < 0 or length < 0 or length > MAX_RECORD:
            problems.append("record {0} at byte {1} is corrupt (offset {2}, size {3})".format(
                records, position, offset, length))
            break
        if records == 0:
            first_record = handle.read(min(length, 512))
            if offset != 0:
                problems.append("first record is for offset {0}, expected 0".format(offset))
        records += 1
        position += 16 + length
    result = {"format": "flattened", "flat_version": flat_version, "records": records}
    result.update(_kdump_header(first_record))
    if not first_record.startswith(KDUMP_SIGNATURE):
        problems.append("first record is not a kdump-compressed header (no 'KDUMP   ')")
    if not ended:
        problems.append("no end-of-stream trailer (offset=-1, size=-1): the dump was cut short")
    elif position != size:
        problems.append("{0} bytes after the end-of-stream trailer".format(size - position))
    result["complete"] = not problems
    result["problems"] = problems
    return result


def check_kdump_compressed(handle, size):
    handle.seek(0)
    fields = _kdump_header(handle.read(464))
    problems = []
    if fields["status"] is None:
        problems.append("shorter than a kdump-compressed header")
    elif fields["status"] & KDUMP_STATUS_INCOMPLETE:
        problems.append("header status marks the dump INCOMPLETE")
    result = {"format": "kdump-compressed", "complete": not problems, "problems": problems}
    result.update(fields)
    return result


def check_elf(handle, size):
    handle.seek(0)
    header = handle.read(64)
    problems = []
    if len(header) < 52:
        problems.append("shorter than an ELF header")
        flags = 0
    else:
        little = header[5] == 1
        is64 = header[4] == 2
        flags = struct.unpack_from("<I" if little else ">I", header, 48 if is64 else 36)[0]
        if flags & ELF_FLAG_INCOMPLETE:
            problems.append("ELF e_flags marks the dump incomplete")
    return {"format": "elf", "complete": not problems, "problems": problems}


def check_dump(path, min_size):
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        magic = handle.read(16)
        if magic.startswith(FLAT_SIGNATURE):
            result = check_flattened(handle, size)
        elif magic.startswith(KDUMP_SIGNATURE):
            result = check_kdump_compressed(handle, size)
        elif magic.startswith(ELF_MAGIC):
            result = check_elf(handle, size)
        else:
            result = {"format": "unknown", "complete": False,
                      "problems": ["unknown signature {0!r}".format(magic[:12])]}
    if size < min_size:
        result["problems"].append("only {0} bytes, expected at least {1}".format(size, min_size))
        result["complete"] = False
    result["path"] = path
    result["size"] = size
    return result


def panic_line(path):
    with open(path, "r", errors="replace") as handle:
        for line in handle:
            for pattern in PANIC_PATTERNS:
                if pattern.search(line):
                    return line.strip()
    return None


def check_capture(directory, min_size):
    names = sorted(os.listdir(directory))
    paths = [os.path.join(directory, name) for name in names]
    newest = max([os.path.getmtime(p) for p in paths] + [os.path.getmtime(directory)])
    capture = {"directory": directory, "mtime": newest, "dump": None, "dmesg": None,
               "panic_line": None, "incomplete_files": [], "complete": False, "problems": []}
    for name, path in zip(names, paths):
        if INCOMPLETE_NAME.match(name):
            capture["incomplete_files"].append(path)
        elif DUMP_NAME.match(name) and capture["dump"] is None:
            capture["dump"] = check_dump(path, min_size)
        elif DMESG_NAME.match(name):
            capture["dmesg"] = path
            capture["panic_line"] = panic_line(path)
    if capture["incomplete_files"]:
        capture["problems"].append("the dump writer never finished: " + ", ".join(
            os.path.basename(p) for p in capture["incomplete_files"]))
    if capture["dump"] is None:
        capture["problems"].append("no dump file")
    else:
        capture["problems"] += capture["dump"]["problems"]
    if capture["dmesg"] is None:
        capture["problems"].append("no dmesg file")
    elif capture["panic_line"] is None:
        capture["problems"].append("the dmesg file shows no panic")
    capture["complete"] = not capture["problems"]
    return capture


def survey(crash_dir, since=None, min_size=1 << 20):
    captures = []
    if os.path.isdir(crash_dir):
        for name in sorted(os.listdir(crash_dir)):
            path = os.path.join(crash_dir, name)
            if os.path.isdir(path) and not os.path.islink(path):
                capture = check_capture(path, min_size)
                if since is None or capture["mtime"] >= since:
                    captures.append(capture)
    complete = [c for c in captures if c["complete"]]
    if complete:
        verdict = "captured"
    elif captures:
        verdict = "incomplete"
    else:
        verdict = "no-capture"
    return {"crash_dir": crash_dir, "since": since, "captures": captures,
            "complete_capture": max(complete, key=lambda c: c["mtime"]) if complete else None,
            "verdict": verdict}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crash_dir", nargs="?", default="/var/crash")
    parser.add_argument("--since", type=float, help="only captures written at or after this epoch time")
    parser.add_argument("--min-size", type=int, default=1 << 20)
    parser.add_argument("--expect", choices=("captured", "no-capture"),
                        help="exit 1 unless the verdict is this (no-capture also accepts incomplete)")
    args = parser.parse_args(argv)
    report = survey(args.crash_dir, args.since, args.min_size)
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    if args.expect == "captured" and report["verdict"] != "captured":
        return 1
    if args.expect == "no-capture" and report["verdict"] == "captured":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
