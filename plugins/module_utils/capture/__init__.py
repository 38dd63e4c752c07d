# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One crash and its dump: the marker written before a test crash (``marker``), the trigger
(``trigger``), capture directories and dump formats (``dirs``, ``vmcore_format``), the verdict on a
dump (``verdict``), the outcome vocabulary (``outcome``), the proof a test leaves (``proof``), whether a
failed capture brings the host back (``containment``), room for a dump (``space``) and retention
(``retention``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
