#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kdump_info
short_description: Report whether kdump would capture a crash on this host, and why not
version_added: 0.1.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Read-only facts for reports - platform and packages, the service, whether a crash kernel is loaded,
    the crash kernel reservation, the dump target, free space against the expected dump size, and the dumps
    already present.
  - C(operational) comes from C(/sys/kernel/kexec_crash_loaded), never from systemd alone.
  - The expected dump size comes from C(makedumpfile --mem-usage /proc/kcore) when it works, else from RAM
    (see M(crashdump.kdump.kdump_crash)).
  - RV(containment) says whether a failed capture brings the host back by itself - a C(panic=) on the capture
    kernel's command line, a failure action that reboots, and a hardware watchdog that keeps running in the
    capture kernel.
  - RV(proof) says whether the last complete crash test, as M(crashdump.kdump.capture_proof) recorded it, still
    covers the host as it is now - same kernel, same kdump configuration files (byte for byte), same reservation,
    same RAM, same dump target.
options:
  estimate_dump_size:
    description:
      - Run C(makedumpfile --mem-usage /proc/kcore) for the expected dump size (a few seconds on large hosts).
        C(false) uses the bound from RAM.
    type: bool
    default: true
  config_file:
    description: The kdump configuration to summarise. Default C(/etc/kdump.conf) or C(/etc/default/kdump-tools).
    type: path
  sysconfig_file:
    description:
      - RHEL family file holding the capture kernel command line variables (C(KDUMP_COMMANDLINE_APPEND)), read for
        RV(containment.capture_panic) and digested with O(config_file) for RV(proof).
    type: path
    default: /etc/sysconfig/kdump
  crashkernel:
    description:
      - A reservation the playbook asks for, written as the O(crashdump.kdump.crashkernel#module:value) of
        M(crashdump.kdump.crashkernel) (V(default), a size, ranges, C(,high)). C(requested) in RV(crashkernel)
        then says what it reserves on this host and what the platform recommends - the numbers a crash test checks
        the reservation against, without another module call.
      - Checked as M(crashdump.kdump.crashkernel) checks it; a value it would refuse fails the task, naming this
        option.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - crashdump.kdump.platform
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: crashdump.kdump.kdump_service
  - module: crashdump.kdump.vmcore_info
  - module: crashdump.kdump.capture_proof
'''

EXAMPLES = r'''
- name: Collect kdump facts for the fleet report
  crashdump.kdump.kdump_info:
  register: kdump

- name: Show hosts where a crash would not be captured
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: not operational ({{ kdump.crashkernel.reserved_bytes }} bytes reserved)"
  when: not kdump.operational

- name: Show hosts whose last complete crash test no longer covers them
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ kdump.proof.status }} - {{ kdump.proof.detail }}"
  when: kdump.proof.status != 'current'

- name: Show hosts that would hang after a failed capture
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ kdump.containment.capture_panic.detail }}"
  when: not kdump.containment.capture_panic.in_place
'''

RETURN = r'''
changed:
  description: Always false.
  returned: always
  type: bool
platform:
  description: Platform name, family, major release, backend, tool path and kdump-utils version.
  returned: always
  type: dict
  sample: {"name": "debian", "family": "debian", "major": 12, "backend": "kdump-config"}
packages:
  description: Installed version of each kdump package, null when absent.
  returned: always
  type: dict
  sample: {"kdump-tools": "1:1.8.1", "kexec-tools": "1:2.0.25-3+b1", "makedumpfile": "1:1.7.2-1"}
packages_missing:
  description:
    - The packages kdump still needs on this host - on the Debian family C(kdump-tools), C(kexec-tools) and
      C(makedumpfile); on the RHEL family C(kexec-tools), and C(kdump-utils) when C(kdumpctl) is missing beside it.
      Empty when nothing is left to install.
  returned: always
  type: list
  elements: str
  sample: []
service:
  description: The systemd unit - C(unit), C(enabled), C(active), C(masked), C(missing), C(unit_file_state).
  returned: always
  type: dict
