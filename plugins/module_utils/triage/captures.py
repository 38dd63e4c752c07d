# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""After the crash: what each capture in a dump directory says about the bug that crashed the kernel.

One record per capture directory (``capture_dirs.list_capture_dirs``): the
verdict of ``capture_verdict.inspect_capture`` (complete or not and why,
format, size, the kernel release from the dump header), the kernel log it
was read from and the crash signature of ``panic_signature``.

Where the kernel log comes from (``dmesg_source``):

* ``file`` - the log the capture saved next to the dump (RHEL
  ``vmcore-dmesg.txt`` or ``vmcore-dmesg-incomplete.txt``, kdump-tools
  ``dmesg.<stamp>``, SUSE ``dmesg``); only its last ``LOG_TAIL_BYTES`` are
  read;
* ``extracted`` - no log was saved, so ``makedumpfile --dump-dmesg <dump>
  <file>`` wrote it into a temporary directory from the dump itself.  This
  works for ELF and kdump-compressed dumps.  A flattened dump (RHEL ssh
  ``vmcore.flat``, Debian and SUSE dumps) must first be rearranged with
  ``makedumpfile -R <out> < <dump>``, which reads the dump from standard
  input and writes a second copy as large as the dump; a module cannot
  hand a file to a command's standard input without a shell, so flattened
  dumps are not extracted (``dmesg_reason`` says so).  Whole-file
  compressed dumps (``dump.<stamp>.gz``...) are not either;
* ``none`` - no log; ``dmesg_reason`` says why.

Nothing here changes a capture: dumps are read through their headers and
tail only (``vmcore_format``), logs through their tail.

``parse_triage_since`` turns the module's ``since`` into epoch seconds: an
epoch, a date (``capture_dirs.parse_since``) or a duration such as ``7d``
counted back from ``now`` - the clock of the machine that holds the dumps,
which is also the clock of the modification times it is compared with.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import time

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import parse_since
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.verdict import inspect_capture, panic_line
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import parse_ssh_location
from ansible_collections.crashdump.kdump.plugins.module_utils.triage.signature import LOG_TAIL_BYTES, panic_signature

TRIAGE_SINCE_FORMS = ('epoch seconds, a date YYYY-MM-DD[THH:MM[:SS]] in UTC or ending in Z or +HH:MM, or a '
                      'duration counted back from now on this host: a number with s, m, h, d or w (7d, 12h, 30m)')
_DURATION = re.compile(r'^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[smhdw])\s*$')
_DURATION_SECONDS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}
# Formats makedumpfile --dump-dmesg reads directly.
EXTRACTABLE_FORMATS = ('kdump', 'elf')
MAKEDUMPFILE_VERSION_MISMATCH = 2
_LINUX_VERSION = re.compile(r'\bLinux version (?P<release>\d+\.\d+[^\s()]*)')
_TAINT_LINE_RELEASE = re.compile(r'(?:\bNot tainted|\bTainted:[A-Z \t-]*?)\s+(?P<release>\d+\.\d+[^\s#()]*)')


def parse_duration(text):
    """Seconds of a duration such as ``7d``, ``12h``, ``30m``, ``90s``, ``2w``; None when ``text`` is no duration."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        return None
    return float(match.group('number')) * _DURATION_SECONDS[match.group('unit')]


def parse_triage_since(value, now):
    """Epoch seconds from ``since`` (None or ``''``: None, every capture); ``ValueError`` naming the forms.

    A duration is counted back from ``now``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    seconds = parse_duration(value)
    if seconds is not None:
        return now - seconds
    try:
        return parse_since(value)
    except ValueError:
        raise ValueError('since: %r is not a time; allowed: %s' % (value, TRIAGE_SINCE_FORMS))


def iso_utc(epoch):
    """``YYYY-MM-DDTHH:MM:SSZ`` of an epoch, or None."""
    if epoch is None:
        return None
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def target_server_host(target):
    """The host part of an ssh (``user@host``) or nfs (``server:/export``) dump target, else None."""
    if not isinstance(target, dict) or not target.get('location'):
        return None
    location = target['location']
    if target.get('type') == 'ssh':
        try:
            return parse_ssh_location(location)[1].strip('[]') or None
        except ValueError:
            return None
    if target.get('type') == 'nfs' and ':' in location:
        return location.rsplit(':', 1)[0].strip('[]') or None
    return None


def read_log_tail(path, limit=LOG_TAIL_BYTES):
    """The last ``limit`` bytes of a log file as text (undecodable bytes replaced); raises IOError/OSError."""
    with open(path, 'rb') as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - limit))
        return handle.read().decode('utf-8', 'replace')


def kernel_release_from_log(text):
    """The kernel release a log names - its ``Linux version`` line, else a ``Tainted:``/``Not tainted`` line."""
    for pattern in (_LINUX_VERSION, _TAINT_LINE_RELEASE):
        match = pattern.search(text or '')
        if match:
            return match.group('release')
    return None


