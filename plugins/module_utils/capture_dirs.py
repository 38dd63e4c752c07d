# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Capture directories under a dump path, in every layout kdump tools write.

One capture = one directory below the dump path (``path`` of kdump.conf,
``KDUMP_COREDIR`` of kdump-tools):

========================  =============================================  ===========
layout                    directory name                                 written by
========================  =============================================  ===========
``rhel``                  ``<ip>-YYYY-MM-DD-HH:MM:SS``                   kdumpctl capture (fs, nfs, ssh)
``rhel-test``             ``kdump-test-<epoch>-<ns>``                    ``kdumpctl test``
``rhel-saved``            ``YYYY-MM-DD-HH:MM``                           ``kdumpctl`` saving a raw target
``debian``                ``YYYYMMDDHHMM`` / ``<ip|host>-YYYYMMDDHHMM``  kdump-tools (local / nfs, ssh)
``suse``                  ``YYYY-MM-DD-HH-MM`` / ``<host>-YYYY-MM-DD-HH-MM``  SUSE kdump 2.x
========================  =============================================  ===========

Inside, files are classified by name (``classify_files``): the dump
(``vmcore``, ``vmcore.flat``, ``dump.<stamp>[.gz|.bz2|.xz|.lz4]``,
``vmcore.<stamp>``), the markers a capture leaves when it stops half-way
(``vmcore-incomplete``, ``dump-incomplete*``, SUSE's ``README.txt`` still
saying "likely incomplete"), the kernel log (``vmcore-dmesg.txt``,
``dmesg.<stamp>``, ``dmesg``) and the ``kdumpctl test`` status file
(``vmcore-creation.status``).  Nothing here deletes or changes a file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import os
import re
import time

_LAYOUTS = (
    ('rhel-test', re.compile(r'^kdump-test-(?P<epoch>\d{9,})(?:-\d+)?$'), None),
    ('rhel', re.compile(r'^(?P<host>.+)-(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2})$'), '%Y-%m-%d-%H:%M:%S'),
    ('rhel-saved', re.compile(r'^(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}:\d{2})$'), '%Y-%m-%d-%H:%M'),
    ('suse', re.compile(r'^(?:(?P<host>.+)-)?(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}-\d{2})$'), '%Y-%m-%d-%H-%M'),
    ('debian', re.compile(r'^(?:(?P<host>.+)-)?(?P<stamp>\d{12})$'), '%Y%m%d%H%M'),
)
_WHOLE_FILE_COMPRESSION = ('.gz', '.bz2', '.xz', '.lz4', '.zst')
_DEBIAN_DUMP = re.compile(r'^(?:dump|vmcore)\.\d{12}(?P<ext>\.[a-z0-9]+)?$')
_DEBIAN_DMESG = re.compile(r'^dmesg\.\d{12}$')
SUSE_INCOMPLETE_TEXT = 'likely incomplete'
TEST_STATUS_FILE = 'vmcore-creation.status'


def classify_dir_name(name):
    """``(layout, captured_at)`` for a capture directory name, or None.

    ``captured_at`` is ``YYYY-MM-DDTHH:MM:SS`` as the capture kernel's clock
    wrote it (its time zone is not recorded), or the UTC time of a
    ``kdump-test-<epoch>`` id; None when the name has no valid date.
    """
    for layout, pattern, date_format in _LAYOUTS:
        match = pattern.match(name)
        if not match:
            continue
        if layout == 'rhel-test':
            return layout, time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(int(match.group('epoch'))))
        try:
            parsed = time.strptime(match.group('stamp'), date_format)
        except ValueError:
            continue
        return layout, time.strftime('%Y-%m-%dT%H:%M:%S', parsed)
    return None


