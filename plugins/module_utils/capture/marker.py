# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The record a test crash leaves before it happens, and how to read it later.

``crashdump.kdump.kdump_crash`` writes the marker (JSON, mode 0600) to
``MARKER_PATH`` before it schedules the crash and returns the same dict::

    {"version": 2, "boot_id": "<uuid of the boot that is about to crash>",
     "triggered_at": <epoch seconds>, "trigger_delay": <seconds>,
     "method": "sysrq" | "kdumpctl_test", "dump_path": "/var/crash",
     "capture_dirs": ["<names of the capture directories that already existed>"],
     "covered": {<the host state the test covers, see capture_proof.covered_state>}}

Version 1 markers (written before ``covered`` existed) have no ``covered``
key; they stay readable everywhere, ``marker_covered`` returns None for them.

Its state relative to the running boot (``marker_state``):

* ``none`` (``MARKER_NONE``) - no marker: no test was started on this host;
* ``pending`` (``MARKER_PENDING``) - the marker's boot id is the current one:
  the crash has not happened yet (or the trigger failed), so another test
  must not start;
* ``completed`` (``MARKER_COMPLETED``) - another boot id: the host went down
  and came back, and ``crashdump.kdump.vmcore_info`` with ``since: <marker>``
  looks for the capture directories that are not in ``capture_dirs``.

Readers that cannot read the marker report ``unreadable``
(``MARKER_UNREADABLE``).  The marker is never deleted by the collection; a
new test overwrites it.

``write_state_file`` writes the collection's state files (this marker and
the capture proof) under ``STATE_DIR``: atomically, directory 0700, file 0600.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

STATE_DIR = '/var/lib/crashdump-kdump'
MARKER_PATH = os.path.join(STATE_DIR, 'crash-marker.json')
BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id'
MARKER_VERSION = 2
_REQUIRED_KEYS = ('boot_id', 'triggered_at', 'capture_dirs')

MARKER_NONE = 'none'
MARKER_PENDING = 'pending'
MARKER_COMPLETED = 'completed'
MARKER_UNREADABLE = 'unreadable'
MARKER_STATES = (MARKER_NONE, MARKER_PENDING, MARKER_COMPLETED, MARKER_UNREADABLE)


class MarkerError(Exception):
    """A marker is unreadable or malformed; the message says which and why."""


def read_boot_id(path=BOOT_ID_PATH):
    """The running boot's id (a UUID string)."""
    with open(path) as handle:
        return handle.read().strip()


def build_marker(boot_id, triggered_at, trigger_delay, method, dump_path, capture_dir_names, covered=None):
    """The marker dict; ``covered`` is the host state the test covers (``capture_proof.covered_state``)."""
    return {'version': MARKER_VERSION, 'boot_id': boot_id, 'triggered_at': triggered_at,
            'trigger_delay': trigger_delay, 'method': method, 'dump_path': dump_path,
            'capture_dirs': sorted(capture_dir_names), 'covered': covered}


def validate_marker(marker, where='marker'):
    """Raise ``MarkerError`` unless ``marker`` looks like ``build_marker``'s output; returns it.

    Version 1 markers, without ``covered``, are valid.
    """
    if not isinstance(marker, dict):
        raise MarkerError('%s is not a dict (got %s); pass the marker returned by crashdump.kdump.kdump_crash'
                          % (where, type(marker).__name__))
    missing = [key for key in _REQUIRED_KEYS if key not in marker]
    if missing:
        raise MarkerError('%s lacks %s; pass the marker returned by crashdump.kdump.kdump_crash'
                          % (where, ', '.join(missing)))
    if not isinstance(marker['capture_dirs'], list):
        raise MarkerError('%s: capture_dirs is not a list' % where)
    try:
        float(marker['triggered_at'])
    except (TypeError, ValueError):
        raise MarkerError('%s: triggered_at %r is not epoch seconds' % (where, marker['triggered_at']))
    if marker.get('covered') is not None and not isinstance(marker['covered'], dict):
        raise MarkerError('%s: covered is not a dict' % where)
    return marker


def marker_covered(marker):
    """The host state the marker's test covers, or None (no marker, or a version 1 marker)."""
    return (marker or {}).get('covered') or None


def same_test(marker, other):
    """Whether two markers are of the same test crash (same boot id and trigger time)."""
    if not marker or not other:
        return False
    try:
        return marker['boot_id'] == other['boot_id'] and float(marker['triggered_at']) == float(other['triggered_at'])
    except (KeyError, TypeError, ValueError):
        return False


def marker_state(marker, boot_id):
    """``none``, ``pending`` or ``completed`` (see the module docstring)."""
    if not marker:
        return MARKER_NONE
    if marker.get('boot_id') == boot_id:
        return MARKER_PENDING
    return MARKER_COMPLETED


def read_marker(path=MARKER_PATH):
    """The stored marker, or None when there is none; raises ``MarkerError`` when unreadable."""
    try:
        with open(path) as handle:
            text = handle.read()
    except (IOError, OSError) as error:
        if not os.path.exists(path):
            return None
        raise MarkerError('cannot read %s: %s' % (path, error))
    try:
        marker = json.loads(text)
    except ValueError as error:
        raise MarkerError('%s is not JSON (%s); remove it if no test crash is under way' % (path, error))
    return validate_marker(marker, path)


def write_state_file(text, path):
    """Make ``path`` contain ``text`` atomically (temporary file + rename), directory 0700, file 0600.

    The directory is created when missing; the file is synced before the
    rename, so it survives a crash that follows at once.
    """
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    handle, temp_path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, 'w') as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_path, 0o600)
        os.rename(temp_path, path)
    except (IOError, OSError):
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise


def write_marker(marker, path=MARKER_PATH):
    """Write the marker atomically, directory 0700, file 0600 (see ``write_state_file``)."""
    write_state_file(json.dumps(marker, sort_keys=True) + '\n', path)
