#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kdump_conf
short_description: Configure where and how kdump saves a crash dump
version_added: 0.1.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - One set of options for the RHEL family (C(/etc/kdump.conf) and C(/etc/sysconfig/kdump), read by C(kdumpctl))
    and the Debian family (C(/etc/default/kdump-tools), read by C(kdump-config)).
  - Everything is validated before any file is written; a failure changes nothing and names the option,
    the bad value and what is allowed. This covers what C(kdumpctl) and C(mkdumprd) reject, such as unknown
    or deprecated directives, empty values, a second dump target, invalid actions or an ssh or raw target
    with a makedumpfile collector lacking C(-F).
  - Lines the module does not manage, including comments, are kept byte for byte unless O(exclusive=true).
  - On the RHEL family directives are written the way every C(kdumpctl) version reads them, one per line
    at column 0 without comments or quotes. The failure action is written as C(default) on EL8 and as
    C(failure_action) on EL9 and EL10.
  - On the Debian family an option kdump-tools cannot honour (for example O(target.type=raw),
    O(dracut_args) or O(commandline_remove)) is an error naming the option and the platform.
    C(USE_KDUMP=1) is always ensured unless O(directives) sets C(USE_KDUMP).
options:
  target:
    description:
      - The dump target. Omit to keep the current target.
      - C(local) removes any target, so the dump goes to O(path) on the root filesystem.
      - Filesystem types take a device node, C(UUID=<uuid>) or C(LABEL=<label>); O(path) is then relative to
        that filesystem. C(raw) takes a device. C(nfs) takes C(server:/export) or C([ipv6]:/export).
        C(ssh) takes C(user@host). C(virtiofs) takes a tag (EL9 and later).
      - Setting a target removes any other target directive from the file.
      - On Debian only C(local), C(ssh) (C(SSH)) and C(nfs) (C(NFS)) are possible.
    type: dict
    suboptions:
      type:
        description: Kind of target.
        type: str
        required: true
        choices: [local, ext2, ext3, ext4, xfs, btrfs, minix, raw, nfs, ssh, virtiofs]
      location:
        description: Device, export, C(user@host) or tag; not used with C(local).
        type: str
  path:
    description:
      - Directory for the dump (C(path) directive; C(KDUMP_COREDIR) on Debian). Absolute.
    type: str
  sshkey:
    description: Private key used for ssh targets (C(sshkey); C(SSH_KEY) on Debian).
    type: str
  core_collector:
    description:
      - Free-text collector command, for example C(makedumpfile -F -l --message-level 7 -d 31).
      - On Debian it must be a C(makedumpfile) command; its arguments become C(MAKEDUMP_ARGS).
      - Mutually exclusive with O(dump_level), O(compression) and O(message_level).
    type: str
  dump_level:
    description:
      - makedumpfile dump level (C(-d)), a bitmask from 0 to 31.
      - The structured options are merged into the current makedumpfile arguments; other arguments are kept.
        C(-F) is added for ssh and raw targets on the RHEL family and always on Debian.
    type: int
  compression:
    description: makedumpfile compression, C(-c) zlib, C(-l) lzo, C(-p) snappy or C(-z) zstd.
    type: str
    choices: [zlib, lzo, snappy, zstd]
  message_level:
    description: makedumpfile C(--message-level), a bitmask from 0 to 31.
    type: int
  failure_action:
    description:
      - What to do when saving the dump fails. Omit to leave the configuration as it is; without a setting both
        families reboot (kdumpctl's default C(reboot), kdump-tools' C(reboot -f)).
      - On Debian written as C(KDUMP_FAIL_CMD) (C(reboot -f), C(halt -f), C(poweroff -f)); C(shell) and
        C(dump_to_rootfs) are not possible there.
      - It covers a failure of the capture script only; a capture kernel that panics needs
        O(capture_panic_timeout).
    type: str
    choices: [reboot, halt, poweroff, shell, dump_to_rootfs]
  final_action:
    description:
      - What to do after the dump was saved. Debian always reboots, so only C(reboot) is accepted there.
    type: str
    choices: [reboot, halt, poweroff]
  extra_modules:
    description: Kernel modules to add to the kdump initramfs (RHEL family).
    type: list
    elements: str
  extra_bins:
    description: Executables to add to the kdump initramfs (RHEL family).
    type: list
    elements: str
  dracut_args:
    description:
      - Extra dracut arguments (RHEL family). A C(--mount) in it counts as the dump target.
    type: str
  kdump_pre:
    description: Executable run before the dump (RHEL family).
    type: str
  kdump_post:
    description: Executable run after the dump (RHEL family).
    type: str
  fence_kdump_args:
    description: Arguments for C(fence_kdump_send) (RHEL family).
    type: str
  fence_kdump_nodes:
    description: Cluster nodes to notify; must not name this host (RHEL family).
    type: list
    elements: str
  force_rebuild:
    description:
      - C(true) writes C(force_rebuild 1), C(false) removes the directive (RHEL family).
    type: bool
  force_no_rebuild:
    description:
      - C(true) writes C(force_no_rebuild 1), C(false) removes the directive (RHEL family).
        Cannot be true together with O(force_rebuild).
    type: bool
  auto_reset_crashkernel:
    description:
      - Written as C(auto_reset_crashkernel yes|no) (EL9 and later). Set C(false) when managing a custom
        C(crashkernel=), or package updates reset it.
    type: bool
  commandline_append:
    description:
      - Space-separated kernel arguments for the capture kernel, for example C(rd.driver.blacklist=module1,module2).
      - Merged into C(KDUMP_COMMANDLINE_APPEND) in O(sysconfig_file) (RHEL family) or C(KDUMP_CMDLINE_APPEND)
        (Debian) - current arguments are kept, an argument with the same C(key=) is replaced in place, new ones are
        appended. With O(exclusive=true) the variable holds exactly the given arguments.
      - On Debian a value in the file replaces kdump-tools' built-in default, so the built-in default
        (C(reset_devices systemd.unit=kdump-tools-dump.service) plus per-architecture arguments) is the base
        when the file has no value, and always with O(exclusive=true).
    type: str
  capture_panic_timeout:
    description:
      - Seconds after which a capture kernel that panics reboots the host - a C(panic=<n>) argument on the capture
        kernel's command line. Without it a capture that fails in the kernel (for example out of memory with a
        too small C(crashkernel=) reservation) leaves the host hanging until it is power-cycled.
      - An integer from 1 to 3600. C(0) is not accepted, as the kernel reads C(panic=0) as "wait forever".
        Omit the option to leave the command line as it is.
      - Merged into C(KDUMP_COMMANDLINE_APPEND) in O(sysconfig_file) (RHEL family) or C(KDUMP_CMDLINE_APPEND)
        (Debian) the way O(commandline_append) is, including kdump-tools' built-in default on Debian, which has no
        C(panic=). The RHEL family's shipped C(KDUMP_COMMANDLINE_APPEND) already has C(panic=10).
      - A C(panic=) already in that variable, or in O(commandline_append), is kept as it is and nothing is
        reported as changed; a kept C(panic=0) is returned as a warning.
    type: int
  commandline_remove:
    description:
      - Space-separated kernel arguments to drop from the capture kernel command line, merged into
        C(KDUMP_COMMANDLINE_REMOVE) like O(commandline_append) (RHEL family only).
    type: str
  directives:
    description:
      - Directives not modelled by an option, name to value.
      - RHEL family - kdump.conf directives accepted by the platform's kdumpctl (for example C(kdump_emergency)
        with kdump-utils 1.0.60 or later). A target directive here replaces the current target.
      - Debian - C(/etc/default/kdump-tools) variables kdump-config reads (for example C(KDUMP_NUM_DUMPS),
        C(HOSTTAG), C(KDUMP_COMPRESSION)).
      - A directive also set by an option is an error.
    type: dict
    default: {}
  exclusive:
    description:
      - C(false) keeps every directive and comment not given exactly as it is.
      - C(true) leaves only what is given (comments removed). On Debian C(USE_KDUMP), C(KDUMP_KERNEL) and
        C(KDUMP_INITRD) are kept, as they belong to the package.
    type: bool
    default: false
  backup:
    description: Keep a timestamped copy of each file before changing it.
    type: bool
    default: false
  create_path:
    description:
      - Create the dump directory (mode 0700, SELinux context restored when C(restorecon) exists) for local
        targets - no target on the RHEL family, no C(SSH)/C(NFS)/C(FTP) on Debian - and for filesystem targets
        that are mounted. For an unmounted filesystem target a warning is returned instead.
    type: bool
    default: true
  config_file:
    description:
      - File to manage. Default C(/etc/kdump.conf) on the RHEL family, C(/etc/default/kdump-tools) on Debian.
    type: path
  sysconfig_file:
    description:
      - RHEL family file holding the capture kernel command line variables, read and written only when
        O(commandline_append), O(commandline_remove) or O(capture_panic_timeout) is given.
    type: path
    default: /etc/sysconfig/kdump
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
  - On the RHEL family a changed C(/etc/kdump.conf) needs C(kdumpctl restart) (or a restart of C(kdump.service))
    to rebuild the kdump initramfs; a change of only the command line variables needs C(kdumpctl reload).
  - On Debian the dump settings are read at dump time; changes of the load-time variables (command line,
    kernel, initrd, C(USE_KDUMP)) need C(kdump-config reload).
