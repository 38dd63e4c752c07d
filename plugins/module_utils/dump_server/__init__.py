# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An ssh dump server shared by many hosts: the tag a client's captures get (``client_tag``), the
server's authorized_keys entry that confines a client (``access``) and the forced command that
enforces it (``receiver``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
