# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake crashdump.kdump.capture_proof: the outcome as judged, nothing recorded."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(outcome=dict(type='dict', required=True)), supports_check_mode=True)
    module.exit_json(changed=False, outcome=module.params['outcome'])


if __name__ == '__main__':
    main()
