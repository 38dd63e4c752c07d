# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Capture directories under a dump path, in every layout kdump tools write.

One capture = one directory below the dump path (``path`` of kdump.conf,
``KDUMP_COREDIR`` of kdump-tools):

========================  ==================================================  =================================
layout                    directory name                                      written by
========================  ==================================================  =================================
``rhel``                  ``<ip>-YYYY-MM-DD-HH:MM:SS``                        kdumpctl capture (fs, nfs, ssh)
``rhel-test``             ``kdump-test-<epoch>-<ns>``                         ``kdumpctl test``
``rhel-saved``            ``YYYY-MM-DD-HH:MM``                                ``kdumpctl`` saving a raw target
``debian``                ``YYYYMMDDHHMM`` / ``<ip|host>-YYYYMMDDHHMM``       kdump-tools (local / nfs, ssh)
``suse``                  ``YYYY-MM-DD-HH-MM`` / ``<host>-YYYY-MM-DD-HH-MM``  SUSE kdump 2.x (local / remote)
========================  ==================================================  =================================

The part before the stamp is the client tag (``client``): the address the
capture kernel sent from (RHEL: the first address of the route device to the
server, ``127.0.0.1`` for a local target; IPv6 addresses as they are), or the
Debian ``HOSTTAG`` (address or host name), or the SUSE host name.  The stamp is
matched from the right end of the name, so a tag may itself contain ``-`` and
digits (``web-1`` and ``web-10`` stay apart).  Layouts without a tag give
``client`` None.  On a dump server that receives from many hosts,
``list_capture_dirs(path, client=...)`` keeps only one client's captures.

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
import math
import os
import re
import time

_LAYOUTS = (
    ('rhel-test', re.compile(r'^kdump-test-(?P<epoch>\d{9,10})(?:-\d+)?$'), None),
    ('rhel', re.compile(r'^(?P<client>.+)-(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2})$'), '%Y-%m-%d-%H:%M:%S'),
    ('rhel-saved', re.compile(r'^(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}:\d{2})$'), '%Y-%m-%d-%H:%M'),
    ('suse', re.compile(r'^(?:(?P<client>.+)-)?(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}-\d{2})$'), '%Y-%m-%d-%H-%M'),
    ('debian', re.compile(r'^(?:(?P<client>.+)-)?(?P<stamp>\d{12})$'), '%Y%m%d%H%M'),
)
_WHOLE_FILE_COMPRESSION = ('.gz', '.bz2', '.xz', '.lz4', '.zst')
_DEBIAN_DUMP = re.compile(r'^(?:dump|vmcore)\.\d{12}(?P<ext>\.[a-z0-9]+)?$')
_DEBIAN_DMESG = re.compile(r'^dmesg\.\d{12}$')
SUSE_INCOMPLETE_TEXT = 'likely incomplete'
TEST_STATUS_FILE = 'vmcore-creation.status'
CLIENT_FORMS = ("the tag the client's capture directories start with - an IPv4 or IPv6 address as the client "
                "sends from (192.0.2.10, 2001:db8::10) or a host name (web-1) - without '/', brackets or "
                "whitespace and not starting with '-'")


def parse_dir_name(name):
    """``{'layout', 'captured_at', 'client'}`` for a capture directory name, or None.

    ``captured_at`` is ``YYYY-MM-DDTHH:MM:SS`` as the capture kernel's clock
    wrote it (its time zone is not recorded), or the UTC time of a
    ``kdump-test-<epoch>`` id.  ``client`` is the tag before the stamp
    (address or host name), None for the layouts without one.  A name whose
    stamp is no valid date is no capture directory (None).
    """
    for layout, pattern, date_format in _LAYOUTS:
        match = pattern.match(name)
        if not match:
            continue
        if layout == 'rhel-test':
            captured_at = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(int(match.group('epoch'))))
            return {'layout': layout, 'captured_at': captured_at, 'client': None}
        try:
            parsed = time.strptime(match.group('stamp'), date_format)
        except ValueError:
            continue
        client = match.groupdict().get('client')
        return {'layout': layout, 'captured_at': time.strftime('%Y-%m-%dT%H:%M:%S', parsed), 'client': client}
    return None


def classify_dir_name(name):
    """``(layout, captured_at)`` for a capture directory name, or None (see ``parse_dir_name``)."""
    parsed = parse_dir_name(name)
    return (parsed['layout'], parsed['captured_at']) if parsed else None


def check_client(value, parameter='client'):
    """The client tag ``value`` unchanged, or ``ValueError`` naming ``parameter`` and the allowed forms.

    A tag is compared with the part of a directory name before its stamp,
    exactly; so it must be something a capture can write there.
    """
    if not isinstance(value, str):
        problem = 'is not a string'
    elif not value:
        problem = 'is empty'
    elif '/' in value:
        problem = "contains '/'"
    elif any(char.isspace() or not char.isprintable() for char in value):
        problem = 'contains whitespace or a control character'
    elif value.startswith('-'):
        problem = "starts with '-'"
    elif '[' in value or ']' in value:
        problem = 'has brackets; give an IPv6 address without them, as it appears in the directory name'
    else:
        return value
    raise ValueError('%s: %r %s; allowed: %s' % (parameter, value, problem, CLIENT_FORMS))


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