seealso:
  - name: kdump.conf(5)
    description: The kdump.conf directives.
    link: https://github.com/rhkdump/kdump-utils/blob/main/kdump.conf.5
'''

EXAMPLES = r'''
- name: Dump over ssh with a structured collector
  crashdump.kdump.kdump_conf:
    target:
      type: ssh
      location: kdump@dumpserver.example.com
    sshkey: /root/.ssh/kdump_id_ed25519
    path: /var/crash/fleet
    dump_level: 31
    compression: zstd

- name: Dump to a dedicated filesystem and keep a custom crashkernel
  crashdump.kdump.kdump_conf:
    target:
      type: xfs
      location: LABEL=kdump
    path: /vmcores
    auto_reset_crashkernel: false
    failure_action: dump_to_rootfs
    backup: true

- name: Blacklist modules in the capture kernel
  crashdump.kdump.kdump_conf:
    commandline_append: rd.driver.blacklist=module1,module2

- name: Reboot 10 seconds after the capture kernel panics, and reboot when saving the dump fails
  crashdump.kdump.kdump_conf:
    capture_panic_timeout: 10
    failure_action: reboot

- name: Keep only ten dumps on a Debian host
  crashdump.kdump.kdump_conf:
    directives:
      KDUMP_NUM_DUMPS: "10"
