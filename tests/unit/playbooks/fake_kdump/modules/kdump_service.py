# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.kdump_service: the capture kernel loads when the reservation holds ``loads_from``;
a world with ``operational`` false has it loaded by the call (a change)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(state=dict(type='str'), enabled=dict(type='bool'),
                                              wait_operational=dict(type='bool', default=True),
                                              timeout=dict(type='int', default=120)),
                           supports_check_mode=True)
    path = os.path.join(os.environ['KDUMP_FAKE_WORLD'], os.environ['KDUMP_FAKE_HOST'] + '.json')
    with open(path) as handle:
        world = json.load(handle)
    if world['reserved_bytes'] < world.get('loads_from', 0):
        module.fail_json(msg='kdump is not operational: the crash kernel could not be loaded')
    # A host whose capture kernel is not loaded yet (world 'operational' false) gets it loaded:
    # a change, and in check mode only a plan - nothing is loaded to be read back.
    loads = not world.get('operational', True)
    if loads and not module.check_mode:
        world['operational'] = True
        with open(path, 'w') as handle:
            json.dump(world, handle)
    module.exit_json(changed=loads, operational=not module.check_mode or not loads,
                     reserved_bytes=world['reserved_bytes'])


if __name__ == '__main__':
    main()
