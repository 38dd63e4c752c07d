#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kdump_service
short_description: Start, stop, reload or rebuild kdump and tell whether a crash would be captured
version_added: 0.1.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Drives C(kdump.service) and C(kdumpctl) on the RHEL family, C(kdump-tools.service) and C(kdump-config)
    on the Debian family.
  - C(operational) comes from C(/sys/kernel/kexec_crash_loaded), never from systemd alone; C(kdump.service)
    is a oneshot unit whose "active" state only reflects its last run.
  - Refuses, before changing anything, with a message naming the cause when the unit is masked or missing,
    the kernel has no kexec/crash dump support, or no memory is reserved for the crash kernel.
options:
  state:
    description:
      - C(started) ensures a crash kernel is loaded; nothing is done when one already is. When the unit is
        active but nothing is loaded, the unit is restarted.
      - C(stopped) stops the unit and unloads the crash kernel.
      - C(restarted) always restarts the unit (on the RHEL family this rebuilds the kdump initramfs when
        C(/etc/kdump.conf) changed).
      - C(reloaded) reloads the crash kernel without rebuilding the initramfs (C(kdumpctl reload),
        C(kdump-config reload)); starts the unit when nothing is loaded.
      - C(rebuilt) rebuilds the kdump initramfs (C(kdumpctl rebuild); on Debian the kdump-tools kernel hook
        C(/etc/kernel/postinst.d/kdump-tools) for the running kernel), then restarts the unit.
    type: str
    choices: [started, stopped, restarted, reloaded, rebuilt]
  enabled:
    description: Whether the unit starts at boot.
    type: bool
  wait_operational:
    description:
      - After a state that loads the crash kernel, poll C(/sys/kernel/kexec_crash_loaded) until it is C(1),
        and fail when O(timeout) passes first. Ignored in check mode.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for C(operational) when O(wait_operational=true).
    type: int
    default: 120
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - crashdump.kdump.platform
attributes:
  check_mode:
    support: full
    details:
      - Reports the commands that would run in RV(actions); the host is not changed.
      - Where kdump is not installed yet (its unit or tool is missing), plans as right after its installation
        (unit disabled and inactive) and returns RV(installed=false), so a check run of a play that installs
        kdump first completes. Without check mode that is an error.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - At least one of O(state) and O(enabled) is required.
  - The RHEL family keeps the systemd unit in step with the crash kernel by starting, stopping and restarting
    through C(systemctl); C(reloaded) and C(rebuilt) use C(kdumpctl) directly.
seealso:
  - module: crashdump.kdump.kdump_conf
  - module: crashdump.kdump.crashkernel
  - module: crashdump.kdump.kdump_info
'''

EXAMPLES = r'''
- name: Apply a changed kdump configuration and make sure a crash would be captured
  crashdump.kdump.kdump_service:
    state: restarted
    enabled: true
  register: kdump_service

- name: Fail unless the crash kernel is loaded
  ansible.builtin.assert:
    that: kdump_service.operational

- name: Load the crash kernel again after changing only the capture kernel command line
  crashdump.kdump.kdump_service:
    state: reloaded

- name: Switch kdump off
  crashdump.kdump.kdump_service:
    state: stopped
    enabled: false
'''

RETURN = r'''
changed:
  description: Whether a step ran (or would run in check mode).
  returned: always
  type: bool
