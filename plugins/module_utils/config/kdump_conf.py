# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lossless line model of ``/etc/kdump.conf`` (RHEL family).

How kdumpctl reads the file: blank lines and lines whose first non-blank
character is ``#`` are ignored; otherwise the first whitespace-delimited word
is the directive and the rest of the line is its value, cut at the first ``#``
and trimmed.  When a directive appears twice the last one wins (and kdumpctl
rejects the file).

How this model writes it: a changed or new directive becomes
``<name> <value>`` at column 0, one per line, keeping the line ending of the
file.  Every line that is not touched - comments, blank lines, unusual
spacing, a missing final newline, CRLF - is rendered back byte for byte, so
``KdumpConf.parse(text).render() == text`` for any text.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.crashdump.kdump.plugins.module_utils.common.lines import split_lines

_BLANKS = ' \t'
_WORD_AND_REST = re.compile(r'([^ \t]+)[ \t]*(.*)$', re.DOTALL)


def split_directive(line):
    """Return ``(name, value)`` for an active directive line, else ``None``.

    ``value`` is what kdumpctl sees: the rest of the line up to the first
    ``#``, stripped of surrounding whitespace (may be empty).
    """
    stripped = line.rstrip('\r\n').strip(_BLANKS)
    if not stripped or stripped.startswith('#'):
        return None
    name, rest = _WORD_AND_REST.match(stripped).groups()
    return name, rest.split('#', 1)[0].strip(_BLANKS)


def _line_ending(text):
    """The line ending used by ``text`` (its first line), ``\\n`` by default."""
    first_break = text.find('\n')
    if first_break > 0 and text[first_break - 1] == '\r':
        return '\r\n'
    return '\n'


class KdumpConf(object):
    """An editable, lossless view of a kdump.conf text.

    Lines are kept as the exact strings read (each with its line ending).
    Editing methods change only the lines of the directive they are given.
    """

    def __init__(self, lines, newline='\n'):
        self._lines = list(lines)
        self._newline = newline

    @classmethod
    def parse(cls, text):
        """Build a model from the file content ``text`` (str)."""
        return cls(split_lines(text), _line_ending(text))

    def render(self):
        """The file content; identical to the parsed text if nothing was edited."""
        return ''.join(self._lines)

    def directives(self):
        """Active directives in file order as a list of ``(name, value)``."""
        found = []
        for line in self._lines:
            parsed = split_directive(line)
            if parsed is not None:
                found.append(parsed)
        return found

    def names(self):
        """Names of the active directives, in file order (duplicates kept)."""
        return [name for name, _value in self.directives()]

    def get(self, name, default=None):
        """Value kdumpctl would use for ``name`` (the last occurrence)."""
        value = default
        for found_name, found_value in self.directives():
            if found_name == name:
                value = found_value
        return value

    def as_dict(self):
        """Effective directives as a dict (last occurrence wins)."""
        return dict(self.directives())

    def _indexes(self, name):
        return [index for index, line in enumerate(self._lines)
                if (split_directive(line) or (None,))[0] == name]

    def _format(self, name, value, newline):
        return '%s %s%s' % (name, value, newline)

    def set(self, name, value, replaces=()):
        """Make ``name value`` the one active line for ``name``.

        The first existing line of ``name`` (or of one of the ``replaces``
        names, e.g. an old spelling) is rewritten in place; further lines of
        those names are removed.  A line already equal to what would be
        written is left alone.  Without an existing line the directive is
        added after the last active directive (or at the end of the file).
        Returns True when the text changed.
        """
        before = self.render()
        indexes = []
        for candidate in (name,) + tuple(replaces):
            indexes.extend(self._indexes(candidate))
        indexes.sort()
        if indexes:
            first = indexes[0]
            old_line = self._lines[first]
            newline = old_line[len(old_line.rstrip('\r\n')):] or ''
            if old_line.rstrip('\r\n') != '%s %s' % (name, value):
                self._lines[first] = self._format(name, value, newline)
            for index in reversed(indexes[1:]):
                del self._lines[index]
        else:
            self._insert(self._format(name, value, self._newline))
        return self.render() != before

    def _insert(self, line):
        position = len(self._lines)
        for index in range(len(self._lines) - 1, -1, -1):
            if split_directive(self._lines[index]) is not None:
                position = index + 1
                break
        if position > 0 and not self._lines[position - 1].endswith('\n'):
            self._lines[position - 1] += self._newline
        self._lines.insert(position, line)

    def remove(self, name):
        """Remove every active line of ``name``; returns True when one was removed."""
        indexes = self._indexes(name)
        for index in reversed(indexes):
            del self._lines[index]
        return bool(indexes)

    def keep_only(self, names):
        """Drop every line - comments and blank lines too - except active
        directives whose name is in ``names``.  Used for ``exclusive``."""
        kept = [line for line in self._lines
                if (split_directive(line) or (None,))[0] in names]
        if kept and not kept[-1].endswith('\n'):
            kept[-1] += self._newline
        changed = kept != self._lines
        self._lines = kept
        return changed
