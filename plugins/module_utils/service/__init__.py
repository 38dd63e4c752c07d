# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kdump service as the host runs it: the systemd unit and the kdump tool per family
(``backend``), their status output (``status``) and the installed packages (``packages``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
