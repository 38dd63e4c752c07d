# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.kdump_info: a local target, kdump loaded, the world's reservation."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(estimate_dump_size=dict(type='bool', default=True)),
                           supports_check_mode=True)
    with open(os.path.join(os.environ['KDUMP_FAKE_WORLD'], os.environ['KDUMP_FAKE_HOST'] + '.json')) as handle:
        world = json.load(handle)
    module.exit_json(changed=False, platform={'name': 'debian', 'family': 'debian', 'major': 12},
                     service={'enabled': True, 'active': True}, operational=world.get('operational', True),
                     crashkernel={'configured': world['configured'], 'running': world['configured'],
                                  'reserved_bytes': world['reserved_bytes']},
                     config={'type': 'local', 'location': None, 'path': '/var/crash', 'local_dir': '/var/crash',
                             'core_collector': 'makedumpfile -c -d 31', 'dump_level': 31},
                     proof={'status': 'missing', 'reasons': []})


if __name__ == '__main__':
    main()