operational:
  description: True when a crash kernel is loaded; null when the kernel has no kexec/crash dump support.
  returned: always
  type: bool
operational_reason:
  description: Why RV(operational) is null.
  returned: when RV(operational) is null
  type: str
crashkernel:
  description:
    - C(configured) - C(crashkernel=) of the default boot entry (null when none or unreadable, then
      C(configured_error) says why); C(running) - from C(/proc/cmdline); C(reserved_bytes) - from
      C(/sys/kernel/kexec_crash_size).
    - C(requested), with O(crashkernel) only - C(value) (the value asked for, V(default) resolved),
      C(effective)/C(effective_bytes) (what it reserves for this host's RAM) and C(recommended)/C(recommended_bytes)
      (the distribution default for this host, null when unknown), as M(crashdump.kdump.crashkernel) returns them.
  returned: always
  type: dict
  sample: {"configured": "256M", "running": "256M", "reserved_bytes": 268435456,
           "requested": {"value": "256M", "effective": "256M", "effective_bytes": 268435456,
                         "recommended": "192M", "recommended_bytes": 201326592}}
config:
  description:
    - Dump target summary - C(type) (C(local), a filesystem type, C(nfs), C(ssh), C(raw), C(virtiofs), C(ftp),
      C(dracut-mount)), C(location), C(path), C(core_collector), C(dump_level), C(local_dir) (where dumps
      appear on this host, null for remote targets) and C(config_file).
  returned: always
  type: dict
space:
  description:
    - C(dump_dir), C(free_bytes), C(expected_dump_bytes), C(expected_source) and C(enough) (null when it
      cannot be told, for example for remote targets).
  returned: always
  type: dict
vmcores:
  description:
    - Dumps under the local dump directory - C(count), C(complete_count), C(newest) (directory name) and
      C(newest_complete). Use M(crashdump.kdump.vmcore_info) for details.
  returned: always
  type: dict
last_test:
  description:
    - The last C(kdumpctl test) as recorded by kdump-utils (C(state) C(success), C(fail), C(manual) or
      C(pending), C(test_id), C(date)); null when none was recorded.
  returned: always
  type: dict
test_marker:
  description:
    - State of the marker of M(crashdump.kdump.kdump_crash) - C(none) (no crash test was started), C(pending)
      (a crash is scheduled in this boot), C(completed) (the host rebooted since; whether that test's outcome was
      recorded is RV(proof.unrecorded_test)) or C(unreadable) (the marker file cannot be read or is not a marker).
  returned: always
  type: str
  sample: completed
proof:
  description:
    - Whether a complete crash test proves capture for the host as it is now, from the proof file
      M(crashdump.kdump.capture_proof) writes (C(/var/lib/crashdump-kdump/capture-proof.json)).
    - Any byte changed in a kdump configuration file counts, a comment too - a digest cannot tell what the tools
      make of a change, so such a change asks for a new test.
  returned: always
  type: dict
  contains:
    status:
      description:
        - C(current) - the last complete test covers the host as it is now; C(stale) - something changed since
          (RV(proof.reasons)); C(missing) - no complete test is recorded (never proven, or the proof file cannot
          be read, then RV(proof.detail) says why).
      type: str
      sample: stale
    reasons:
      description:
        - What changed since the last complete test, each C(what) - C(kernel) (release), C(configuration)
          (combined digest; C(files) lists the paths that changed, appeared or disappeared), C(reservation)
          (C(/sys/kernel/kexec_crash_size) bytes), C(memory) (bytes of RAM, compared only when counted the same
          way), C(target) (C(type), C(location), C(path)) - with C(then) and C(now). A value that cannot be read
          now or could not then is not counted as a change. Empty unless RV(proof.status) is C(stale).
      type: list
      elements: dict
      sample: [{"what": "kernel", "then": "6.1.0-27-amd64", "now": "6.1.0-28-amd64"},
               {"what": "configuration", "then": "5d1c...", "now": "e3b0...", "files": ["/etc/default/kdump-tools"]}]
    detail:
      description: One sentence saying the same in words.
      type: str
      sample: "the complete crash test of 2026-01-26T10:40:00Z no longer covers this host: the kernel changed
        (6.1.0-27-amd64, now 6.1.0-28-amd64)"
    tested_at:
      description: When the last complete test crashed the host (ISO 8601 UTC); null when RV(proof.status) is C(missing).
      type: str
      sample: "2026-01-26T10:40:00Z"
    dump:
      description: The dump of the last complete test; null when RV(proof.status) is C(missing).
      type: str
    last_test:
      description:
        - The most recently recorded test, whatever its outcome - C(outcome), C(complete), C(dump), C(detail),
          C(tested_at); null when none was recorded.
      type: dict
      sample: {"outcome": "incomplete", "complete": false, "dump": "/var/crash/202601261040/dump-incomplete",
               "detail": "the capture in /var/crash/202601261040 is incomplete: ...",
               "tested_at": "2026-01-26T10:40:00Z"}
    unrecorded_test:
      description:
        - True when the marker of M(crashdump.kdump.kdump_crash) is of a test crash that happened (RV(test_marker)
          is C(completed)) but its outcome was not recorded, so RV(proof.last_test) is older than the last test.
      type: bool
containment:
  description:
    - Whether a failed capture brings the host back by itself, as three safeguards. Each has C(in_place)
      (true, false, or null when it cannot be told from this host) and C(detail), one sentence saying why.
  returned: always
  type: dict
  contains:
    capture_panic:
      description:
        - The C(panic=) of the capture kernel's command line. The appended arguments count first - the effective
          C(KDUMP_CMDLINE_APPEND) on Debian (the file's value, else kdump-tools' built-in default, which has no
          C(panic=)), C(KDUMP_COMMANDLINE_APPEND) of O(sysconfig_file) on the RHEL family - then the command line
          the capture kernel inherits (C(/proc/cmdline), or C(KDUMP_CMDLINE)/C(KDUMP_COMMANDLINE) when set).
        - C(value) - seconds, null when there is no C(panic=) (or it is not a number); C(source) - where it comes
          from; C(in_place) - true when the capture kernel reboots after a panic (C(panic=0) waits forever).
      type: dict
      sample: {"value": 10, "source": "KDUMP_COMMANDLINE_APPEND in /etc/sysconfig/kdump", "in_place": true,
               "detail": "panic=10 from KDUMP_COMMANDLINE_APPEND in /etc/sysconfig/kdump reboots a capture kernel
               that panics after 10 s"}
    failure_action:
      description:
        - What the capture does when saving the dump fails. C(value) - the configured value or the platform's
          default (kdumpctl C(reboot), kdump-tools C(reboot -f)); C(configured) - whether it is set in the
          configuration; C(setting) - C(failure_action), C(default) (EL8 spelling) or C(KDUMP_FAIL_CMD).
        - C(in_place) - true when the host reboots after a failed capture (C(dump_to_rootfs) counts when
          C(final_action) is C(reboot)); null for a C(KDUMP_FAIL_CMD) not known to reboot or not.
      type: dict
      sample: {"value": "reboot -f", "configured": false, "setting": "KDUMP_FAIL_CMD", "in_place": true,
               "detail": "KDUMP_FAIL_CMD is not set, so kdump-tools runs reboot -f when saving the dump fails"}
    watchdog:
      description:
        - Whether a hardware watchdog resets the host when the capture kernel hangs without panicking.
        - C(devices) - each device under C(/sys/class/watchdog) with C(name), C(identity), C(state) (C(active),
          C(inactive), null when the kernel does not say), C(timeout) (seconds) and C(hardware) (false for the
          software watchdog, which does not run in the capture kernel).
        - C(active) - a hardware watchdog is running. C(used) - kdump's tooling carries it into the capture
          (kdumpctl adds its driver and dracut's watchdog module whenever one is active, unless C(dracut_args)
          omits that module; kdump-tools does nothing about watchdogs).
        - C(in_place) - true when a running hardware watchdog is carried into the capture; false when there is
          no running hardware watchdog; null when one runs but the capture's handling of it is not known.
      type: dict
      sample: {"devices": [], "active": false, "used": false, "in_place": false,
               "detail": "no watchdog device under /sys/class/watchdog, so nothing resets a capture kernel that hangs"}
    all_in_place:
      description: True only when all three are true (null counts as not in place).
      type: bool
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader import bootloader_for
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.containment import (
    WATCHDOG_CLASS_DIR,
    assess_containment,
    read_watchdogs,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import list_capture_dirs
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.proof import (
    PROOF_PATH,
    ProofError,
    assess_proof,
    parse_proof,
    read_covered_state,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.verdict import inspect_capture, summarize
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import (
    MARKER_UNREADABLE,
    MarkerError,
    marker_state,
    read_boot_id,
    read_marker,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.defaults import distro_default
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.plan import resolve_request
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    effective_crashkernel,
    format_size,
    split_args,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.space import (
    expected_dump_bytes,
    free_bytes,
    run_mem_usage,
    space_check,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import read_dump_target
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text
from ansible_collections.crashdump.kdump.plugins.module_utils.service.packages import installed_versions, missing_packages
from ansible_collections.crashdump.kdump.plugins.module_utils.service.backend import backend_for, observe
from ansible_collections.crashdump.kdump.plugins.module_utils.service.status import (
    VMCORE_CREATION_STATUS,
    resolve_last_test,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.kernel_runtime import (
    RuntimeReadError,
    read_cmdline,
    read_system_ram,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)

ARGUMENT_SPEC = dict(
    estimate_dump_size=dict(type='bool', default=True),
    config_file=dict(type='path'),
    sysconfig_file=dict(type='path', default='/etc/sysconfig/kdump'),
    crashkernel=dict(type='str'),
    platform=PLATFORM_ARGUMENT_SPEC,
)


def configured_crashkernel(module, platform):
    """``(value, error)``: crashkernel= of the default boot entry, read with the crashkernel module's readers."""
    machine = os.uname()[4]
    bootloader = bootloader_for(module, platform, machine)
    try:
        entries = bootloader.read()
    except (CrashkernelError, IOError, OSError) as error:
        return None, str(error)
    default = [entry for entry in entries if entry.get('default')]
    if not default:
        return None, 'no default boot entry found'
    return default[0].get('crashkernel'), None


def crashkernel_facts(module, platform, reserved_bytes):
    try:
        running, _low = effective_crashkernel(split_args(read_cmdline()))
    except RuntimeReadError:
        running = None
    configured, error = configured_crashkernel(module, platform)
    facts = {'configured': configured, 'running': running, 'reserved_bytes': reserved_bytes}
    if error:
        facts['configured_error'] = error
    return facts


def requested_reservation(module, platform, value):
    """What crashkernel=VALUE reserves on this host and what the platform recommends, as the crashkernel
    module resolves them; raises ``CrashkernelError`` naming the ``crashkernel`` option."""
    machine = os.uname()[4]
    default_value, _source = distro_default(module, platform, machine)
    try:
        request = resolve_request('present', value, None, platform.name, platform.family, machine,
                                  read_system_ram()[0], default_value)
    except CrashkernelError as error:
        raise CrashkernelError('crashkernel: %s' % re.sub(r'^value: ', '', str(error)))
    return {'value': request.value,
            'effective': format_size(request.effective_bytes) if request.effective_bytes else None,
            'effective_bytes': request.effective_bytes,
            'recommended': format_size(request.recommended_bytes) if request.recommended_bytes else None,
            'recommended_bytes': request.recommended_bytes}


def space_facts(module, target):
    dump_dir = target['local_dir']
    mem_usage = run_mem_usage(module) if module.params['estimate_dump_size'] else None
    expected, source = expected_dump_bytes(mem_usage, read_system_ram()[0], target['dump_level'])
    free = free_bytes(dump_dir) if dump_dir else None
    enough, _needed = space_check(free, expected)
    return {'dump_dir': dump_dir, 'free_bytes': free, 'expected_dump_bytes': expected,
            'expected_source': source, 'enough': enough}


def last_test(dump_dir):
    status_text = read_text(VMCORE_CREATION_STATUS)
    recorded = resolve_last_test(status_text)
    if recorded and recorded['state'] == 'pending' and dump_dir and recorded['test_id']:
        capture_status = read_text(os.path.join(dump_dir, 'kdump-test-%s' % recorded['test_id'],
                                                'vmcore-creation.status'))
        recorded = resolve_last_test(status_text, capture_status)
    return recorded


def containment_facts(module, platform, config_file):
    """``containment``: panic= of the capture kernel, failure action and watchdog (see capture_containment)."""
    try:
        proc_cmdline = read_cmdline()
    except RuntimeReadError:
        proc_cmdline = None
    sysconfig_file = module.params['sysconfig_file']
    return assess_containment(
        platform.family, read_text(config_file), config_file,
        sysconfig_text=read_text(sysconfig_file) if platform.family == 'rhel' else None,
        sysconfig_file=sysconfig_file, proc_cmdline=proc_cmdline, machine=os.uname()[4],
        watchdogs=read_watchdogs(WATCHDOG_CLASS_DIR))


def read_test_marker():
    """``(marker, state)`` of kdump_crash's marker; ``(None, 'unreadable')`` when it cannot be read."""
    try:
        marker = read_marker()
        return marker, marker_state(marker, read_boot_id())
    except (MarkerError, IOError, OSError):
        return None, MARKER_UNREADABLE


def test_marker_state():
    return read_test_marker()[1]


def proof_facts(module, platform, target, reserved_bytes):
    """``proof``: the recorded proof against the host as it is now (see capture_proof)."""
    marker, state = read_test_marker()
    now = read_covered_state(platform.family, target, module.params['sysconfig_file'], reserved_bytes)
    try:
        record = parse_proof(read_text(PROOF_PATH), PROOF_PATH)
    except (ProofError, IOError, OSError) as error:
        facts = assess_proof(None, now, marker, state)
        facts['detail'] = 'no proof can be told: %s' % error
        return facts
    return assess_proof(record, now, marker, state)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        platform = probe_platform(module, module.params['platform'])
    except PlatformError as error:
        module.fail_json(msg=str(error))
    requested = None
    if module.params['crashkernel'] is not None:
        try:
            requested = requested_reservation(module, platform, module.params['crashkernel'])
        except CrashkernelError as error:
            module.fail_json(msg=str(error))
    backend = backend_for(platform)
    service = observe(module, backend, module.get_bin_path('systemctl', required=True))
    target = read_dump_target(platform, module.params['config_file'])
    packages = installed_versions(module, platform.family)
    dumps = [inspect_capture(entry) for entry in list_capture_dirs(target['local_dir'])] \
        if target['local_dir'] else []
    result = dict(
        changed=False,
        platform=platform.as_dict(),
        packages=packages,
        packages_missing=missing_packages(platform.family, packages, bool(platform.tool_path)),
        service=dict(unit=backend.unit, enabled=service['enabled'], active=service['active'],
                     masked=service['masked'], missing=service['missing'],
                     unit_file_state=service['unit_file_state']),
        operational=service['operational'],
        crashkernel=crashkernel_facts(module, platform, service['reserved_bytes']),
        config=target,
        space=space_facts(module, target),
        vmcores=summarize(dumps),
        last_test=last_test(target['local_dir']),
        test_marker=test_marker_state(),
        proof=proof_facts(module, platform, target, service['reserved_bytes']),
        containment=containment_facts(module, platform, target['config_file']),
    )
    if requested is not None:
        result['crashkernel']['requested'] = requested
    if service['operational'] is None:
        result['operational_reason'] = service['kexec_reason']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
