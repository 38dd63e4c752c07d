# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.kdump_service: the capture kernel loads when the reservation holds ``loads_from``."""

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
    with open(os.path.join(os.environ['KDUMP_FAKE_WORLD'], os.environ['KDUMP_FAKE_HOST'] + '.json')) as handle:
        world = json.load(handle)
    if world['reserved_bytes'] < world.get('loads_from', 0):
        module.fail_json(msg='kdump is not operational: the crash kernel could not be loaded')
    module.exit_json(changed=False, operational=True, reserved_bytes=world['reserved_bytes'])


if __name__ == '__main__':
    main()
