# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.kdump_crash: "crashes" (counts the crash), or refuses like the real preflight -
not_operational when the world's capture kernel is not loaded, no_space at the world's ``no_space_at``
sizes. Check mode runs the preflight and crashes nothing, as the real module does."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import refused_outcome
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import format_size


def main():
    module = AnsibleModule(argument_spec=dict(confirm=dict(type='bool', default=False),
                                              delay=dict(type='int', default=5),
                                              target_free_bytes=dict(type='int')),
                           supports_check_mode=True)
    path = os.path.join(os.environ['KDUMP_FAKE_WORLD'], os.environ['KDUMP_FAKE_HOST'] + '.json')
    with open(path) as handle:
        world = json.load(handle)
    if not module.params['confirm']:
        module.fail_json(msg='refused', refused=True, refusal='not_confirmed', outcome=refused_outcome('confirm'))
    if not world.get('operational', True):
        reason = 'kdump is not operational: the capture kernel is not loaded'
        module.fail_json(msg='refused, nothing changed: %s' % reason, refused=True, refusal='not_operational',
                         outcome=refused_outcome(reason))
    if format_size(world['reserved_bytes']) in world.get('no_space_at', []):
        reason = '/var/crash has 1024 bytes free but the dump needs up to 2147483648'
        module.fail_json(msg='refused, nothing changed: %s' % reason, refused=True, refusal='no_space',
                         outcome=refused_outcome(reason))
    if module.check_mode:
        module.exit_json(changed=True, triggered=False, marker={'boot_id': 'boot-%d' % world.get('crashes', 0)})
    world['crashes'] = world.get('crashes', 0) + 1
    with open(path, 'w') as handle:
        json.dump(world, handle)
    module.exit_json(changed=True, triggered=True, marker={'boot_id': 'boot-%d' % world['crashes']})


if __name__ == '__main__':
    main()
