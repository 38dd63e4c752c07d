# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""After a real crash: the captures since a time on a host or dump server (``captures``) and the panic
signature read from a kernel log (``signature``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
