# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Text split into lines that join back to the same bytes, for the files edited in place."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re


def split_lines(text):
    """Split ``text`` after every ``\\n`` (the only line break the shell
    knows), keeping the breaks; ``''.join(split_lines(t)) == t``."""
    return re.findall(r'[^\n]*\n|[^\n]+$', text)
