# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Free space at the dump directory against the size a dump is expected to have.

Expected size, best source first:

1. ``makedumpfile --mem-usage /proc/kcore`` (run in the live kernel) counts
   the pages of each kind.  The dump keeps ``KERN_DATA`` plus every
   excludable kind its dump level does not exclude (level bits: 1 zero
   pages, 2 non-private cache, 4 all cache, 8 user pages, 16 free pages).
   The pages are counted uncompressed, so this is an upper bound.
2. Without it, a bound from RAM (``RAM_BOUND_NOTE``): a quarter of RAM when
   the dump level excludes cache, user and free pages (as the default
   ``-d 31`` does: what remains is kernel data, which on real systems is a
   few percent of RAM, and compression shrinks it further), else all of RAM.

Before a crash the question is only whether the dump fits: when the target
has more room than all of RAM (``whole_ram_bytes``), no dump of this host can
fill it and ``makedumpfile --mem-usage`` - which reads all of memory and takes
tens of seconds on a large or slow host - is not run (``dump_bound``).

``parse_mem_usage`` and ``expected_dump_bytes`` are pure; ``free_bytes``
asks the file system (``statvfs``) for the space an unprivileged writer
may use, walking up to the nearest existing directory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

RAM_BOUND_NOTE = ('RAM bound: a quarter of RAM when the dump level excludes cache, user and free pages '
                  '(-d 31), else all of RAM')
_LEVEL_BITS = (('ZERO', 1), ('NON_PRI_CACHE', 2 | 4), ('PRI_CACHE', 4), ('USER', 8), ('FREE', 16))
_ROW = re.compile(r'^(ZERO|NON_PRI_CACHE|PRI_CACHE|USER|FREE|KERN_DATA)\s+(\d+)\s', re.MULTILINE)
_PAGE_SIZE = re.compile(r'^page size:\s+(\d+)', re.MULTILINE)
_LEAN_LEVEL_BITS = 4 | 8 | 16


def parse_mem_usage(text):
    """``makedumpfile --mem-usage`` output to ``{'page_size': n, 'pages': {kind: n}}``, or None."""
    pages = dict((kind, int(count)) for kind, count in _ROW.findall(text or ''))
    page_size = _PAGE_SIZE.search(text or '')
    if 'KERN_DATA' not in pages or not page_size:
        return None
    return {'page_size': int(page_size.group(1)), 'pages': pages}


def dump_bytes_from_mem_usage(mem_usage, dump_level):
    """Uncompressed bytes the dump keeps at ``dump_level`` (None = 31)."""
    level = 31 if dump_level is None else dump_level
    kept = mem_usage['pages']['KERN_DATA']
    for kind, excluding_bits in _LEVEL_BITS:
        if not level & excluding_bits:
            kept += mem_usage['pages'].get(kind, 0)
    return kept * mem_usage['page_size']


def ram_bound(ram_bytes, dump_level):
    """The bound from RAM (see ``RAM_BOUND_NOTE``)."""
    level = 31 if dump_level is None else dump_level
    if level & _LEAN_LEVEL_BITS == _LEAN_LEVEL_BITS:
        return ram_bytes // 4
    return ram_bytes


def expected_dump_bytes(mem_usage_text, ram_bytes, dump_level):
    """``(bytes, source)``: the expected dump size and how it was found; ``(None, None)`` without data."""
    mem_usage = parse_mem_usage(mem_usage_text)
    if mem_usage is not None:
        return dump_bytes_from_mem_usage(mem_usage, dump_level), 'makedumpfile --mem-usage'
    if ram_bytes:
        return ram_bound(ram_bytes, dump_level), RAM_BOUND_NOTE
    return None, None


WHOLE_RAM_NOTE = ('RAM bound: all of RAM with room for headers and the kernel log; the target has more free '
                  'space, so makedumpfile --mem-usage was not run')


def whole_ram_bytes(ram_bytes):
    """The most a dump of a host with ``ram_bytes`` can take: every page uncompressed, plus
    1/32 for the headers, page bitmaps and the saved kernel log. None when RAM is unknown."""
    if not ram_bytes:
        return None
    return ram_bytes + ram_bytes // 32


def dump_bound(free, ram_bytes, dump_level, read_mem_usage):
    """``(bytes, source)`` for a space check: the whole-RAM bound when ``free`` exceeds it,
    else ``expected_dump_bytes`` from ``read_mem_usage()`` (called only then)."""
    whole_ram = whole_ram_bytes(ram_bytes)
    if free is not None and whole_ram is not None and free >= whole_ram:
        return whole_ram, WHOLE_RAM_NOTE
    return expected_dump_bytes(read_mem_usage(), ram_bytes, dump_level)


def existing_ancestor(path, exists=os.path.exists):
    """``path`` or its nearest existing parent directory."""
    current = os.path.abspath(path)
    while not exists(current) and current != os.path.dirname(current):
        current = os.path.dirname(current)
    return current


def free_bytes(path, statvfs=os.statvfs):
    """Bytes available to a writer in the file system holding ``path``; None when it cannot be asked."""
    try:
        stats = statvfs(existing_ancestor(path))
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def space_check(free, expected, min_free_bytes=None):
    """``(enough, needed)``: ``needed`` is ``min_free_bytes`` when given, else ``expected``.

    ``enough`` is None when either number is unknown.
    """
    needed = min_free_bytes if min_free_bytes is not None else expected
    if free is None or needed is None:
        return None, needed
    return free >= needed, needed


def run_mem_usage(module):
    """Output of ``makedumpfile --mem-usage /proc/kcore``, or None when it is absent or fails."""
    makedumpfile = module.get_bin_path('makedumpfile')
    if not makedumpfile:
        return None
    rc, out, err = module.run_command([makedumpfile, '--mem-usage', '/proc/kcore'])
    if rc != 0:
        return None
    return '%s\n%s' % (out, err)
