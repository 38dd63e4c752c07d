# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The crash kernel reservation: ``crashkernel=`` syntax and sizes (``syntax``), the platform defaults
(``defaults``) and estimates (``estimate``), the plan from wanted to running (``plan``), and the boot
loaders that carry it (``bootloader_grubby``, ``bootloader_debian_grub``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
