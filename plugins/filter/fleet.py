# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How many hosts at once, and in which order: the fleet playbooks' blast radius.

``batch_count`` turns ``kdump_reboot_batch`` (a number or a percentage of the
play's hosts) into the ``throttle`` of the reboot task. ``dump_servers``
names the hosts that other hosts of the run send their dumps to, so
``verify_capture`` crashes them only after their clients were tested.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import re

from ansible.errors import AnsibleFilterError

_PERCENT = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*%\s*$')


def batch_count(value, hosts, name='batch', default=1):
    """Hosts per batch: ``value`` is a whole number >= 1 or a percentage of
    ``hosts`` (rounded up, at least 1); empty means ``default``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return int(default)
    text = str(value)
    match = _PERCENT.match(text)
    if match:
        percent = float(match.group(1))
        if not 0 < percent <= 100:
            raise AnsibleFilterError('%s: %s is not a percentage between 1%% and 100%%' % (name, text))
        return max(1, int(math.ceil(percent * int(hosts) / 100.0)))
    try:
        number = int(text.strip())
    except ValueError:
        raise AnsibleFilterError('%s: %r is neither a whole number nor a percentage; allowed: 1, 2, ... or 1%%..100%%'
                                 % (name, value))
    if number < 1:
        raise AnsibleFilterError('%s: %d is below 1; allowed: 1, 2, ... or 1%%..100%%' % (name, number))
    return number


def _server_host_part(target):
    """The host part of a dump target that goes to another machine, else None."""
    if not isinstance(target, dict):
        return None
    location = str(target.get('location') or '')
    if target.get('type') == 'ssh' and '@' in location:
        host = location.split('@', 1)[1]
    elif target.get('type') == 'nfs' and ':' in location:
        host = location.rsplit(':', 1)[0]
    else:
        return None
    return host.strip('[]') or None


def dump_server_of(host_vars, inventory_names):
    """The inventory name of the host ``host_vars`` dumps to, or None."""
    explicit = host_vars.get('kdump_ssh_server')
    if explicit:
        return explicit if explicit in inventory_names else None
    host = _server_host_part(host_vars.get('kdump_target'))
    if host is None:
        return None
    if host in inventory_names:
        return host
    for name, other in inventory_names.items():
        if other.get('ansible_host') == host:
            return name
    return None


def dump_servers(hosts, hostvars):
    """Sorted names of the hosts among ``hosts`` that another host of ``hosts``
    dumps to."""
    names = {}
    for name in hostvars:
        names[name] = hostvars[name]
    servers = set()
    for name in hosts:
        server = dump_server_of(hostvars[name], names)
        if server is not None and server != name and server in hosts:
            servers.add(server)
    return sorted(servers)


class FilterModule(object):
    def filters(self):
        return {'batch_count': batch_count, 'dump_servers': dump_servers}