def extraction_refusal(verdict):
    """Why ``makedumpfile --dump-dmesg`` cannot read the capture's dump, or None when it can."""
    if not verdict.get('dump_file'):
        return 'there is no dump file to read it from'
    dump_format = verdict.get('format')
    if dump_format in EXTRACTABLE_FORMATS:
        return None
    if dump_format == 'flattened':
        return ('%s is in makedumpfile\'s flattened format, which makedumpfile reads only from standard input '
                '(makedumpfile -R <out> < <dump>, a full copy of the dump); rearrange it and read the log with '
                'makedumpfile --dump-dmesg <out> <file>' % verdict['dump_file'])
    if dump_format and dump_format.endswith('-compressed file'):
        return '%s is compressed as a whole (%s); uncompress it to read the log' % (verdict['dump_file'], dump_format)
    return '%s is in a format makedumpfile cannot read the log from (%s)' % (verdict['dump_file'],
                                                                             dump_format or 'unknown')


def extract_dmesg(verdict, workdir, run_command, makedumpfile):
    """``(log text or None, reason or None)``: the kernel log ``makedumpfile --dump-dmesg`` reads from the dump.

    ``run_command(argv)`` returns ``(rc, stdout, stderr)`` (``AnsibleModule.run_command``);
    ``makedumpfile`` is its path, or None when it is not installed.  The log
    is written to ``workdir`` and removed after its tail was read.
    """
    refusal = extraction_refusal(verdict)
    if refusal:
        return None, refusal
    if not makedumpfile:
        return None, 'makedumpfile is not installed on this host, so the log cannot be read from the dump'
    output = os.path.join(workdir, 'dmesg-%s.txt' % verdict['name'].replace(os.sep, '_'))
    try:
        rc, _out, err = run_command([makedumpfile, '--dump-dmesg', verdict['dump_file'], output])
        # exit 2: the dump's kernel differs from the running one; makedumpfile still writes the log
        if rc not in (0, MAKEDUMPFILE_VERSION_MISMATCH) or not os.path.isfile(output) or not os.path.getsize(output):
            detail = (err or '').strip().splitlines()
            return None, 'makedumpfile --dump-dmesg %s failed (exit %s)%s' % (
                verdict['dump_file'], rc, ': %s' % detail[-1] if detail else '')
        return read_log_tail(output), None
    except (IOError, OSError) as error:
        return None, 'cannot read the log makedumpfile wrote from %s: %s' % (verdict['dump_file'], error)
    finally:
        if os.path.lexists(output):
            os.remove(output)


def _log_of(verdict, extract):
    """``(text, source, reason)`` of the capture's kernel log."""
    if verdict.get('dmesg_file'):
        try:
            return read_log_tail(verdict['dmesg_file']), 'file', None
        except (IOError, OSError) as error:
            return None, 'none', 'cannot read %s: %s' % (verdict['dmesg_file'], error)
    if extract is None:
        return None, 'none', 'the capture saved no kernel log, and extract_dmesg is off'
    text, reason = extract(verdict)
    if text is None:
        return None, 'none', 'the capture saved no kernel log, and %s' % reason
    return text, 'extracted', None


def triage_capture(entry, extract=None):
    """The triage record of one capture directory ``entry`` (from ``list_capture_dirs``).

    ``extract(verdict)`` returns ``(text, reason)`` for a capture without a
    log file (``extract_dmesg`` bound to a work directory), or is None to
    leave such captures without a log.  The record is the verdict of
    ``inspect_capture`` plus ``seen_at`` (``newest_mtime`` in UTC),
    ``kernel_release_source`` (``dump``, ``dmesg`` or None),
    ``dmesg_source`` (``file``, ``extracted``, ``none``), ``dmesg_reason``,
    ``signature`` (``panic_signature``, or None) and ``signature_reason``
    (why there is none - without a log, ``dmesg_reason`` - else None).
    """
    record = inspect_capture(entry)
    text, source, reason = _log_of(record, extract)
    record.update(seen_at=iso_utc(record.get('newest_mtime')), dmesg_source=source, dmesg_reason=reason,
                  kernel_release_source='dump' if record.get('kernel_release') else None)
    if text is not None and source == 'extracted':
        record['panic_line'] = panic_line(text)
    if not record['kernel_release'] and text:
        record['kernel_release'] = kernel_release_from_log(text)
        record['kernel_release_source'] = 'dmesg' if record['kernel_release'] else None
    if text is None:
        record.update(signature=None, signature_reason=reason)
        return record
    signature = panic_signature(text)
    where = 'extracted from the dump' if source == 'extracted' else record['dmesg_file']
    record['signature'] = signature
    record['signature_reason'] = None if signature else 'the kernel log (%s) shows no crash report' % where
    return record