def _newest_mtime(path, directory_mtime, listdir, getmtime):
    """The newest modification time of a directory and the entries directly in it."""
    newest = directory_mtime
    try:
        names = listdir(path)
    except OSError:
        return newest
    for name in names:
        try:
            newest = max(newest, getmtime(os.path.join(path, name)))
        except OSError:
            continue
    return newest


def list_capture_dirs(dump_path, client=None, listdir=os.listdir, isdir=os.path.isdir, getmtime=os.path.getmtime):
    """Capture directories directly below ``dump_path``, oldest first.

    Each is a dict ``name``, ``path``, ``layout``, ``captured_at``,
    ``client`` (tag before the stamp, or None), ``mtime`` (epoch seconds of
    the directory) and ``newest_mtime`` (the newest of the directory's and its
    files' modification times; the order follows it).  With ``client`` only
    the directories named exactly ``<client>-<stamp>`` are kept.  Other
    entries are ignored.  A missing ``dump_path`` gives an empty list.
    """
    try:
        entries = listdir(dump_path)
    except OSError:
        return []
    found = []
    for name in entries:
        path = os.path.join(dump_path, name)
        parsed = parse_dir_name(name)
        if parsed is None or (client is not None and parsed['client'] != client) or not isdir(path):
            continue
        try:
            mtime = getmtime(path)
        except OSError:
            continue
        found.append({'name': name, 'path': path, 'layout': parsed['layout'], 'captured_at': parsed['captured_at'],
                      'client': parsed['client'], 'mtime': mtime,
                      'newest_mtime': _newest_mtime(path, mtime, listdir, getmtime)})
    found.sort(key=lambda entry: (entry['newest_mtime'], entry['name']))
    return found


def select_new(capture_dirs, since_epoch=None, known_names=None):
    """The capture directories written since a point in time and/or not in ``known_names``.

    ``since_epoch`` is compared with each directory's ``newest_mtime``: the
    clock of the machine whose file system holds the directory (for a dump
    server, the server's), unlike the name, which uses the capture kernel's
    clock and time zone.  So a directory that already existed counts as new
    when a file in it was written at or after ``since_epoch`` (a second
    capture in the same minute reuses a Debian ``<tag>-YYYYMMDDHHMM``).
    ``since_epoch`` must come from that same clock.
    """
    selected = []
    known = set(known_names or ())
    for entry in capture_dirs:
        if entry['name'] in known:
            continue
        if since_epoch is not None and entry['newest_mtime'] < since_epoch:
            continue
        selected.append(entry)
    return selected


_SINCE_DATE = re.compile(r'^(?P<date>\d{4}-\d{2}-\d{2})'
                         r'(?:[T ](?P<clock>\d{2}:\d{2}(?::\d{2})?)(?P<fraction>\.\d+)?)?'
                         r'(?P<zone>Z|[+-]\d{2}:?\d{2})?$')
SINCE_FORMS = ('epoch seconds, a date YYYY-MM-DD[THH:MM[:SS[.ffffff]]] in UTC or with Z or +HH:MM, '
               'the marker returned by crashdump.kdump.kdump_crash, or the word marker')


def _zone_offset(zone):
    if not zone or zone == 'Z':
        return 0
    digits = zone[1:].replace(':', '')
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(zone)
    offset = hours * 3600 + minutes * 60
    return -offset if zone[0] == '-' else offset


def _date_epoch(text):
    match = _SINCE_DATE.match(text)
    if not match:
        raise ValueError(text)
    clock = match.group('clock') or '00:00'
    if len(clock) == 5:
        clock += ':00'
    parsed = time.strptime('%s %s' % (match.group('date'), clock), '%Y-%m-%d %H:%M:%S')
    epoch = float(calendar.timegm(parsed)) - _zone_offset(match.group('zone'))
    if match.group('fraction'):
        epoch += float(match.group('fraction'))
    return epoch


def parse_since(value):
    """Epoch seconds from a number or a date ``YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]``.

    ``T`` or a space between date and time; the date is UTC unless it ends in
    ``Z`` or an offset ``+HH:MM`` / ``-HHMM``.  Raises ``ValueError`` naming
    the accepted forms.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError('since: %r is not a time; allowed: %s' % (value, SINCE_FORMS))
    text = str(value).strip()
    try:
        epoch = float(text)
    except ValueError:
        try:
            epoch = _date_epoch(text)
        except ValueError:
            raise ValueError('since: %r is not a time; allowed: %s' % (value, SINCE_FORMS))
    if math.isnan(epoch) or math.isinf(epoch):
        raise ValueError('since: %r is not a finite time; allowed: %s' % (value, SINCE_FORMS))
    return epoch