actions:
  description: The commands run (or that would run in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["/usr/bin/systemctl restart kdump-tools.service"]
operational:
  description: True when C(/sys/kernel/kexec_crash_loaded) is C(1) after the steps; null when the kernel has no such file.
  returned: always
  type: bool
service_enabled:
  description: Whether the unit is enabled, after the steps (predicted in check mode).
  returned: always
  type: bool
service_active:
  description: systemd's C(ActiveState) is C(active) after the steps; not proof that a crash would be captured.
  returned: always
  type: bool
reserved_bytes:
  description: Bytes reserved for the crash kernel (C(/sys/kernel/kexec_crash_size)); null when unreadable.
  returned: always
  type: int
  sample: 268435456
messages:
  description: The lines C(kdumpctl), C(kdump-config) and C(systemctl) printed, in order, including the final status.
  returned: always
  type: list
  elements: str
  sample: ["kdump: Kdump is operational"]
last_test:
  description:
    - kdumpctl's vmcore creation test status (kdump-utils 1.0.45 and later). C(state) is C(success), C(fail),
      C(manual) or C(none); C(date) as kdumpctl prints it.
  returned: when kdumpctl prints it
  type: dict
  sample: {"state": "success", "date": "Tue Jan  2 10:00:00 UTC 2024", "line": "Notice: Last successful vmcore creation test on Tue Jan  2 10:00:00 UTC 2024"}
installed:
  description:
    - Whether kdump's unit and tool are on the host. In check mode, when false, the actions are planned as right
      after its installation (see the C(check_mode) attribute).
  returned: always
  type: bool
unit:
  description: The systemd unit driven.
  returned: always
  type: str
  sample: kdump.service
platform:
  description: The platform the service was driven as.
  returned: always
  type: dict
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.service.backend import (
    STATES,
    ServiceError,
    as_after_install,
    backend_for,
    observe,
    plan_service,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.service.status import (
    parse_kdumpctl_status,
    read_crash_loaded,
    tool_lines,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)

ARGUMENT_SPEC = dict(
    state=dict(type='str', choices=list(STATES)),
    enabled=dict(type='bool'),
    wait_operational=dict(type='bool', default=True),
    timeout=dict(type='int', default=120),
    platform=PLATFORM_ARGUMENT_SPEC,
)
POLL_INTERVAL = 1.0
LOADING_STATES = ('started', 'restarted', 'reloaded', 'rebuilt')


def _tool_path(module, platform, backend):
    """kdump's own tool; None in check mode when it is not installed (a real run fails)."""
    return platform.tool_path or module.get_bin_path(backend.tool, required=not module.check_mode)


def _journal_lines(module, unit):
    journalctl = module.get_bin_path('journalctl')
    if not journalctl:
        return []
    rc, out, _err = module.run_command([journalctl, '--no-pager', '-o', 'cat', '-n', '30', '-u', unit])
    return tool_lines(out) if rc == 0 else []


def run_steps(module, backend, steps, tool_path, systemctl, messages):
    """Run each step's commands; fail with the messages (and the unit's journal) on the first error."""
    actions = []
    for step in steps:
        for argv in backend.commands(step, tool_path, systemctl, kernel_release=os.uname()[2]):
            actions.append(' '.join(argv))
            if module.check_mode:
                continue
            rc, out, err = module.run_command(argv)
            messages.extend(tool_lines(out, err))
            if rc != 0:
                if argv[0] == systemctl:
                    messages.extend(_journal_lines(module, backend.unit))
                module.fail_json(msg='%s failed (rc=%s) while trying to reach state %s: %s'
                                 % (' '.join(argv), rc, module.params['state'],
                                    ' | '.join(messages[-5:]) or 'no output'),
                                 changed=bool(actions[:-1]), actions=actions, messages=messages)
    return actions


def wait_until_operational(timeout, sleep=time.sleep, clock=time.time):
    """Poll the kernel until a crash kernel is loaded; returns the last reading."""
    deadline = clock() + timeout
    loaded, _reason = read_crash_loaded()
    while not loaded and clock() < deadline:
        sleep(POLL_INTERVAL)
        loaded, _reason = read_crash_loaded()
    return loaded


def final_status(module, platform, backend, tool_path, messages):
    """``last_test`` from ``kdumpctl status`` (RHEL) and the status lines of either tool."""
    rc, out, err = module.run_command(backend.status_command(tool_path))
    messages.extend(tool_lines(out, err))
    if platform.family == 'rhel':
        return parse_kdumpctl_status(rc, out, err)['last_test']
    return None


def build_result(module, platform, backend, steps, actions, after, messages, last_test):
    """The module result; in check mode ``service_enabled`` is the predicted value."""
    enabled = after['enabled']
    if module.check_mode and module.params['enabled'] is not None:
        enabled = module.params['enabled']
    result = dict(changed=bool(steps), actions=actions, operational=after['operational'], service_enabled=enabled,
                  service_active=after['active'], reserved_bytes=after['reserved_bytes'], messages=messages,
                  unit=backend.unit, platform=platform.as_dict())
    if last_test is not None:
        result['last_test'] = last_test
    return result


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           required_one_of=[('state', 'enabled')])
    params = module.params
    if params['timeout'] < 0:
        module.fail_json(msg='timeout: %d is negative; allowed: 0 or more seconds' % params['timeout'])
    try:
        platform = probe_platform(module, params['platform'])
    except PlatformError as error:
        module.fail_json(msg=str(error))
    backend = backend_for(platform)
    systemctl = module.get_bin_path('systemctl', required=True)
    tool_path = _tool_path(module, platform, backend)

    before = observe(module, backend, systemctl)
    installed = tool_path is not None and not before['missing']
    planned_from = before
    messages = []
    if not installed and module.check_mode:
        # A check run of a play that installs kdump first.
        planned_from = as_after_install(before)
        tool_path = tool_path or backend.tool
        messages.append('kdump is not installed (%s, %s): planned as right after its installation'
                        % (backend.unit, backend.tool))
    try:
        steps = plan_service(backend.unit, params['state'], params['enabled'], planned_from)
    except ServiceError as error:
        module.fail_json(msg=str(error), changed=False, operational=before['operational'],
                         reserved_bytes=before['reserved_bytes'], installed=installed)

    actions = run_steps(module, backend, steps, tool_path, systemctl, messages)
    must_be_operational = (params['state'] in LOADING_STATES and params['wait_operational']
                           and not module.check_mode)
    if must_be_operational:
        wait_until_operational(params['timeout'])
    after = before if module.check_mode else observe(module, backend, systemctl)
    last_test = final_status(module, platform, backend, tool_path, messages) if installed else None
    result = build_result(module, platform, backend, steps, actions, after, messages, last_test)
    result['installed'] = installed
    if must_be_operational and not after['operational']:
        module.fail_json(msg='kdump is not operational %d s after %s: /sys/kernel/kexec_crash_loaded is not 1; '
                             'see messages' % (params['timeout'], ', '.join(actions) or 'no action'), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
