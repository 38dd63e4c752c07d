# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which boot loader carries ``crashkernel=`` on a platform family.

Both have ``read()`` (the boot entries with their ``crashkernel=``) and the
plan/apply methods the crashkernel module drives; the modules choose one here
and never by family themselves.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader_debian_grub import (
    DROPIN,
    DebianGrubBootloader,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader_grubby import GrubbyBootloader


def bootloader_for(module, platform, machine, dropin=None):
    """The family's boot loader: the kdump-tools GRUB drop-in (``dropin``, default
    its usual path) on the Debian family, grubby on the RHEL family."""
    if platform.family == 'debian':
        return DebianGrubBootloader(module, machine, dropin=dropin or DROPIN)
    return GrubbyBootloader(module, machine)