def classify_files(names):
    """Sort the file names of one capture directory by role.

    Returns a dict: ``dump`` (name or None; the completed dump),
    ``incomplete_markers`` (names), ``dmesg`` (name or None),
    ``dmesg_incomplete`` (name or None), ``test_status`` (name or None),
    ``readme`` (SUSE ``README.txt`` or None).
    """
    names = sorted(names)
    roles = {'dump': None, 'incomplete_markers': [], 'dmesg': None, 'dmesg_incomplete': None,
             'test_status': None, 'readme': None}
    dumps = []
    for name in names:
        if name in ('vmcore-incomplete', 'dump-incomplete') or name.startswith(('dump-incomplete.', 'vmcore-incomplete.')):
            roles['incomplete_markers'].append(name)
        elif name in ('vmcore', 'vmcore.flat') or _DEBIAN_DUMP.match(name):
            dumps.append(name)
        elif name == 'vmcore-dmesg.txt' or name == 'dmesg' or _DEBIAN_DMESG.match(name):
            roles['dmesg'] = roles['dmesg'] or name
        elif name == 'vmcore-dmesg-incomplete.txt':
            roles['dmesg_incomplete'] = name
        elif name == TEST_STATUS_FILE:
            roles['test_status'] = name
        elif name == 'README.txt':
            roles['readme'] = name
    # Prefer makedumpfile output over a raw copy, and the plain name over a flattened one.
    for preferred in ('vmcore', 'vmcore.flat'):
        if preferred in dumps:
            roles['dump'] = preferred
            break
    else:
        dumps.sort(key=lambda name: (not name.startswith('dump.'), name))
        roles['dump'] = dumps[0] if dumps else None
    return roles


def whole_file_compression(name):
    """``'gz'``/``'bz2'``/... when kdump-tools compressed the whole dump file (KDUMP_COMPRESSION)."""
    for extension in _WHOLE_FILE_COMPRESSION:
        if name.endswith(extension):
            return extension[1:]
    return None


def parse_test_status(text):
    """``(state, test_id)`` from a ``vmcore-creation.status`` text such as ``success kdump_test_id=1-2``."""
    fields = (text or '').split()
    if not fields:
        return None, None
    test_id = None
    for field in fields[1:]:
        if field.startswith('kdump_test_id='):
            test_id = field.split('=', 1)[1]
    return fields[0], test_id


def list_capture_dirs(dump_path, listdir=os.listdir, isdir=os.path.isdir, getmtime=os.path.getmtime):
    """Capture directories directly below ``dump_path``, oldest first.

    Each is a dict ``name``, ``path``, ``layout``, ``captured_at``, ``mtime``
    (epoch seconds of the directory).  Other entries are ignored.  A missing
    ``dump_path`` gives an empty list.
    """
    try:
        entries = listdir(dump_path)
    except OSError:
        return []
    found = []
    for name in entries:
        path = os.path.join(dump_path, name)
        classified = classify_dir_name(name)
        if classified is None or not isdir(path):
            continue
        try:
            mtime = getmtime(path)
        except OSError:
            continue
        found.append({'name': name, 'path': path, 'layout': classified[0], 'captured_at': classified[1],
                      'mtime': mtime})
    found.sort(key=lambda entry: (entry['mtime'], entry['name']))
    return found


def select_new(capture_dirs, since_epoch=None, known_names=None):
    """The capture directories newer than a point in time and/or not in ``known_names``.

    ``since_epoch`` compares with each directory's modification time (the
    file system's clock, unlike the name, which uses the capture kernel's
    clock and time zone).
    """
    selected = []
    known = set(known_names or ())
    for entry in capture_dirs:
        if entry['name'] in known:
            continue
        if since_epoch is not None and entry['mtime'] < since_epoch:
            continue
        selected.append(entry)
    return selected


_SINCE_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M', '%Y-%m-%d %H:%M', '%Y-%m-%d')


def parse_since(value):
    """Epoch seconds from a number or a UTC date ``YYYY-MM-DD[ HH:MM[:SS]]`` (``T`` or space, optional ``Z``).

    Raises ``ValueError`` naming the accepted forms.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    if text.endswith('Z'):
        text = text[:-1]
    for date_format in _SINCE_FORMATS:
        try:
            return float(calendar.timegm(time.strptime(text, date_format)))
        except ValueError:
            continue
    raise ValueError('since: %r is not a time; allowed: epoch seconds, a UTC date YYYY-MM-DD[THH:MM[:SS]], '
                     'or the marker returned by crashdump.kdump.kdump_crash' % (value,))
