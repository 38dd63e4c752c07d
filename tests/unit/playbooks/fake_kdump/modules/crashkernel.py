# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.crashkernel: the boot configuration is the world's ``configured``; it takes effect at once."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import format_size, parse_crashkernel


def main():
    module = AnsibleModule(argument_spec=dict(value=dict(type='str', default='default'), low=dict(type='str'),
                                              state=dict(type='str', default='present'),
                                              estimate=dict(type='bool', default=True),
                                              backup=dict(type='bool', default=False)),
                           supports_check_mode=True)
    path = os.path.join(os.environ['KDUMP_FAKE_WORLD'], os.environ['KDUMP_FAKE_HOST'] + '.json')
    with open(path) as handle:
        world = json.load(handle)
    value = module.params['value']
    if value == 'default':
        value = world['default']
    if module.params['state'] == 'absent':
        value = None
    effective = parse_crashkernel(value).resolve(world['ram']) if value else None
    changed = value != world['configured']
    if changed and not module.check_mode:
        world['configured'] = value
        world['reserved_bytes'] = effective or 0
        world.setdefault('set', []).append(value)
        with open(path, 'w') as handle:
            json.dump(world, handle)
    default_bytes = parse_crashkernel(world['default']).resolve(world['ram'])
    module.exit_json(changed=changed, crashkernel=value, running=world['configured'], running_low=None,
                     # As the real module: the boot entries after the change - in check mode, the plan.
                     configured=[{'index': 0, 'default': True, 'crashkernel': value,
                                  'crashkernel_low': None}],
                     reserved_bytes=world['reserved_bytes'], system_ram_bytes=world['ram'],
                     effective=format_size(effective) if effective else None, effective_bytes=effective,
                     recommended=format_size(default_bytes), recommended_bytes=default_bytes,
                     estimate={'recommended': world['estimate']} if world.get('estimate') else None,
                     reboot_required=False, reboot_reason=None)


if __name__ == '__main__':
    main()
