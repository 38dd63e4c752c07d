# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Is one capture directory a complete crash dump?  The verdict and its reasons.

A capture is complete when all of these hold (any failure is a reason):

* a dump file exists under its final name (``capture_dirs.classify_files``);
* no incomplete marker is left (``vmcore-incomplete``, ``dump-incomplete*``,
  SUSE's ``README.txt`` still saying "likely incomplete");
* the dump's own bytes say complete (``vmcore_format.describe_dump``:
  known format, no incomplete bit, flattened trailer present, ELF not short);
* a ``kdumpctl test`` status file, where there is one, says ``success``.

The kernel log of the crashed kernel (``vmcore-dmesg.txt``, ``dmesg.<stamp>``)
gives the panic line (``panic_line``); a missing log is reported but does not
make the dump incomplete.  Files are only read, never changed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import (
    SUSE_INCOMPLETE_TEXT,
    classify_files,
    list_capture_dirs,
    parse_test_status,
    select_new,
    whole_file_compression,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.vmcore_format import inspect_dump_file

DMESG_TAIL_BYTES = 256 * 1024
_PANIC = re.compile(r'Kernel panic - not syncing: .*')
_TRIGGER = re.compile(r'sysrq: (?:SysRq : )?Trigger a crash.*')
_TIMESTAMP = re.compile(r'^\s*\[\s*\d+\.\d+\]\s*')


def panic_line(dmesg_text):
    """The first ``Kernel panic - not syncing: ...`` line of a kernel log, or None.

    The ``[ seconds]`` prefix is removed.  When the log has no panic line but
    shows the sysrq trigger (``sysrq: Trigger a crash``), that line is given.
    """
    trigger = None
    for line in (dmesg_text or '').splitlines():
        match = _PANIC.search(line)
        if match:
            return match.group(0).strip()
        if trigger is None:
            match = _TRIGGER.search(line)
            if match:
                trigger = match.group(0).strip()
    return trigger


def _read_tail_text(path, limit=DMESG_TAIL_BYTES):
    try:
        with open(path, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode('utf-8', 'replace')
    except (IOError, OSError):
        return None


def _dump_facts(path, name, reasons):
    compressed = whole_file_compression(name)
    if compressed:
        return {'format': '%s-compressed file' % compressed, 'inner_format': None, 'compression': compressed,
                'dump_level': None, 'kernel_release': None, 'header_version': None,
                'size': os.path.getsize(path), 'incomplete_reasons': []}
    try:
        return inspect_dump_file(path)
    except (IOError, OSError) as error:
        reasons.append('cannot read %s: %s' % (name, error))
        return {}


def inspect_capture(entry, listdir=os.listdir):
    """Verdict for one capture directory ``entry`` (from ``list_capture_dirs``).

    Returns the entry's fields plus ``dump_file``, ``format``,
    ``inner_format``, ``compression``, ``dump_level``, ``size``,
    ``kernel_release``, ``dmesg_file``, ``panic_line``, ``test_status``,
    ``incomplete_markers`` (names of the marker files left), ``complete`` and
    ``reason`` (None when complete; all reasons joined by ``'; '`` otherwise).
    """
    directory = entry['path']
    try:
        names = listdir(directory)
    except OSError as error:
        names = []
        unreadable = 'cannot list %s: %s' % (directory, error)
    else:
        unreadable = None
    roles = classify_files(names)
    reasons = [unreadable] if unreadable else []
    verdict = dict(entry)
    verdict.update(dump_file=None, format=None, inner_format=None, compression=None, dump_level=None, size=None,
                   kernel_release=None, dmesg_file=None, panic_line=None, test_status=None,
                   incomplete_markers=list(roles['incomplete_markers']))
    for marker in roles['incomplete_markers']:
        reasons.append('%s is present (the capture did not finish writing the dump)' % marker)
    if roles['dump'] is None:
        if not roles['incomplete_markers'] and not unreadable:
            reasons.append('no dump file (vmcore, vmcore.flat, dump.<stamp>) in the directory')
    else:
        dump_path = os.path.join(directory, roles['dump'])
        verdict['dump_file'] = dump_path
        facts = _dump_facts(dump_path, roles['dump'], reasons)
        for key in ('format', 'inner_format', 'compression', 'dump_level', 'size', 'kernel_release'):
            verdict[key] = facts.get(key)
        reasons.extend(facts.get('incomplete_reasons', []))
    if roles['readme']:
        readme = _read_tail_text(os.path.join(directory, roles['readme'])) or ''
        if SUSE_INCOMPLETE_TEXT in readme:
            reasons.append('README.txt still says the dump is likely incomplete')
    if roles['test_status']:
        state, _test_id = parse_test_status(_read_tail_text(os.path.join(directory, roles['test_status'])))
        verdict['test_status'] = state
        if state != 'success':
            reasons.append('%s says %r, not success' % (roles['test_status'], state))
    dmesg_name = roles['dmesg'] or roles['dmesg_incomplete']
    if dmesg_name:
        verdict['dmesg_file'] = os.path.join(directory, dmesg_name)
        verdict['panic_line'] = panic_line(_read_tail_text(verdict['dmesg_file']))
    verdict['complete'] = not reasons
    verdict['reason'] = '; '.join(reasons) if reasons else None
    return verdict


def summarize(verdicts):
    """``count``, ``complete_count``, ``newest`` (name) and ``newest_complete`` (bool) of a list of verdicts."""
    newest = verdicts[-1] if verdicts else None
    return {
        'count': len(verdicts),
        'complete_count': len([verdict for verdict in verdicts if verdict['complete']]),
        'newest': newest['name'] if newest else None,
        'newest_complete': newest['complete'] if newest else None,
    }


def new_dump_verdicts(dump_path, since_epoch=None, known_names=None, client=None):
    """Verdicts (``inspect_capture``) of the capture directories below ``dump_path`` written since a
    test began - after ``since_epoch`` and/or not in ``known_names`` (``select_new``) - oldest first."""
    return [inspect_capture(entry)
            for entry in select_new(list_capture_dirs(dump_path, client=client), since_epoch, known_names)]
