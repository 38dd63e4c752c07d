# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``crashkernel=`` kernel parameter: parse, validate, resolve, render.

Grammar (the kernel's ``kernel-parameters.txt`` and ``kdump.rst``)::

    crashkernel=<size>[@<offset>]
    crashkernel=<start>-[<end>]:<size>[,<start>-[<end>]:<size>...][@<offset>]
    crashkernel=<size>,high        (with an optional crashkernel=<size>,low)
    crashkernel=auto               (RHEL 8 kernels only)

Sizes are a number (decimal or ``0x`` hexadecimal) with an optional
``K``/``M``/``G``/``T``/``P``/``E`` suffix (either case), like the kernel's
``memparse``.  A range ``start-end`` includes ``start`` and excludes ``end``;
an empty end means "and above".

How the kernel picks a range: it takes the amount of system RAM, rounds it
up to a multiple of 128 MiB (firmware keeps a little RAM for itself, so a
"2 GiB" machine reports slightly less) and uses the size of the first range
with ``start <= RAM < end``.  ``resolve`` does exactly that, so
``1G-2G:128M,2G-:256M`` gives 256M on a 2 GiB guest whose ``System RAM``
adds up to 1.99 GiB.

Everything here is pure: text in, values out, ``CrashkernelError`` with a
message a person can act on.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

KERNEL_ARG = 'crashkernel'
RAM_ROUNDING = 128 * 1024 * 1024
_UNITS = 'KMGTPE'
_SIZE = re.compile(r'^(0[xX][0-9a-fA-F]+|[0-9]+)([KMGTPEkmgtpe]?)$')


class CrashkernelError(Exception):
    """A crashkernel value is invalid; the message names the value and the rule."""


def parse_size(text, what='size'):
    """``'256M'`` -> 268435456.  Raises ``CrashkernelError`` naming ``what``."""
    match = _SIZE.match(text or '')
    if not match:
        raise CrashkernelError(
            '%s %r is not a size: use a number with an optional unit K, M, G, T, P or E '
            '(for example 256M or 1G)' % (what, text or ''))
    number = int(match.group(1), 0)
    unit = match.group(2).upper()
    if unit:
        number *= 1024 ** (_UNITS.index(unit) + 1)
    return number


def format_size(size):
    """268435456 -> ``'256M'``: the largest unit that divides the size exactly."""
    if size is None:
        return None
    if size == 0:
        return '0'
    for power in range(len(_UNITS), 0, -1):
        unit_bytes = 1024 ** power
        if size % unit_bytes == 0:
            return '%d%s' % (size // unit_bytes, _UNITS[power - 1])
    return str(size)


def round_up_ram(ram_bytes):
    """RAM as the kernel uses it to pick a range (rounded up to 128 MiB)."""
    return -(-ram_bytes // RAM_ROUNDING) * RAM_ROUNDING


class Crashkernel(object):
    """One parsed ``crashkernel=`` value.

    ``kind`` is ``'size'``, ``'ranges'`` or ``'auto'``.  ``size`` (bytes) is
    set for ``'size'``; ``ranges`` is a list of ``(start, end, size)`` with
    ``end`` None for an open end; ``offset`` is bytes or None; ``high`` is
    True for ``<size>,high``.  ``text`` is the value as given.
    """

    def __init__(self, text, kind, size=None, ranges=None, offset=None, high=False):
        self.text = text
        self.kind = kind
        self.size = size
        self.ranges = ranges or []
        self.offset = offset
        self.high = high

    def resolve(self, ram_bytes):
        """Bytes the kernel reserves for this value on a machine with ``ram_bytes``.

        0 when no range matches.  ``auto`` cannot be resolved here (it is the
        kernel's own table); callers expand it first.
        """
        if self.kind == 'size':
            return self.size
        if self.kind == 'auto':
            raise CrashkernelError('crashkernel=auto is resolved by the RHEL 8 kernel; expand it first')
        ram = round_up_ram(ram_bytes)
        for start, end, size in self.ranges:
            if start <= ram and (end is None or ram < end):
                return size
        return 0

    def canonical(self):
        """A spelling-independent form: ``262144K`` and ``256M`` compare equal."""
        offset = '' if self.offset is None else '@%d' % self.offset
        if self.kind == 'auto':
            return 'auto'
        if self.kind == 'size':
            return '%d%s%s' % (self.size, ',high' if self.high else '', offset)
        return ','.join('%d-%s:%d' % (start, '' if end is None else end, size)
                        for start, end, size in self.ranges) + offset

    def __repr__(self):
        return 'Crashkernel(%r)' % self.text


def _parse_ranges(text, ranges_text):
    ranges = []
    for item in ranges_text.split(','):
        if ':' not in item:
            raise CrashkernelError('crashkernel=%s: range %r has no size; write <start>-[<end>]:<size>, '
                                   'for example 1G-4G:192M' % (text, item))
        bounds, size_text = item.split(':', 1)
        if '-' not in bounds:
            raise CrashkernelError('crashkernel=%s: range %r has no "-"; write <start>-[<end>]:<size>'
                                   % (text, item))
        start_text, end_text = bounds.split('-', 1)
        if not size_text:
            raise CrashkernelError('crashkernel=%s: range %r has no size after ":"' % (text, item))
        start = parse_size(start_text, 'range start')
        end = parse_size(end_text, 'range end') if end_text else None
        size = parse_size(size_text, 'range size')
        if end is not None and end <= start:
            raise CrashkernelError('crashkernel=%s: range %r is empty: its end must be above its start '
                                   '(the end is excluded)' % (text, item))
        if size == 0:
            raise CrashkernelError('crashkernel=%s: range %r reserves 0 bytes' % (text, item))
        if ranges:
            previous_start, previous_end, _previous_size = ranges[-1]
            if start < previous_start:
                raise CrashkernelError('crashkernel=%s: ranges must be in ascending order, %r comes after '
                                       'a range starting at %s' % (text, item, format_size(previous_start)))
            if previous_end is None or start < previous_end:
                raise CrashkernelError('crashkernel=%s: range %r overlaps the range before it (ends are '
                                       'exclusive, so 1G-4G:192M,4G-:256M is contiguous)' % (text, item))
        ranges.append((start, end, size))
    return ranges


def parse_crashkernel(text):
    """Parse one ``crashkernel=`` value (without the ``crashkernel=``)."""
    if text is None or not text.strip():
        raise CrashkernelError('crashkernel value is empty')
    text = text.strip()
    if text != text.split()[0] or '"' in text or "'" in text:
        raise CrashkernelError('crashkernel value %r must be a single word without quotes' % text)
    if text == 'auto':
        return Crashkernel(text, 'auto')
    body = text
    high = False
    lowered = body.lower()
    if lowered.endswith(',low'):
        raise CrashkernelError('crashkernel=%s: a ",low" size is given with the low option, next to a '
                               '"<size>,high" value' % text)
    if lowered.endswith(',high'):
        high = True
        body = body[:-len(',high')]
    offset = None
    if '@' in body:
        body, offset_text = body.rsplit('@', 1)
        offset = parse_size(offset_text, 'offset')
        if high:
            raise CrashkernelError('crashkernel=%s: ",high" lets the kernel choose the place; it cannot '
                                   'have an @offset' % text)
    if ':' in body or '-' in body:
        if high:
            raise CrashkernelError('crashkernel=%s: ",high" takes a single size, not ranges' % text)
        return Crashkernel(text, 'ranges', ranges=_parse_ranges(text, body), offset=offset)
    size = parse_size(body, 'crashkernel size')
    if size == 0:
        raise CrashkernelError('crashkernel=%s reserves 0 bytes; use state=absent to remove it' % text)
    return Crashkernel(text, 'size', size=size, offset=offset, high=high)


def parse_low(text):
    """The ``crashkernel=<size>,low`` size (given without ``,low``) in bytes."""
    if text.lower().endswith(',low'):
        text = text[:-len(',low')]
    return parse_size(text, 'low size')


# ---------------------------------------------------------------------------
# Kernel command lines


def split_args(cmdline):
    """Split a kernel command line into arguments; double quotes group spaces."""
    args = []
    current = []
    quoted = False
    for character in cmdline or '':
        if character == '"':
            quoted = not quoted
            current.append(character)
        elif character.isspace() and not quoted:
            if current:
                args.append(''.join(current))
                current = []
        else:
            current.append(character)
    if current:
        args.append(''.join(current))
    return args


def crashkernel_values(args):
    """All ``crashkernel=`` values in ``args`` (list of arguments), in order."""
    prefix = KERNEL_ARG + '='
    return [arg[len(prefix):] for arg in args if arg.startswith(prefix)]


def effective_crashkernel(args):
    """``(main, low)`` the kernel would use from these arguments.

    Like the kernel: the last plain value wins; without one, the last
    ``,high`` value; ``low`` is the last ``<size>,low`` value without the
    suffix.  Each is None when absent.
    """
    values = crashkernel_values(args)
    plain = [value for value in values if not value.lower().endswith((',high', ',low'))]
    high = [value for value in values if value.lower().endswith(',high')]
    low = [value[:-len(',low')] for value in values if value.lower().endswith(',low')]
    main = plain[-1] if plain else (high[-1] if high else None)
    return main, (low[-1] if low else None)


def crashkernel_fields(args):
    """The ``crashkernel``, ``crashkernel_low`` and ``crashkernel_args`` of a boot entry with arguments ``args``."""
    main, low = effective_crashkernel(args)
    return {'crashkernel': main, 'crashkernel_low': low,
            'crashkernel_args': ['%s=%s' % (KERNEL_ARG, value) for value in crashkernel_values(args)]}


def crashkernel_args(value, low=None):
    """The arguments that express ``value`` (and ``low``): a list, empty for None."""
    if value is None:
        return []
    args = ['%s=%s' % (KERNEL_ARG, value)]
    if low is not None:
        args.append('%s=%s,low' % (KERNEL_ARG, low))
    return args


def replace_crashkernel(cmdline, new_args):
    """``cmdline`` without any ``crashkernel=`` argument, plus ``new_args`` at the end.

    Other arguments keep their order and spelling; spacing is normalised to
    single spaces (as grubby does).
    """
    prefix = KERNEL_ARG + '='
    kept = [arg for arg in split_args(cmdline) if not arg.startswith(prefix)]
    return ' '.join(kept + list(new_args))


def has_exactly(cmdline, new_args):
    """True when the ``crashkernel=`` arguments of ``cmdline`` are exactly ``new_args``, in order.

    Where they sit among the other arguments does not matter.
    """
    prefix = KERNEL_ARG + '='
    return [arg for arg in split_args(cmdline) if arg.startswith(prefix)] == list(new_args)


def same_value(first, second):
    """True when two crashkernel values (strings or None) mean the same thing."""
    if first is None or second is None:
        return first is None and second is None
    try:
        return parse_crashkernel(first).canonical() == parse_crashkernel(second).canonical()
    except CrashkernelError:
        return first == second


def same_low(first, second):
    if first is None or second is None:
        return first is None and second is None
    try:
        return parse_low(first) == parse_low(second)
    except CrashkernelError:
        return first == second
