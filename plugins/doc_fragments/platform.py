# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """The platform option every module of the collection has."""

    DOCUMENTATION = r'''
options:
  platform:
    description:
      - Which kdump implementation the host has. V(auto) probes os-release C(ID), C(ID_LIKE), C(VERSION_ID),
        the installed tools and the kdump-utils version; any other value is used as given.
      - Hosts are recognised by OS family, major version and probed features, never by distribution
        name, so RHEL rebuilds (CentOS Stream, Rocky, AlmaLinux, Oracle Linux) and Fedora are C(el*) and
        Ubuntu is V(debian).
    type: str
    default: auto
    choices: [auto, el8, el9, el10, debian]
'''
