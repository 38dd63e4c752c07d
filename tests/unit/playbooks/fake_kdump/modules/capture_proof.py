# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.capture_proof: the outcome as judged - with ``find_dump`` judged here, a complete dump
when the reservation holds ``captures_from``, else none - nothing recorded."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import classify_outcome


def judged_here():
    with open(os.path.join(os.environ['KDUMP_FAKE_WORLD'], os.environ['KDUMP_FAKE_HOST'] + '.json')) as handle:
        world = json.load(handle)
    dumps = []
    if world['reserved_bytes'] >= world['captures_from']:
        dumps = [{'name': '202601261040', 'path': '/var/crash/202601261040', 'complete': True, 'format': 'kdump',
                  'dump_file': '/var/crash/202601261040/dump.202601261040'}]
    return dumps, classify_outcome(True, dumps, '/var/crash')


def main():
    module = AnsibleModule(argument_spec=dict(outcome=dict(type='dict'), find_dump=dict(type='bool', default=False),
                                              marker=dict(type='dict')),
                           supports_check_mode=True)
    if module.params['find_dump']:
        dumps, outcome = judged_here()
        module.exit_json(changed=False, outcome=outcome, dumps=dumps)
    module.exit_json(changed=False, outcome=module.params['outcome'])


if __name__ == '__main__':
    main()
