#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kdump_crash
short_description: Crash the host on purpose to prove that kdump captures a dump
version_added: 0.1.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - B(Destructive) - the host panics a few seconds after the module returns, the capture kernel saves a
    dump and the host reboots. Use M(crashdump.kdump.vmcore_info) with O(crashdump.kdump.vmcore_info#module:since)
    set to the returned RV(marker) once the host is back.
  - Refuses, without changing anything, unless O(confirm=true); unless kdump is operational
    (C(/sys/kernel/kexec_crash_loaded) is C(1)); unless the dump directory has room for the expected dump;
    and while an earlier test crash of this boot is still pending. A refusal fails the task with RV(refused=true),
    a short code in RV(refusal) for playbooks to branch on, and an RV(outcome) of C(refused).
  - The expected dump size comes from C(makedumpfile --mem-usage /proc/kcore) (pages the dump level keeps,
    uncompressed) and, when that does not work, from RAM - a quarter of RAM for dump levels that exclude
    cache, user and free pages (C(-d 31), the default everywhere), all of RAM otherwise.
  - Before the crash it writes a marker (boot id, time, method, dump path and the names of the capture
    directories that already exist) to O(marker_path) and returns it. A marker carrying the current boot id
    means a crash is pending, which blocks another test; after the reboot the boot id differs.
  - The marker also records the host state the test covers (C(covered)) - the running kernel release, a SHA-256
    digest of the kdump configuration files (O(config_file), and O(sysconfig_file) on the RHEL family), the crash
    kernel reservation, the machine's RAM and the dump target. M(crashdump.kdump.capture_proof) keeps it with the
    test's outcome, and M(crashdump.kdump.kdump_info) compares it with the host later.
  - The crash is scheduled detached from the module, after O(delay) seconds, so the task returns a clean
    result before the host goes down - with C(systemd-run) as a transient timer when available, else with
    C(setsid -f) as a process in its own session. The trigger enables kernel SysRq (C(/proc/sys/kernel/sysrq))
    just before the crash.
options:
  confirm:
    description: Must be C(true); anything else is refused.
    type: bool
    default: false
  method:
    description:
      - C(sysrq) writes C(c) to C(/proc/sysrq-trigger).
      - C(kdumpctl_test) runs C(kdumpctl test --force) (kdump-utils 1.0.45 and later, EL10) which also records
        the test so that C(kdumpctl status) reports it; its dump lands in C(kdump-test-<id>/).
    type: str
    default: sysrq
    choices: [sysrq, kdumpctl_test]
  delay:
    description: Seconds between the module's return and the crash, 1 to 300.
    type: int
    default: 5
  min_free_bytes:
    description:
      - Free bytes the dump directory needs, instead of the expected dump size.
    type: int
  target_free_bytes:
    description:
      - Free bytes on the dump target as measured where the dump goes - for an ssh or nfs target, on the dump
        server (M(crashdump.kdump.dump_server) returns it as C(free_bytes)). The expected dump size is compared
        with this number instead of a local directory's free space; too little is refused as C(no_space).
      - Mutually exclusive with O(skip_space_check).
    type: int
  skip_space_check:
    description:
      - Do not check free space. Required for targets whose space cannot be seen from this host (ssh, nfs,
        raw, a filesystem target that is not mounted), after checking the dump server yourself.
    type: bool
    default: false
  path:
    description:
      - The local directory the capture will be saved in. Default - from the kdump configuration (see
        M(crashdump.kdump.vmcore_info)).
    type: path
  marker_path:
    description: Where the marker is written.
    type: path
    default: /var/lib/crashdump-kdump/crash-marker.json
  config_file:
    description: The kdump configuration to read the dump target from.
    type: path
  sysconfig_file:
    description:
      - RHEL family - the file holding the capture kernel's command line variables, digested with O(config_file)
        into the marker's C(covered.config_digest). Not read on Debian.
    type: path
    default: /etc/sysconfig/kdump
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - crashdump.kdump.platform
attributes:
  check_mode:
    support: full
    details: Runs every check and returns the marker it would write; never writes it and never crashes the host.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - The connection to the host is lost a few seconds after the task. Follow it with
    M(ansible.builtin.wait_for_connection) using a C(delay) longer than O(delay).
  - On Debian a failed capture leaves the host hanging, because the capture kernel has no C(panic=) argument;
    a warning is returned when C(KDUMP_CMDLINE_APPEND) lacks it. Set
    O(crashdump.kdump.kdump_conf#module:capture_panic_timeout) to add one.
seealso:
  - module: crashdump.kdump.vmcore_info
  - module: crashdump.kdump.kdump_service
'''

EXAMPLES = r'''
- name: Crash the host to test kdump
  crashdump.kdump.kdump_crash:
    confirm: true
  register: crash

- name: Wait for the capture and the reboot
  ansible.builtin.wait_for_connection:
    delay: 60
    timeout: 900

- name: Check that the dump is there and complete
  crashdump.kdump.vmcore_info:
    since: "{{ crash.marker }}"
  register: vmcores
  failed_when: vmcores.complete_count != 1

- name: Record the outcome with what the test covered, for crashdump.kdump.kdump_info's proof
  crashdump.kdump.capture_proof:
    outcome: "{{ vmcores.outcome }}"
    marker: "{{ crash.marker }}"

- name: Use kdumpctl test, which also records the result for kdumpctl status
  crashdump.kdump.kdump_crash:
    confirm: true
    method: kdumpctl_test
'''

RETURN = r'''
changed:
  description: True when the crash was scheduled (or would be, in check mode).
  returned: always
  type: bool
triggered:
  description: Whether the crash was scheduled. False in check mode.
  returned: always
  type: bool
marker:
  description:
    - The marker written before the crash (in check mode, the one that would be written).
    - C(covered) is the host state the test covers - C(kernel_release); C(config_digest) (C(sha256) over all
      files, null when a file could not be read, and C(files), each C(path), C(sha256) and C(missing), a missing
      file having a null C(sha256)); C(reserved_bytes) (C(/sys/kernel/kexec_crash_size)); C(memory_bytes) and
      C(memory_source) (the top-level System RAM of C(/proc/iomem), else the online blocks of
      C(/sys/devices/system/memory); never C(MemTotal), which moves with the reservation); C(target) (C(type),
      C(location), C(path)). A value that could not be read is null.
    - Markers of version 1 (before C(covered) existed) are still read by every module.
  returned: always
  type: dict
  sample: {"version": 2, "boot_id": "0b3c...", "triggered_at": 1769424000.0, "trigger_delay": 5,
           "method": "sysrq", "dump_path": "/var/crash", "capture_dirs": ["202601261040"],
           "covered": {"kernel_release": "6.1.0-28-amd64",
                       "config_digest": {"sha256": "5d1c...", "files": [{"path": "/etc/default/kdump-tools",
                                                                         "sha256": "9a0f...", "missing": false}]},
                       "reserved_bytes": 268435456, "memory_bytes": 2146954240,
                       "memory_source": "/proc/iomem System RAM",
                       "target": {"type": "local", "location": null, "path": "/var/crash"}}}
marker_path:
  description: Where the marker is (or would be) written.
  returned: always
  type: str
method:
  description: How the crash is triggered.
  returned: always
  type: str
dump_path:
  description: The local directory where the capture is expected; null for remote targets.
  returned: always
  type: str
free_bytes:
  description: Free bytes in O(path); null when not checked.
  returned: always
  type: int
expected_dump_bytes:
  description:
    - The most the dump is expected to take, compared with the free space; null when not checked.
    - When the target has more free space than all of RAM, this is all of RAM with room for headers, and
      C(makedumpfile --mem-usage) (which reads all of memory) is not run; else the count from
      C(makedumpfile --mem-usage), or a bound from RAM without it (see RV(expected_source)).
  returned: always
  type: int
expected_source:
  description: How RV(expected_dump_bytes) was found.
  returned: always
  type: str
trigger_command:
  description: The command that schedules the crash.
  returned: always
  type: list
  elements: str
refused:
  description:
    - Set when the task failed. True when the module refused before changing anything (see RV(refusal)); false
      when the checks passed but scheduling the crash failed.
  returned: when the task failed after the parameters were accepted
  type: bool
refusal:
  description:
    - Why the module refused, as a short code - C(not_confirmed) (O(confirm) is not true), C(bad_parameter)
      (O(delay) or O(min_free_bytes) out of range), C(platform_unknown), C(marker_unreadable),
      C(test_pending) (a test crash of this boot is still pending), C(not_operational) (no crash kernel loaded),
      C(method_unsupported) (O(method=kdumpctl_test) without C(kdumpctl test)), C(space_unknown) (free space
      cannot be checked from this host), C(no_space), C(no_scheduler) (neither C(systemd-run) nor C(setsid)),
      C(marker_not_written). C(msg) says the same in words.
  returned: when RV(refused=true)
  type: str
  sample: not_operational
outcome:
  description:
    - The test crash's outcome record, C(refused), in the shape M(crashdump.kdump.vmcore_info) returns
      (C(outcome), C(complete), C(detail), C(dump)).
  returned: when RV(refused=true)
  type: dict
  sample: {"outcome": "refused", "complete": false, "dump": null,
           "detail": "the test crash was refused and the host not crashed: kdump is not operational: ..."}
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import list_capture_dirs
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.proof import read_covered_state
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import (
    MARKER_PATH,
    MarkerError,
    build_marker,
    marker_state,
    read_boot_id,
    read_marker,
    write_marker,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import refused_outcome
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.containment import panic_warning
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.trigger import detached_command, trigger_program
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.space import (
    dump_bound,
    free_bytes,
    run_mem_usage,
    space_check,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import read_dump_target
from ansible_collections.crashdump.kdump.plugins.module_utils.service.status import read_crash_loaded
from ansible_collections.crashdump.kdump.plugins.module_utils.common.kernel_runtime import read_system_ram
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)

ARGUMENT_SPEC = dict(
    confirm=dict(type='bool', default=False),
    method=dict(type='str', default='sysrq', choices=['sysrq', 'kdumpctl_test']),
    delay=dict(type='int', default=5),
    min_free_bytes=dict(type='int'),
    target_free_bytes=dict(type='int'),
    skip_space_check=dict(type='bool', default=False),
    path=dict(type='path'),
    marker_path=dict(type='path', default=MARKER_PATH),
    config_file=dict(type='path'),
    sysconfig_file=dict(type='path', default='/etc/sysconfig/kdump'),
    platform=PLATFORM_ARGUMENT_SPEC,
)
DELAY_RANGE = (1, 300)


class Refusal(Exception):
    """The crash must not happen; the message says why and ``code`` names the cause. Nothing was changed."""

    def __init__(self, code, message):
        super(Refusal, self).__init__(message)
        self.code = code


def check_params(params):
    if params['confirm'] is not True:
        raise Refusal('not_confirmed', 'confirm: this module crashes the host; set confirm: true to proceed')
    if not DELAY_RANGE[0] <= params['delay'] <= DELAY_RANGE[1]:
        raise Refusal('bad_parameter', 'delay: %d is out of range; allowed: %d to %d seconds'
                      % ((params['delay'],) + DELAY_RANGE))
    if params['min_free_bytes'] is not None and params['min_free_bytes'] < 0:
        raise Refusal('bad_parameter', 'min_free_bytes: %d is negative; allowed: 0 or more bytes'
                      % params['min_free_bytes'])
    if params['target_free_bytes'] is not None:
        if params['target_free_bytes'] < 0:
            raise Refusal('bad_parameter', 'target_free_bytes: %d is negative; allowed: 0 or more bytes'
                          % params['target_free_bytes'])
        if params['skip_space_check']:
            raise Refusal('bad_parameter', 'target_free_bytes and skip_space_check exclude each other; allowed: '
                                           'one of them')


def check_not_pending(marker_path, boot_id):
    try:
        marker = read_marker(marker_path)
    except MarkerError as error:
        raise Refusal('marker_unreadable', str(error))
    if marker_state(marker, boot_id) == 'pending':
        raise Refusal('test_pending',
                      'a test crash was already scheduled in this boot at %s (marker %s) and has not happened; '
                      'wait for it, or remove the marker if it failed'
                      % (time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(float(marker['triggered_at']))),
                         marker_path))


def check_operational():
    loaded, reason = read_crash_loaded()
    if loaded is None:
        raise Refusal('not_operational', 'kdump is not operational: %s' % reason)
    if not loaded:
        raise Refusal('not_operational',
                      'kdump is not operational: /sys/kernel/kexec_crash_loaded is 0 (no crash kernel loaded); '
                      'start it with crashdump.kdump.kdump_service')


def check_method(module, platform, method):
    """The path of kdumpctl for ``kdumpctl_test``; None for ``sysrq``."""
    if method != 'kdumpctl_test':
        return None
    kdumpctl = module.get_bin_path('kdumpctl')
    if platform.family != 'rhel' or not platform.has_feature('test') or not kdumpctl:
        raise Refusal('method_unsupported',
                      "method: 'kdumpctl_test' needs kdumpctl test (kdump-utils 1.0.45 or later, EL10); "
                      'this host is %s; allowed here: sysrq' % platform.name)
    return kdumpctl


def check_space(module, target, dump_dir):
    """``(free, expected, source)``; raises ``Refusal`` when the dump may not fit or cannot be checked."""
    params = module.params
    if params['skip_space_check']:
        return None, None, None
    measured = params['target_free_bytes']
    if measured is not None:
        where = 'the %s target %s' % (target['type'], target['location'] or target['path'])
    elif dump_dir is None:
        raise Refusal('space_unknown',
                      'dumps go to %s target %s: free space cannot be checked on this host; check the target '
                      'and set skip_space_check: true' % (target['type'], target['location'] or target['path']))
    else:
        where = dump_dir
    free = measured if measured is not None else free_bytes(dump_dir)
    expected, source = dump_bound(free, read_system_ram()[0], target['dump_level'], lambda: run_mem_usage(module))
    enough, needed = space_check(free, expected, params['min_free_bytes'])
    if enough is None:
        raise Refusal('space_unknown',
                      'cannot tell whether %s has room for the dump (free %s, needed %s); set min_free_bytes '
                      'or skip_space_check' % (where, free, needed))
    if not enough:
        raise Refusal('no_space', '%s has %d bytes free but the dump needs up to %d (%s); free space there or set '
                      'min_free_bytes' % (where, free, needed,
                                          'min_free_bytes' if params['min_free_bytes'] is not None else source))
    return free, expected, source


def preflight(module):
    """Every check before anything changes; returns what the crash needs, or raises ``Refusal``."""
    params = module.params
    check_params(params)
    try:
        platform = probe_platform(module, params['platform'])
    except PlatformError as error:
        raise Refusal('platform_unknown', str(error))
    target = read_dump_target(platform, params['config_file'])
    dump_dir = params['path'] or target['local_dir']
    boot_id = read_boot_id()
    check_not_pending(params['marker_path'], boot_id)
    check_operational()
    kdumpctl = check_method(module, platform, params['method'])
    free, expected, source = check_space(module, target, dump_dir)
    command = detached_command(module.get_bin_path('systemd-run'), module.get_bin_path('setsid'), params['delay'],
                               trigger_program(params['method'], kdumpctl), unit_suffix=str(int(time.time())))
    if command is None:
        raise Refusal('no_scheduler',
                      'neither systemd-run nor setsid is installed, so the crash cannot be scheduled to happen '
                      'after the module has returned')
    return dict(platform=platform, target=target, dump_dir=dump_dir, boot_id=boot_id, command=command,
                free_bytes=free, expected_dump_bytes=expected, expected_source=source)


def refuse(module, code, reason):
    """Fail the task as a refusal: nothing was changed."""
    module.fail_json(msg='refused, nothing changed: %s' % reason, changed=False, triggered=False,
                     refused=True, refusal=code, outcome=refused_outcome(reason))


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    try:
        checked = preflight(module)
    except Refusal as refusal:
        refuse(module, refusal.code, str(refusal))

    warning = panic_warning(checked['platform'], checked['target']['config_file'])
    if warning:
        module.warn(warning)
    dump_dir = checked['dump_dir']
    existing = [entry['name'] for entry in list_capture_dirs(dump_dir)] if dump_dir else []
    covered = read_covered_state(checked['platform'].family, checked['target'], params['sysconfig_file'])
    marker = build_marker(checked['boot_id'], time.time(), params['delay'], params['method'], dump_dir, existing,
                          covered=covered)
    result = dict(changed=True, triggered=False, marker=marker, marker_path=params['marker_path'],
                  method=params['method'], dump_path=dump_dir, free_bytes=checked['free_bytes'],
                  expected_dump_bytes=checked['expected_dump_bytes'], expected_source=checked['expected_source'],
                  trigger_command=checked['command'])
    if module.check_mode:
        module.exit_json(**result)

    try:
        write_marker(marker, params['marker_path'])
    except (IOError, OSError) as error:
        refuse(module, 'marker_not_written', 'cannot write the marker %s: %s' % (params['marker_path'], error))
    rc, out, err = module.run_command(checked['command'])
    if rc != 0:
        os.unlink(params['marker_path'])
        module.fail_json(msg='could not schedule the crash (%s): %s; the marker was removed'
                             % (' '.join(checked['command']), (err or out).strip() or 'rc=%s' % rc),
                         changed=False, triggered=False, refused=False)
    result['triggered'] = True
    module.exit_json(**result)


if __name__ == '__main__':
    main()