'''

RETURN = r'''
changed:
  description: Whether a file or the dump directory was (or in check mode would be) changed.
  returned: always
  type: bool
config:
  description:
    - Effective settings after the change - kdump.conf directives on the RHEL family,
      C(/etc/default/kdump-tools) variables on Debian.
  returned: always
  type: dict
  sample: {"ssh": "kdump@dumpserver.example.com", "path": "/var/crash", "core_collector": "makedumpfile -F -l --message-level 7 -d 31"}
files:
  description: Files and directories changed (or that would be changed in check mode).
  returned: always
  type: list
  elements: str
  sample: ["/etc/kdump.conf"]
rebuild_required:
  description:
    - True when kdump must be restarted to rebuild its initramfs (kdump.conf changed; always false on Debian).
  returned: always
  type: bool
reload_required:
  description:
    - True when only a reload is needed - only C(/etc/sysconfig/kdump) changed on the RHEL family, or a
      load-time variable changed on Debian (C(kdump-config reload)).
  returned: always
  type: bool
backup_file:
  description: Backup of O(config_file) made before changing it.
  returned: when O(backup=true) and O(config_file) changed
  type: str
  sample: /etc/kdump.conf.12345.2026-01-01@12:00:00~
backup_files:
  description: Every backup made, file name to backup name.
  returned: when O(backup=true) and a file changed
  type: dict
platform:
  description: The platform the settings were mapped to.
  returned: always
  type: dict
  sample: {"name": "el9", "family": "rhel", "major": 9, "backend": "kdumpctl"}
