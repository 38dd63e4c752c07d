# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which capture directories a retention policy deletes, and why; the checks before a deletion.

A policy has up to three rules, each of which marks captures for deletion
on its own:

* ``keep``: keep the newest N captures (per client tag on a dump server,
  see below); older ones go;
* ``max_age_days``: captures whose newest file is older than that go;
* ``max_total_bytes``: while the captures left after the two rules above
  still hold more than that, the oldest ones go, across all clients.

Three protections override every rule:

* the newest complete capture of each client (or of the path) is never
  deleted, however old, so the last good dump of a host always stays;
* a capture modified less than ``guard_seconds`` ago may still be written;
* a capture with an ``*-incomplete`` file (``vmcore-incomplete``,
  ``dump-incomplete``) may still be written too - unless ``prune_incomplete``
  is set, and then only once the guard time has passed.

Captures are grouped by client tag (``<tag>-<stamp>`` directories, see
``capture_dirs``) when ``per_client`` is true, or, when it is None, as soon
as one directory carries a tag; directories without a tag form one group.
Ages come from each capture's ``newest_mtime`` (the clock of the machine that
holds the directory), never from the stamp in its name (the capture kernel's
clock).  Sizes are apparent sizes (``st_size``) of the files below the
directory, symbolic links counted as themselves and never followed.

``plan_retention`` is pure: it takes the captures (dicts from
``capture_dirs.list_capture_dirs`` with ``complete`` and
``incomplete_markers`` from ``capture_verdict.inspect_capture`` and
``bytes`` from ``directory_bytes``) and returns what to delete and what to
keep, each with its reason.  ``recheck_deletable`` repeats the safety checks
on the file system right before a directory is removed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import os
import stat

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import classify_files, parse_dir_name
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    parse_size as crashkernel_parse_size,
)

DEFAULT_GUARD_SECONDS = 600
SECONDS_PER_DAY = 86400
SIZE_FORMS = 'a number of bytes, or a number with a unit K, M, G, T, P or E (powers of 1024): 500M, 10G'


