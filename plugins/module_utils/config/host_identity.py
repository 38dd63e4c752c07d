# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""This host's names and addresses, as kdumpctl compares fence_kdump_nodes
with them (``hostname`` and ``hostname -I``).

``host_identities(module)`` returns a set of strings; ``parse_ip_addresses``
is the pure parser of ``ip -o addr show`` output.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket


def parse_ip_addresses(text):
    """Addresses (without prefix length) from ``ip -o addr show`` output."""
    addresses = set()
    for line in text.splitlines():
        fields = line.split()
        for index, field in enumerate(fields[:-1]):
            if field in ('inet', 'inet6'):
                addresses.add(fields[index + 1].split('/', 1)[0])
    return addresses


def host_identities(module):
    """Set of this host's hostname (full and short) and interface addresses."""
    name = socket.gethostname()
    identities = set([name, name.split('.', 1)[0]])
    ip_command = module.get_bin_path('ip')
    if ip_command:
        rc, out, _err = module.run_command([ip_command, '-o', 'addr', 'show'])
        if rc == 0:
            identities.update(parse_ip_addresses(out))
    return identities
