# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lossless model of shell ``KEY=value`` files.

Used for ``/etc/sysconfig/kdump`` (sourced by kdumpctl) and
``/etc/default/kdump-tools`` (sourced by kdump-config *and* read by systemd as
an ``EnvironmentFile=``).  Only plain assignments are understood:
``KEY=value``, ``KEY="value"``, ``KEY='value'``, optionally preceded by
``export`` and followed by a ``# comment``.  Everything else is kept verbatim.

Values are written as ``KEY="value"``.  A value that both the shell and
systemd read identically inside double quotes has no ``"``, ``\\``, ``$``,
backquote or line break; ``check_value`` tells whether a value is safe.
Untouched lines render back byte for byte.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.crashdump.kdump.plugins.module_utils.common.lines import split_lines

_ASSIGNMENT = re.compile(r'^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*?)[\r\n]*$', re.DOTALL)
_COMMENTED_ASSIGNMENT = re.compile(r'^[ \t]*#[ \t]*([A-Za-z_][A-Za-z0-9_]*)=')
UNSAFE_VALUE_CHARACTERS = '"\\$`\n\r'
SAFE_VALUE = 'a value without double quotes, backslashes, $, backquotes or line breaks'


def check_value(value):
    """Return the first character of ``value`` that cannot be written safely, or None."""
    for character in value:
        if character in UNSAFE_VALUE_CHARACTERS:
            return character
    return None


def unquote(raw):
    """The value the shell assigns for the right-hand side ``raw``.

    Handles one double- or single-quoted word or a bare word, and drops a
    trailing ``# comment``.  Backslash escapes inside double quotes are
    resolved for ``\\"``, ``\\\\``, ``\\$`` and backquote.
    """
    value = []
    index = 0
    length = len(raw)
    while index < length:
        character = raw[index]
        if character in ' \t':
            break
        if character == '"':
            index += 1
            while index < length and raw[index] != '"':
                if raw[index] == '\\' and index + 1 < length and raw[index + 1] in '"\\$`':
                    index += 1
                value.append(raw[index])
                index += 1
            index += 1
        elif character == "'":
            closing = raw.find("'", index + 1)
            closing = length if closing < 0 else closing
            value.append(raw[index + 1:closing])
            index = closing + 1
        else:
            value.append(character)
            index += 1
    return ''.join(value)


def split_assignment(line):
    """``(key, value)`` for an active assignment line, else ``None``."""
    match = _ASSIGNMENT.match(line)
    if not match:
        return None
    return match.group(1), unquote(match.group(2))


class ShellVarsFile(object):
    """An editable, lossless view of a shell variables file."""

    def __init__(self, lines, newline='\n'):
        self._lines = list(lines)
        self._newline = newline

    @classmethod
    def parse(cls, text):
        newline = '\r\n' if '\r\n' in text.split('\n', 1)[0] + '\n' else '\n'
        return cls(split_lines(text), newline)

    def render(self):
        return ''.join(self._lines)

    def assignments(self):
        """Active assignments in file order as ``(key, value)`` pairs."""
        found = []
        for line in self._lines:
            parsed = split_assignment(line)
            if parsed is not None:
                found.append(parsed)
        return found

    def get(self, key, default=None):
        """The value the shell ends up with for ``key`` (last assignment wins)."""
        value = default
        for found_key, found_value in self.assignments():
            if found_key == key:
                value = found_value
        return value

    def as_dict(self):
        return dict(self.assignments())

    def foreign_lines(self):
        """Non-blank, non-comment lines that are not plain assignments."""
        return [line.rstrip('\r\n') for line in self._lines
                if line.strip() and not line.strip().startswith('#') and split_assignment(line) is None]

    def _indexes(self, key):
        return [index for index, line in enumerate(self._lines)
                if (split_assignment(line) or (None,))[0] == key]

    def set(self, key, value):
        """Make the shell see ``key`` = ``value``.

        The last assignment of ``key`` is rewritten in place when its value
        differs; earlier ones are left (the last one wins).  A missing key is
        added after its commented template line (``#KEY=...``) if there is
        one, else at the end.  Returns True when the text changed.
        """
        line = '%s="%s"' % (key, value)
        indexes = self._indexes(key)
        if indexes:
            last = indexes[-1]
            if split_assignment(self._lines[last])[1] == value:
                return False
            old_line = self._lines[last]
            self._lines[last] = line + old_line[len(old_line.rstrip('\r\n')):]
            return True
        position = len(self._lines)
        for index, existing in enumerate(self._lines):
            match = _COMMENTED_ASSIGNMENT.match(existing)
            if match and match.group(1) == key:
                position = index + 1
        if position > 0 and not self._lines[position - 1].endswith('\n'):
            self._lines[position - 1] += self._newline
        self._lines.insert(position, line + self._newline)
        return True

    def unset(self, key):
        """Remove every active assignment of ``key``; True when one was removed."""
        indexes = self._indexes(key)
        for index in reversed(indexes):
            del self._lines[index]
        return bool(indexes)

    def keep_only(self, keys):
        """Drop every line except active assignments of ``keys`` (``exclusive``)."""
        kept = [line for line in self._lines
                if (split_assignment(line) or (None,))[0] in keys]
        if kept and not kept[-1].endswith('\n'):
            kept[-1] += self._newline
        changed = kept != self._lines
        self._lines = kept
        return changed