def parse_size(value, parameter='max_total_bytes'):
    """Bytes (int) from ``10G``-style text (``crashkernel_syntax.parse_size``) or a whole number.

    Raises ``ValueError`` naming ``parameter`` and the accepted forms.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError('%s: %r is not a size; allowed: %s' % (parameter, value, SIZE_FORMS))
    if isinstance(value, int) or value.strip().lstrip('-').isdigit():
        number = int(value)
        if number < 0:
            raise ValueError('%s: %r is negative; allowed: %s' % (parameter, value, SIZE_FORMS))
        return number
    try:
        return crashkernel_parse_size(value.strip(), parameter)
    except CrashkernelError:
        problem = 'is negative' if value.strip().startswith('-') else 'is not a size'
        raise ValueError('%s: %r %s; allowed: %s' % (parameter, value, problem, SIZE_FORMS))


def format_size(size):
    """``10.0 GiB``-style text for a byte count."""
    value = float(size)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return '%d B' % size if unit == 'B' else '%.1f %s' % (value, unit)
        value /= 1024
    return '%d B' % size


def check_policy(keep=None, max_age_days=None, max_total_bytes=None, guard_seconds=DEFAULT_GUARD_SECONDS):
    """The validated policy as a dict; ``ValueError`` naming the offending parameter.

    At least one of ``keep``, ``max_age_days`` and ``max_total_bytes`` is
    required: without a rule nothing could ever be deleted.
    """
    if keep is not None:
        if isinstance(keep, bool) or not isinstance(keep, int):
            raise ValueError('keep: %r is not a whole number; give 0 or more (captures to keep per client)' % (keep,))
        if keep < 0:
            raise ValueError('keep: %r is negative; give 0 or more (captures to keep per client)' % (keep,))
    if max_age_days is not None:
        if isinstance(max_age_days, bool) or not isinstance(max_age_days, (int, float)) \
                or math.isnan(max_age_days) or math.isinf(max_age_days):
            raise ValueError('max_age_days: %r is not a number of days' % (max_age_days,))
        if max_age_days < 0:
            raise ValueError('max_age_days: %r is negative; give 0 or more days' % (max_age_days,))
    if max_total_bytes is not None:
        max_total_bytes = parse_size(max_total_bytes)
    if isinstance(guard_seconds, bool) or not isinstance(guard_seconds, int) or guard_seconds < 0:
        raise ValueError('guard_seconds: %r is not 0 or a positive number of seconds' % (guard_seconds,))
    if keep is None and max_age_days is None and max_total_bytes is None:
        raise ValueError('give at least one of keep, max_age_days or max_total_bytes: without a rule nothing is deleted')
    return {'keep': keep, 'max_age_days': max_age_days, 'max_total_bytes': max_total_bytes,
            'guard_seconds': guard_seconds}


def directory_bytes(path):
    """Apparent size of everything below ``path``; symbolic links are counted as links, never followed."""
    total = 0
    pending = [path]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(entry.path)
            else:
                total += info.st_size
    return total


def _group_label(client, grouped):
    if not grouped:
        return 'the path'
    return 'client %s' % client if client else 'the captures without a client tag'


def _guard_reason(capture, now, guard_seconds, prune_incomplete):
    age = now - capture['newest_mtime']
    if age < guard_seconds:
        return 'modified %d s ago, within guard_seconds %d: it may still be written' % (max(age, 0), guard_seconds)
    markers = capture.get('incomplete_markers') or []
    if markers and not prune_incomplete:
        return '%s present: the capture may still be written (prune_incomplete deletes it)' % ', '.join(markers)
    return None


def _entry(capture, reason):
    return {'name': capture['name'], 'path': capture['path'], 'client': capture.get('client'),
            'captured_at': capture.get('captured_at'), 'complete': bool(capture.get('complete')),
            'bytes': capture.get('bytes', 0), 'reason': reason}


def plan_retention(captures, policy, now, per_client=None, prune_incomplete=False):
    """What the policy deletes among ``captures`` (oldest first); see the module docstring.

    Returns a dict: ``per_client`` (whether captures were grouped by client),
    ``delete`` and ``keep`` (lists of dicts ``name``, ``path``, ``client``,
    ``captured_at``, ``complete``, ``bytes``, ``reason``; oldest first),
    ``bytes_freed``, ``total_bytes``, ``total_bytes_after`` and ``over_limit``
    (``max_total_bytes`` is still exceeded when everything deletable is gone).
    """
    captures = sorted(captures, key=lambda capture: (capture['newest_mtime'], capture['name']))
    grouped = bool(per_client) if per_client is not None else any(capture.get('client') for capture in captures)
    groups = {}
    for capture in captures:
        groups.setdefault(capture.get('client') if grouped else None, []).append(capture)
    protected = {}
    reasons = {}
    keep = policy.get('keep')
    max_age_days = policy.get('max_age_days')
    for client, members in groups.items():
        label = _group_label(client, grouped)
        for capture in members:
            guard = _guard_reason(capture, now, policy['guard_seconds'], prune_incomplete)
            if guard:
                protected[capture['path']] = guard
        complete = [capture for capture in members if capture.get('complete')]
        if complete:
            protected.setdefault(complete[-1]['path'], 'the newest complete capture of %s' % label)
        if keep is not None:
            for capture in members[:len(members) - keep] if keep < len(members) else []:
                reasons.setdefault(capture['path'], []).append('beyond the newest %d of %s' % (keep, label))
        if max_age_days is not None:
            for capture in members:
                age_days = (now - capture['newest_mtime']) / SECONDS_PER_DAY
                if age_days > max_age_days:
                    reasons.setdefault(capture['path'], []).append(
                        '%.1f days old, older than max_age_days %s' % (age_days, max_age_days))
    deleted_paths = set(path for path in reasons if path not in protected)
    total = sum(capture.get('bytes', 0) for capture in captures)
    remaining = total - sum(capture.get('bytes', 0) for capture in captures if capture['path'] in deleted_paths)
    limit = policy.get('max_total_bytes')
    if limit is not None and remaining > limit:
        for capture in captures:
            if remaining <= limit:
                break
            if capture['path'] in protected or capture['path'] in deleted_paths:
                continue
            reasons.setdefault(capture['path'], []).append(
                'the captures hold %s, more than max_total_bytes %s' % (format_size(remaining), format_size(limit)))
            deleted_paths.add(capture['path'])
            remaining -= capture.get('bytes', 0)
    delete = [_entry(capture, '; '.join(reasons[capture['path']])) for capture in captures
              if capture['path'] in deleted_paths]
    kept = [_entry(capture, protected.get(capture['path'], 'within the policy')) for capture in captures
            if capture['path'] not in deleted_paths]
    freed = sum(entry['bytes'] for entry in delete)
    return {'per_client': grouped, 'delete': delete, 'keep': kept, 'bytes_freed': freed, 'total_bytes': total,
            'total_bytes_after': total - freed, 'over_limit': limit is not None and total - freed > limit}


def _newest_mtime_nofollow(path, directory_info):
    newest = directory_info.st_mtime
    names = []
    for entry in os.scandir(path):
        names.append(entry.name)
        try:
            newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
        except OSError:
            continue
    return newest, names


def recheck_deletable(path, root, now, guard_seconds, prune_incomplete=False):
    """None when ``path`` may be removed now, else why not.

    Checked on the file system, without following any link: ``path`` is a
    directory (not a symbolic link) directly in ``root`` (already resolved),
    its name is a capture directory name, it was not modified within
    ``guard_seconds`` and it holds no ``*-incomplete`` file unless
    ``prune_incomplete``.
    """
    name = os.path.basename(path)
    if os.path.dirname(path) != root or name in ('', '.', '..') or parse_dir_name(name) is None:
        return '%s is not a capture directory directly in %s' % (path, root)
    try:
        info = os.lstat(path)
    except OSError as error:
        return 'cannot examine %s: %s' % (path, error)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return '%s is not a directory (a symbolic link or a file), so it is left alone' % path
    if os.path.realpath(path) != path:
        return '%s resolves to %s, outside %s' % (path, os.path.realpath(path), root)
    try:
        newest, names = _newest_mtime_nofollow(path, info)
    except OSError as error:
        return 'cannot list %s: %s' % (path, error)
    guard = _guard_reason({'newest_mtime': newest, 'incomplete_markers': classify_files(names)['incomplete_markers']},
                          now, guard_seconds, prune_incomplete)
    if guard:
        return '%s: %s' % (path, guard)
    return None