dump_path:
  description: Absolute dump directory checked or created, when O(create_path=true) and the target is local.
  returned: when a local dump directory was checked
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_dir import ensure_dump_dir
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text, write_text
from ansible_collections.crashdump.kdump.plugins.module_utils.config.host_identity import host_identities
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_debian import (
    DEFAULT_CONFIG_FILE as DEBIAN_CONFIG_FILE,
    plan_debian,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_rhel import (
    DEFAULT_CONFIG_FILE as RHEL_CONFIG_FILE,
    plan_rhel,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import (
    COMPRESSIONS,
    FAILURE_ACTIONS,
    FINAL_ACTIONS,
    TARGET_TYPES,
    SettingsError,
    normalize_settings,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)

ARGUMENT_SPEC = dict(
    target=dict(type='dict', options=dict(
        type=dict(type='str', required=True, choices=list(TARGET_TYPES)),
        location=dict(type='str'),
    )),
    path=dict(type='str'),
    sshkey=dict(type='str', no_log=False),
    core_collector=dict(type='str'),
    dump_level=dict(type='int'),
    compression=dict(type='str', choices=list(COMPRESSIONS)),
    message_level=dict(type='int'),
    failure_action=dict(type='str', choices=list(FAILURE_ACTIONS)),
    final_action=dict(type='str', choices=list(FINAL_ACTIONS)),
    extra_modules=dict(type='list', elements='str'),
    extra_bins=dict(type='list', elements='str'),
    dracut_args=dict(type='str'),
    kdump_pre=dict(type='str'),
    kdump_post=dict(type='str'),
    fence_kdump_args=dict(type='str'),
    fence_kdump_nodes=dict(type='list', elements='str'),
    force_rebuild=dict(type='bool'),
    force_no_rebuild=dict(type='bool'),
    auto_reset_crashkernel=dict(type='bool'),
    commandline_append=dict(type='str'),
    capture_panic_timeout=dict(type='int'),
    commandline_remove=dict(type='str'),
    directives=dict(type='dict', default={}),
    exclusive=dict(type='bool', default=False),
    backup=dict(type='bool', default=False),
    create_path=dict(type='bool', default=True),
    config_file=dict(type='path'),
    sysconfig_file=dict(type='path', default='/etc/sysconfig/kdump'),
    platform=PLATFORM_ARGUMENT_SPEC,
)
MUTUALLY_EXCLUSIVE = [('core_collector', 'dump_level'), ('core_collector', 'compression'),
                      ('core_collector', 'message_level')]


def build_plan(module, platform, settings):
    """Read the platform's files and let its backend plan the change."""
    params = module.params
    if platform.family == 'debian':
        config_file = params['config_file'] or DEBIAN_CONFIG_FILE
        return plan_debian(settings, config_file, read_text(config_file), os.uname()[4])
    config_file = params['config_file'] or RHEL_CONFIG_FILE
    sysconfig_file = params['sysconfig_file']
    wants_sysconfig = any(params[name] is not None
                          for name in ('commandline_append', 'commandline_remove', 'capture_panic_timeout'))
    return plan_rhel(settings, platform, config_file, read_text(config_file),
                     sysconfig_file=sysconfig_file,
                     sysconfig_text=read_text(sysconfig_file) if wants_sysconfig else None,
                     host_identities=host_identities(module) if params['fence_kdump_nodes'] else ())


def apply_plan(module, plan):
    """Write the planned files and create the dump directory; returns the result dict."""
    result = dict(changed=False, files=[], diff=[], backup_files={}, config=plan.config,
                  rebuild_required=plan.rebuild_required, reload_required=plan.reload_required)
    for change in plan.changes:
        written = write_text(module, change.path, change.after, change.before, backup=module.params['backup'])
        if written['changed']:
            result['changed'] = True
            result['files'].append(change.path)
            result['diff'].append(written['diff'])
        if written['backup_file']:
            result['backup_files'][change.path] = written['backup_file']
    if module.params['create_path'] and plan.dump_dir:
        created = ensure_dump_dir(module, plan.dump_dir['path'], plan.dump_dir['device'])
        if created['warning']:
            module.warn(created['warning'])
        if created['path']:
            result['dump_path'] = created['path']
        if created['changed']:
            result['changed'] = True
            result['files'].append(created['path'])
    config_backup = result['backup_files'].get(plan.changes[0].path)
    if config_backup:
        result['backup_file'] = config_backup
    if not result['backup_files']:
        del result['backup_files']
    if not module._diff:
        del result['diff']
    return result


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    try:
        platform = probe_platform(module, module.params['platform'])
        settings = normalize_settings(module.params)
        plan = build_plan(module, platform, settings)
    except (PlatformError, SettingsError) as error:
        module.fail_json(msg=str(error), changed=False)
    for warning in plan.warnings:
        module.warn(warning)
    result = apply_plan(module, plan)
    result['platform'] = platform.as_dict()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
