# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.kdump_info: a local target, kdump loaded, the world's reservation; with ``crashkernel``,
what that request reserves for the world's RAM and the world's default, as the fake crashkernel says."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import format_size, parse_crashkernel


def requested(world, value):
    value = world['default'] if value == 'default' else value
    effective = parse_crashkernel(value).resolve(world['ram'])
    default_bytes = parse_crashkernel(world['default']).resolve(world['ram'])
    return {'value': value, 'effective': format_size(effective), 'effective_bytes': effective,
            'recommended': format_size(default_bytes), 'recommended_bytes': default_bytes}


def main():
    module = AnsibleModule(argument_spec=dict(estimate_dump_size=dict(type='bool', default=True),
                                              crashkernel=dict(type='str')),
                           supports_check_mode=True)
    with open(os.path.join(os.environ['KDUMP_FAKE_WORLD'], os.environ['KDUMP_FAKE_HOST'] + '.json')) as handle:
        world = json.load(handle)
    crashkernel = {'configured': world['configured'], 'running': world['configured'],
                   'reserved_bytes': world['reserved_bytes']}
    if module.params['crashkernel'] is not None:
        crashkernel['requested'] = requested(world, module.params['crashkernel'])
    module.exit_json(changed=False, platform={'name': 'debian', 'family': 'debian', 'major': 12},
                     service={'enabled': True, 'active': True}, operational=world.get('operational', True),
                     crashkernel=crashkernel,
                     config={'type': 'local', 'location': None, 'path': '/var/crash', 'local_dir': '/var/crash',
                             'core_collector': 'makedumpfile -c -d 31', 'dump_level': 31},
                     proof={'status': 'missing', 'reasons': []})


if __name__ == '__main__':
    main()
