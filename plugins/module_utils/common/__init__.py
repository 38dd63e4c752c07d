# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every package uses and no kdump concept owns: atomic file updates with backup and diff
(``file_update``), shell variable files (``shell_vars``), line splitting (``lines``), reads of
procfs/sysfs (``kernel_runtime``), and which platform a host is by probed features (``platform``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
