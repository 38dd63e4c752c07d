# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Is kdump operational, and what do its tools say about it.

The truth is the kernel's: ``/sys/kernel/kexec_crash_loaded`` is ``1`` when
a crash kernel is loaded (newer kernels also ``/sys/kernel/kexec/crash_loaded``).
``systemctl is-active`` only reflects the last run of a oneshot unit and is
never used to decide "operational".  Reads are retried on EBUSY, as for
``kexec_crash_size``.

The parsers take the text the tools print:

* ``kdumpctl status``: ``kdump: Kdump is operational`` (rc 0) or
  ``kdump: Kdump is not operational`` (rc 3), then on kdump-utils >= 1.0.45
  the vmcore creation test line (``Notice: Last successful vmcore creation
  test on <date>``, ``Last NOT successful ...``, ``Require manual check ...``,
  ``No vmcore creation test performed!``), warnings possibly prefixed
  ``WARNING:``.
* ``kdump-config status``: ``current state   : ready to kdump`` /
  ``Not ready to kdump`` (always rc 0); ``kdump-config show``: ``KEY:<tabs>value``
  lines and ``current state:    ready to kdump``.
* ``systemctl show -p LoadState,UnitFileState,ActiveState``: ``Key=value`` lines.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import parse_test_status
from ansible_collections.crashdump.kdump.plugins.module_utils.common.kernel_runtime import (
    EBUSY_ATTEMPTS,
    EBUSY_DELAY,
    read_sysfs_text,
)

VMCORE_CREATION_STATUS = '/var/lib/kdump/vmcore-creation.status'
CRASH_LOADED_PATHS = ('/sys/kernel/kexec_crash_loaded', '/sys/kernel/kexec/crash_loaded')

_TEST_LINES = (
    (re.compile(r'Last successful vmcore creation test on (?P<date>.+)$'), 'success'),
    (re.compile(r'Last NOT successful vmcore creation test on (?P<date>.+)$'), 'fail'),
    (re.compile(r'Require manual check for vmcore creation test of (?P<date>.+)$'), 'manual'),
    (re.compile(r'No vmcore creation test performed!'), 'none'),
)
_KDUMP_CONFIG_STATE = re.compile(r'^current state\s*:\s*(?P<state>ready|Not ready) to (?P<mode>kdump|fadump)',
                                 re.MULTILINE)


def read_crash_loaded(opener=open, sleep=time.sleep, attempts=EBUSY_ATTEMPTS, delay=EBUSY_DELAY):
    """``(loaded, reason)``: True/False from the kernel, or ``(None, reason)`` when it cannot tell.

    ``None`` with "no kexec/crash dump support" means the kernel has no such
    file at all.
    """
    text, path, reason = read_sysfs_text(
        CRASH_LOADED_PATHS,
        'the kernel has no %s: it was built without kexec/crash dump support' % CRASH_LOADED_PATHS[0],
        opener=opener, sleep=sleep, attempts=attempts, delay=delay)
    if text is None:
        return None, reason
    if text in ('0', '1'):
        return text == '1', None
    return None, '%s holds %r, not 0 or 1' % (path, text)


def tool_lines(*texts):
    """Non-empty lines of a command's output streams, in order, right-stripped."""
    lines = []
    for text in texts:
        for line in (text or '').splitlines():
            if line.strip():
                lines.append(line.rstrip())
    return lines


def _without_prefixes(line):
    line = line.strip()
    if line.startswith('kdump: '):
        line = line[len('kdump: '):]
    if line.startswith('WARNING: '):
        line = line[len('WARNING: '):]
    return line


def parse_last_test(text):
    """kdumpctl's vmcore creation test status: dict ``state`` (success|fail|manual|none), ``date``, ``line``.

    None when the output has no such line (kdumpctl older than 1.0.45, or
    the notification is switched off).
    """
    for line in tool_lines(text):
        bare = _without_prefixes(line)
        for pattern, state in _TEST_LINES:
            match = pattern.search(bare)
            if match:
                date = match.groupdict().get('date')
                return {'state': state, 'date': date.strip() if date else None, 'line': bare}
    return None


def parse_kdumpctl_status(rc, stdout, stderr):
    """``kdumpctl status`` to ``{'operational': bool|None, 'last_test': dict|None, 'messages': [...]}``.

    ``operational`` follows rc 0 / 3 and the message; None for any other rc
    (for example a missing kdump.conf, rc 1).
    """
    text = '\n'.join([stdout or '', stderr or ''])
    operational = None
    if rc == 0 and 'Kdump is operational' in text:
        operational = True
    elif rc == 3 or 'Kdump is not operational' in text:
        operational = False
    return {'operational': operational, 'last_test': parse_last_test(text),
            'messages': tool_lines(stdout, stderr)}


def parse_kdump_config_status(stdout):
    """``kdump-config status`` to True (ready), False (not ready) or None (no state line: a check failed)."""
    match = _KDUMP_CONFIG_STATE.search(stdout or '')
    if not match:
        return None
    return match.group('state') == 'ready'


def parse_kdump_config_show(stdout):
    """``kdump-config show`` to a dict of its ``KEY: value`` lines plus ``ready`` (bool or None)."""
    values = {}
    for line in (stdout or '').splitlines():
        match = re.match(r'^([A-Z][A-Z_]*):\s*(.*)$', line)
        if match:
            values[match.group(1)] = match.group(2).strip()
        elif line.startswith('crashkernel addr:'):
            values['crashkernel_addr'] = line.split(':', 1)[1].strip()
    values['ready'] = parse_kdump_config_status(stdout)
    return values


def parse_systemctl_show(stdout):
    """``systemctl show -p ...`` output to a dict."""
    values = {}
    for line in (stdout or '').splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            values[key.strip()] = value.strip()
    return values


def unit_state(show_values):
    """``masked``, ``missing``, ``enabled`` (bool) and ``active`` (bool) from ``parse_systemctl_show``."""
    load_state = show_values.get('LoadState', '')
    unit_file_state = show_values.get('UnitFileState', '')
    return {
        'masked': load_state == 'masked' or unit_file_state.startswith('masked'),
        'missing': load_state == 'not-found',
        'enabled': unit_file_state in ('enabled', 'enabled-runtime'),
        'active': show_values.get('ActiveState') == 'active',
        'unit_file_state': unit_file_state or None,
    }


def resolve_last_test(status_text, capture_status_text=None):
    """The last ``kdumpctl test`` from kdump-utils' own files, read-only.

    ``status_text`` is ``/var/lib/kdump/vmcore-creation.status``
    (``<state> kdump_test_id=<epoch>-<ns>``); while it says ``pending``,
    ``capture_status_text`` (``<path>/kdump-test-<id>/vmcore-creation.status``)
    decides as kdumpctl does: ``success`` when it contains the word, else
    ``fail``; still ``pending`` when there is no such file yet.  Returns a
    dict ``state``, ``test_id``, ``date`` (UTC, ``YYYY-MM-DDTHH:MM:SS``) or None.
    """
    state, test_id = parse_test_status(status_text)
    if state is None:
        return None
    if state == 'pending' and capture_status_text is not None:
        state = 'success' if 'success' in capture_status_text else 'fail'
    date = None
    if test_id and test_id.split('-', 1)[0].isdigit():
        date = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(int(test_id.split('-', 1)[0])))
    return {'state': state, 'test_id': test_id, 'date': date}
