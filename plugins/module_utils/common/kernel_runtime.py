# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the running kernel says: its command line, its crash reservation, its RAM.

* ``/proc/cmdline`` - the arguments the running kernel was booted with.
* ``/sys/kernel/kexec_crash_size`` (newer kernels also
  ``/sys/kernel/kexec/crash_size``) - bytes of the main crash reservation.
  Reading it can fail with EBUSY while kexec holds its lock (users hit this
  when ``kdumpctl`` runs at the same time), so reads are retried a few times.
* RAM: the sum of the top-level ``System RAM`` ranges of ``/proc/iomem``, as
  kdump-utils computes it (``get_system_size``).  This is close to what the
  kernel itself counts when it picks a ``crashkernel=`` range, and the range
  resolver rounds it up to 128 MiB the way the kernel does.  ``/proc/iomem``
  shows zero addresses to readers without CAP_SYS_ADMIN; then ``MemTotal``
  from ``/proc/meminfo`` is used instead (a little lower, as it leaves out
  the memory the kernel keeps for itself and the crash reservation).

The ``parse_*`` functions take text and are what the unit tests feed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import re
import time

CMDLINE_PATH = '/proc/cmdline'
IOMEM_PATH = '/proc/iomem'
MEMINFO_PATH = '/proc/meminfo'
CRASH_SIZE_PATHS = ('/sys/kernel/kexec_crash_size', '/sys/kernel/kexec/crash_size')
EBUSY_ATTEMPTS = 10
EBUSY_DELAY = 0.5

_IOMEM_LINE = re.compile(r'^([0-9a-fA-F]+)-([0-9a-fA-F]+) : (.*)$')


class RuntimeReadError(Exception):
    """A kernel interface could not be read; the message says which and why."""


def parse_iomem_system_ram(text):
    """Bytes of top-level ``System RAM`` in ``/proc/iomem`` text; None when unknown.

    Nested lines (indented) are parts of a parent range and are not counted.
    All-zero addresses (an unprivileged reader) give None.
    """
    total = 0
    found = False
    for line in (text or '').splitlines():
        if line[:1].isspace():
            continue
        match = _IOMEM_LINE.match(line.strip())
        if not match or match.group(3).strip() != 'System RAM':
            continue
        start, end = int(match.group(1), 16), int(match.group(2), 16)
        if end <= start:
            continue
        total += end - start + 1
        found = True
    return total if found else None


def parse_meminfo_total(text):
    """``MemTotal`` of ``/proc/meminfo`` text in bytes; None when absent."""
    match = re.search(r'^MemTotal:\s+(\d+)\s*kB', text or '', re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


def system_ram(iomem_text, meminfo_text):
    """``(bytes, source)`` of this machine's RAM; ``(None, None)`` when both fail."""
    ram = parse_iomem_system_ram(iomem_text)
    if ram:
        return ram, '/proc/iomem System RAM'
    ram = parse_meminfo_total(meminfo_text)
    if ram:
        return ram, '/proc/meminfo MemTotal'
    return None, None


def _read(path, opener=open):
    try:
        with opener(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def read_cmdline(opener=open):
    """The running kernel's command line, or raises ``RuntimeReadError``."""
    text = _read(CMDLINE_PATH, opener)
    if text is None:
        raise RuntimeReadError('cannot read %s' % CMDLINE_PATH)
    return text.strip()


def read_system_ram(opener=open):
    return system_ram(_read(IOMEM_PATH, opener), _read(MEMINFO_PATH, opener))


def read_sysfs_text(paths, missing_reason, opener=open, sleep=time.sleep, attempts=EBUSY_ATTEMPTS, delay=EBUSY_DELAY):
    """``(text, path, None)`` from the first of ``paths`` that exists, or ``(None, None, reason)``.

    Reads are retried on EBUSY; a path that does not exist is skipped (newer
    kernels also offer the same value under another name).  ``missing_reason``
    is the reason given when none of the paths exists.
    """
    reason = missing_reason
    for path in paths:
        for attempt in range(attempts):
            try:
                with opener(path) as handle:
                    return handle.read().strip(), path, None
            except (IOError, OSError) as error:
                if error.errno == errno.EBUSY:
                    reason = '%s stayed busy (EBUSY) for %d attempts' % (path, attempts)
                    if attempt + 1 < attempts:
                        sleep(delay)
                    continue
                if error.errno == errno.ENOENT:
                    break
                return None, None, 'cannot read %s: %s' % (path, error.strerror or error)
    return None, None, reason


def read_crash_size(opener=open, sleep=time.sleep, attempts=EBUSY_ATTEMPTS, delay=EBUSY_DELAY):
    """Bytes reserved for the crash kernel, with retries on EBUSY.

    Returns ``(bytes, None)``, or ``(None, reason)`` when the kernel has no
    such file (no kexec support) or it stays busy/unreadable.
    """
    text, path, reason = read_sysfs_text(
        CRASH_SIZE_PATHS, 'the kernel has no %s (no kexec/kdump support)' % CRASH_SIZE_PATHS[0],
        opener=opener, sleep=sleep, attempts=attempts, delay=delay)
    if text is None:
        return None, reason
    try:
        return int(text), None
    except ValueError:
        return None, '%s holds %r, not a number of bytes' % (path, text)
