#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: crashkernel
short_description: Reserve memory for the kdump capture kernel (crashkernel=) and tell whether a reboot is needed
version_added: 0.1.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Sets or removes the C(crashkernel=) kernel argument in the boot configuration, so that it survives kernel and
    package updates, and reports what the running kernel reserved and whether a reboot is needed.
  - RHEL family (RHEL 8/9/10 and rebuilds, Fedora) - C(grubby) changes the boot entries (on RHEL 8 through
    C($kernelopts) in grubenv where entries use it). With O(kernel=ALL) the module also keeps C(GRUB_CMDLINE_LINUX)
    in C(/etc/default/grub) and C(/etc/kernel/cmdline) (when that file exists) on the same value, so a kernel
    installed later inherits it. s390x (zipl) and OSTree hosts are not supported yet.
  - On EL9 and later a value other than the distribution default, and O(state=absent), also write
    C(auto_reset_crashkernel no) to O(kdump_config_file) when that file exists; otherwise the next kdump package
    update or kernel installation puts the default back.
  - Debian family - the value is kept in the GRUB drop-in of kdump-tools (O(grub_dropin)), C(crashkernel=) is
    removed from every other C(GRUB_CMDLINE_LINUX*) assignment in C(/etc/default/grub) and
    C(/etc/default/grub.d/*.cfg), and C(update-grub) regenerates C(/boot/grub/grub.cfg) when something changed or
    C(grub.cfg) is stale.
  - Everything is validated before anything changes. A malformed size or range list, a value that reserves nothing
    or more than half of the RAM of this host, C(auto) outside RHEL 8 or an unknown kernel fail the task and leave
    the host untouched. A value below the distribution default for this RAM is a warning.
  - The module never reboots. A changed reservation takes effect at the next boot; RV(reboot_required) and
    RV(reboot_reason) say whether that is still pending.
options:
  value:
    description:
      - The C(crashkernel=) value.
      - C(default) is the distribution recommendation - the output of C(kdumpctl get-default-crashkernel) where
        that command exists (RHEL 9 and later), otherwise the value the release ships (RHEL 8 the ranges behind
        C(crashkernel=auto); Debian the kdump-tools drop-in value, C(384M-:128M) before kdump-tools 1:1.9 and
        C(512M-:192M) from it on amd64).
      - C(auto) is only accepted on RHEL 8.
      - A size such as C(256M) or C(1G) (units K, M, G, T, P, E), optionally C(@offset) such as C(256M@16M).
      - A range list C(<start>-[<end>]:<size>,...) such as C(1G-4G:192M,4G-64G:256M,64G-:512M). The end of a range
        is excluded; ranges must be ascending and must not overlap. The kernel compares each range with its RAM
        rounded up to 128M.
      - C(<size>,high) to reserve above 4G; see O(low).
      - Ignored with O(state=absent).
    type: str
    default: default
  low:
    description:
      - Size for an extra C(crashkernel=<size>,low) argument, only together with a C(<size>,high) O(value).
      - Debian family only for now; on the RHEL family it is an error.
    type: str
  state:
    description:
      - C(present) sets O(value); C(absent) removes every C(crashkernel=) argument.
    type: str
    default: present
    choices: [present, absent]
  kernel:
    description:
      - Which boot entries to change on the RHEL family. C(ALL) every entry (and the files new kernels inherit from),
        C(DEFAULT) the default entry, or a kernel path (C(/boot/vmlinuz-5.14.0-362.el9.x86_64)) or release
        (C(5.14.0-362.el9.x86_64)) for one entry.
      - On the Debian family the drop-in applies to every kernel, so only C(ALL) and C(DEFAULT) are accepted.
    type: str
    default: ALL
  estimate:
    description:
      - Ask the kdump tools for a size estimate for this host and return it in RV(estimate)
        (C(kdumpctl estimate), or C(kdump-config show) on Debian).
      - kdump-utils (RHEL 10) builds the kdump initramfs before estimating when it is missing, which takes a while;
        it is not run in check mode there.
    type: bool
    default: true
  kdump_config_file:
    description:
      - kdump.conf that receives C(auto_reset_crashkernel no) on EL9 and later (see the description).
    type: path
    default: /etc/kdump.conf
  grub_dropin:
    description:
      - The GRUB drop-in that holds the value on the Debian family.
    type: path
    default: /etc/default/grub.d/kdump-tools.cfg
  backup:
    description:
      - Keep a timestamped copy of each configuration file before changing it.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - crashdump.kdump.platform
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
notes:
  - Needs root. The running kernel is read from C(/proc/cmdline), the reservation from C(/sys/kernel/kexec_crash_size)
    (retried while the kernel answers EBUSY) and the RAM from the C(System RAM) ranges of C(/proc/iomem).
  - RV(reboot_required) compares the next boot's value (the default boot entry on the RHEL family, the first entry of
    C(grub.cfg) on Debian) with the value the running kernel was booted with.
  - Only a real crash shows that a reservation is big enough; see the collection's capture test.
seealso:
  - name: Kernel documentation of crashkernel=
    description: Syntax of sizes, ranges, offsets, high and low reservations.
    link: https://docs.kernel.org/admin-guide/kdump/kdump.html
'''

EXAMPLES = r'''
- name: Reserve the distribution default for this host
  crashdump.kdump.crashkernel:
    value: default
  register: crashkernel

- name: Reserve 256M on every boot entry
  crashdump.kdump.crashkernel:
    value: 256M

- name: Reserve by RAM size
  crashdump.kdump.crashkernel:
    value: 1G-4G:192M,4G-64G:256M,64G-:512M

- name: Reserve high memory with a separate low part (Debian)
  crashdump.kdump.crashkernel:
    value: 512M,high
    low: 128M

- name: Only the default boot entry
  crashdump.kdump.crashkernel:
    value: 320M
    kernel: DEFAULT

- name: Remove the reservation
  crashdump.kdump.crashkernel:
    state: absent

- name: Tell the operator which hosts need a reboot
  ansible.builtin.debug:
    msg: "{{ crashkernel.reboot_reason }}"
  when: crashkernel.reboot_required
'''

RETURN = r'''
changed:
  description: Whether a boot entry or file was (in check mode, would be) changed.
  returned: always
  type: bool
crashkernel:
  description: The C(crashkernel=) value written (C(default) resolved), null with O(state=absent).
  returned: always
  type: str
  sample: 256M
crashkernel_low:
  description: The C(crashkernel=<size>,low) size written, null when none.
  returned: always
  type: str
changes:
  description: One sentence per change made (or planned in check mode).
  returned: always
  type: list
  elements: str
  sample: ["boot entry 0 (/boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64): crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M -> crashkernel=256M"]
configured:
  description:
    - The boot entries after the change - from C(grubby --info=ALL) on the RHEL family, from C(/boot/grub/grub.cfg)
      on Debian. In check mode, the planned state.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: Entry index (grubby index, or position in C(grub.cfg)).
      type: int
    kernel:
      description: Kernel image of the entry.
      type: str
    title:
      description: Title of the entry.
      type: str
    crashkernel:
      description: The C(crashkernel=) value the kernel would use when booting this entry, null when none.
      type: str
    crashkernel_low:
      description: The C(crashkernel=<size>,low) size of the entry, null when none.
      type: str
    default:
      description: Whether this is the entry booted next by default.
      type: bool
running:
  description: The C(crashkernel=) value the running kernel was booted with (from C(/proc/cmdline)), null when none.
  returned: always
  type: str
  sample: 384M-:128M
running_low:
  description: The C(crashkernel=<size>,low) size of the running kernel, null when none.
  returned: always
  type: str
reserved_bytes:
  description:
    - Bytes the running kernel reserved for the capture kernel (C(/sys/kernel/kexec_crash_size)); null when it
      cannot be read (see RV(reserved_reason)).
  returned: always
  type: int
  sample: 268435456
reserved_reason:
  description: Why RV(reserved_bytes) is null; null otherwise.
  returned: always
  type: str
system_ram_bytes:
  description: RAM of this host as used for resolving ranges (before the kernel's rounding up to 128M).
  returned: always
  type: int
  sample: 2146938880
effective:
  description: What the written value reserves on this host, as a size (ranges resolved for its RAM); null with
    O(state=absent) or when it cannot be told.
  returned: always
  type: str
  sample: 256M
effective_bytes:
  description: RV(effective) in bytes.
  returned: always
  type: int
  sample: 268435456
recommended:
  description: What the distribution default reserves on this host, as a size; null when unknown.
  returned: always
  type: str
  sample: 128M
recommended_bytes:
  description: RV(recommended) in bytes.
  returned: always
  type: int
default_value:
  description: The distribution default C(crashkernel=) value for this host, null when unknown.
  returned: always
  type: str
  sample: 1G-4G:192M,4G-64G:256M,64G-:512M
default_source:
  description: Where RV(default_value) came from (the kdumpctl command or the built-in table).
  returned: always
  type: str
  sample: kdumpctl get-default-crashkernel
estimate:
  description:
    - The kdump tools' estimate, null when not available (see RV(estimate_reason)).
  returned: always
  type: dict
  contains:
    source:
      description: The command that produced it.
      type: str
      sample: kdumpctl estimate
    recommended:
      description: The recommended reservation, as the tool prints it.
      type: str
      sample: 192M
    reserved:
      description: The current reservation as the tool prints it (RHEL family), else null.
      type: str
    details:
      description: Further lines of the tool's output, keyed by their label in snake case (for example
        C(kernel_image_size), C(initramfs_size), C(large_modules), C(warning)).
      type: dict
estimate_reason:
  description: Why RV(estimate) is null; null otherwise.
  returned: always
  type: str
  sample: "kdumpctl estimate (rc=1): kdump: kdumpctl estimate: kdump initramfs is not built yet."
reboot_required:
  description: Whether the next boot's C(crashkernel=) differs from the one the running kernel was booted with.
  returned: always
  type: bool
reboot_reason:
  description: One sentence saying why a reboot is needed; null when none is.
  returned: always
  type: str
  sample: >-
    the default boot entry (/boot/vmlinuz-6.1.0-18-amd64) has crashkernel=256M but the running kernel was booted
    with crashkernel=384M-:128M and reserved 128M
auto_reset_crashkernel:
  description: Whether C(auto_reset_crashkernel no) was (or would be) written to O(kdump_config_file).
  returned: always
  type: bool
backup_files:
  description: Backups made, file name to backup name.
  returned: when O(backup=true) and a file changed
  type: dict
platform:
  description: The platform the module worked with.
  returned: always
  type: dict
  sample: {"name": "el9", "family": "rhel", "major": 9, "backend": "kdumpctl"}
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader import bootloader_for
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader_debian_grub import DROPIN
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.defaults import distro_default
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.estimate import run_estimate
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.plan import (
    assess_reboot,
    check_kernel_selector,
    reservation_warning,
    resolve_request,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    effective_crashkernel,
    format_size,
    split_args,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text
from ansible_collections.crashdump.kdump.plugins.module_utils.config.kdump_conf_update import (
    ensure_kdump_conf_directives,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.kernel_runtime import (
    RuntimeReadError,
    read_cmdline,
    read_crash_size,
    read_system_ram,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)

ARGUMENT_SPEC = dict(
    value=dict(type='str', default='default'),
    low=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    kernel=dict(type='str', default='ALL'),
    estimate=dict(type='bool', default=True),
    kdump_config_file=dict(type='path', default='/etc/kdump.conf'),
    grub_dropin=dict(type='path', default=DROPIN),
    backup=dict(type='bool', default=False),
    platform=PLATFORM_ARGUMENT_SPEC,
)


def machine_name():
    return os.uname()[4]


def public_entry(entry):
    return dict((key, entry.get(key)) for key in ('index', 'kernel', 'title', 'crashkernel', 'crashkernel_low',
                                                  'default'))


def keep_custom_value(module, platform, request, state):
    """EL9+: write ``auto_reset_crashkernel no`` so package updates keep a custom value (or no value)."""
    if not platform.has_feature('auto_reset_crashkernel'):
        return None
    if state == 'present' and not request.custom:
        return None
    config_file = module.params['kdump_config_file']
    if read_text(config_file) is None:
        module.warn('%s does not exist, so auto_reset_crashkernel no was not written; install kdump and run this '
                    'task again, or a later kdump package update may reset crashkernel=' % config_file)
        return None
    return ensure_kdump_conf_directives(module, config_file, {'auto_reset_crashkernel': 'no'},
                                        backup=module.params['backup'])


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    machine = machine_name()
    try:
        platform = probe_platform(module, params['platform'])
        kernel = check_kernel_selector(params['kernel'])
        ram_bytes, _ram_source = read_system_ram()
        running, running_low = effective_crashkernel(split_args(read_cmdline()))
        reserved_bytes, reserved_reason = read_crash_size()
        default_value, default_source = distro_default(module, platform, machine)
        request = resolve_request(params['state'], params['value'], params['low'], platform.name, platform.family,
                                  machine, ram_bytes, default_value)
        bootloader = bootloader_for(module, platform, machine, dropin=module.params['grub_dropin'])
        plan = bootloader.plan(bootloader.read(), request.args, kernel)
        for warning in request.warnings + plan['warnings']:
            module.warn(warning)
    except (PlatformError, CrashkernelError, RuntimeReadError) as error:
        module.fail_json(msg=str(error), changed=False)
    try:
        applied = bootloader.apply(plan, backup=params['backup'])
    except CrashkernelError as error:
        module.fail_json(msg=str(error), changed=bool(plan['changed'] and not module.check_mode))

    changes = list(plan['changes'])
    diffs = list(applied['diffs'])
    backup_files = dict(applied.get('backup_files', {}))
    kdump_conf = keep_custom_value(module, platform, request, params['state'])
    if kdump_conf and kdump_conf['changed']:
        changes.append('%s: auto_reset_crashkernel no, so kdump package updates keep this crashkernel= setting'
                       % params['kdump_config_file'])
        diffs.append(kdump_conf['diff'])
        if kdump_conf['backup_file']:
            backup_files[params['kdump_config_file']] = kdump_conf['backup_file']

    entries = applied['entries']
    default_entry = next((entry for entry in entries if entry.get('default')), None)
    if default_entry is None:
        next_value, next_low = effective_crashkernel(request.args)
        where = 'the boot configuration'
    else:
        next_value, next_low = default_entry['crashkernel'], default_entry['crashkernel_low']
        where = 'the default boot entry (%s)' % default_entry.get('kernel')
    reboot_required, reboot_reason = assess_reboot(next_value, next_low, running, running_low, reserved_bytes, where)
    if not reboot_required:
        warning = reservation_warning(running, reserved_bytes, ram_bytes, machine)
        if warning:
            module.warn(warning)

    estimate, estimate_reason = (None, 'not requested (estimate=false)')
    if params['estimate']:
        estimate, estimate_reason = run_estimate(module, platform)

    result = dict(
        changed=bool(plan['changed'] or (kdump_conf and kdump_conf['changed'])),
        crashkernel=request.value,
        crashkernel_low=request.low,
        changes=changes,
        configured=[public_entry(entry) for entry in entries],
        running=running,
        running_low=running_low,
        reserved_bytes=reserved_bytes,
        reserved_reason=reserved_reason,
        system_ram_bytes=ram_bytes,
        effective=format_size(request.effective_bytes) if request.effective_bytes else None,
        effective_bytes=request.effective_bytes,
        recommended=format_size(request.recommended_bytes) if request.recommended_bytes else None,
        recommended_bytes=request.recommended_bytes,
        default_value=default_value,
        default_source=default_source,
        estimate=estimate,
        estimate_reason=estimate_reason,
        reboot_required=reboot_required,
        reboot_reason=reboot_reason,
        auto_reset_crashkernel=bool(kdump_conf and kdump_conf['changed']),
        platform=platform.as_dict(),
    )
    if backup_files:
        result['backup_files'] = backup_files
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
