# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""kdump's own configuration: one set of settings (``settings``) validated once, written by a
backend per family - ``/etc/kdump.conf`` and ``/etc/sysconfig/kdump`` (``backend_rhel``,
``kdump_conf``, ``kdump_conf_update``) or ``/etc/default/kdump-tools`` (``backend_debian``) - and
what a configuration means for where dumps land (``dump_target``, ``dump_dir``, ``host_identity``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
