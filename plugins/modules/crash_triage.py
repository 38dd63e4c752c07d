#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: crash_triage
short_description: Which bug crashed the kernel - a signature for every crash dump in a dump directory
version_added: 0.2.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - For every capture directory under the dump path (every layout M(crashdump.kdump.vmcore_info) knows), reports
    whether the dump is complete, the crashed kernel's release, where its kernel log came from and the crash
    signature read from that log - what happened (C(kind), C(reason)), where (C(function), C(module)) and a short
    C(id) that is the same for the same bug on every host and every boot, so a fleet's crashes can be grouped by
    bug (the C(crashdump.kdump.triage) playbook does that).
  - The kernel log is the one the capture saved (C(vmcore-dmesg.txt), C(dmesg.<stamp>), C(dmesg)). When there is
    none and O(extract_dmesg) is true, C(makedumpfile --dump-dmesg) reads it from an ELF or kdump-compressed dump
    into a temporary directory. A dump in makedumpfile's flattened format (RHEL ssh C(vmcore.flat), every Debian
    and SUSE dump) is not read that way - makedumpfile accepts it only on standard input (C(makedumpfile -R)), as
    a second full copy - and RV(captures[].dmesg_reason) says so; such captures normally saved their log anyway.
  - Runs on the host that holds the dumps - the crashed host for a local target, the dump server for an ssh or
    nfs target (with O(path), and O(client) to keep one client's captures).
  - Reads only the headers and the last 16 bytes of a dump, and the last 4 MiB of a kernel log. Never changes or
    deletes anything.
options:
  path:
    description:
      - Directory holding the capture directories.
      - Default - the local dump directory of the kdump configuration (C(path) of C(/etc/kdump.conf) or
        C(KDUMP_COREDIR) of C(/etc/default/kdump-tools), below the mount point of a filesystem target), as
        M(crashdump.kdump.vmcore_info) finds it.
      - Without O(path), a host whose dumps go to another host (ssh, nfs) or a raw device, or whose kdump
        configuration cannot be read, has no local captures - the module returns none, RV(dump_path) null, the target
        in RV(target) and the reason in RV(msg), and does not fail.
      - On a dump server, the directory the clients write to (their C(path) or C(KDUMP_COREDIR)).
    type: path
  since:
    description:
      - Only captures written since this time - compared with the newest modification time of each capture
        directory and of the files directly in it, on the clock of the machine that holds the dumps.
      - Epoch seconds, a date C(YYYY-MM-DD[THH:MM[:SS]]) in UTC unless it ends in C(Z) or an offset C(+HH:MM), or
        a duration counted back from now on this host - a number with C(s), C(m), C(h), C(d) or C(w) (V(7d),
        V(12h), V(30m)).
      - Default - every capture.
    type: raw
  client:
    description:
      - Only the capture directories of this client tag - those named exactly C(<client>-<stamp>), as
        O(crashdump.kdump.vmcore_info#module:client) selects them. For a dump server that receives captures from
        many hosts.
      - Not empty, no C(/), brackets or whitespace, not starting with C(-).
    type: str
  extract_dmesg:
    description:
      - When a capture saved no kernel log, read it from the dump with C(makedumpfile --dump-dmesg) (ELF and
        kdump-compressed dumps only; needs C(makedumpfile) on this host). The log is written to a temporary
        directory and removed.
      - V(false) leaves such captures without a log and without a signature.
    type: bool
    default: true
  config_file:
    description: The kdump configuration to read the default O(path) from.
    type: path
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
notes:
  - The signature does not depend on the kernel release, the taint, the loaded modules or the architecture, so
    one bug has one RV(captures[].signature.id) across kernel updates; RV(captures[].kernel_release) and the
    signature's C(taint) and C(oot_modules) tell the occurrences apart.
seealso:
  - module: crashdump.kdump.vmcore_info
  - module: crashdump.kdump.vmcore_prune
'''

EXAMPLES = r'''
- name: Which bugs crashed this host in the last week
  crashdump.kdump.crash_triage:
    since: 7d
  register: triage

- name: Show them
  ansible.builtin.debug:
    msg: "{{ triage.captures | map(attribute='signature') | select | map(attribute='title') | list }}"

- name: Every capture a dump server holds, from all its clients, since a date
  crashdump.kdump.crash_triage:
    path: /srv/crash
    since: "2026-01-01"
  delegate_to: dumps.example.com
  register: server_triage

- name: One client's captures on the dump server, without reading logs from the dumps
  crashdump.kdump.crash_triage:
    path: /srv/crash
    client: 192.0.2.10
    extract_dmesg: false
  delegate_to: dumps.example.com
'''

RETURN = r'''
changed:
  description: Always false.
  returned: always
  type: bool
host:
  description: The host name of the machine that holds the dumps.
  returned: always
  type: str
  sample: dumps
dump_path:
  description: The directory searched; null when O(path) was not given and this host has no local dump directory.
  returned: always
  type: str
  sample: /var/crash
client:
  description: The O(client) given, or null.
  returned: always
  type: str
since_epoch:
  description: O(since) in epoch seconds on this host's clock, or null (every capture).
  returned: always
  type: float
host_time:
  description:
    - This host's clock when the module started, epoch seconds. Captures written from then on are found by a later
      run with this value as O(since).
  returned: always
  type: float
target:
  description:
    - Where the kdump configuration sends dumps, when O(path) was not given - C(type), C(location), C(path),
      C(local_dir) and C(config_file) as M(crashdump.kdump.kdump_info) reports them in C(config), plus C(family)
      (C(rhel) or C(debian)) and C(server) (the host part of an ssh or nfs target, else null). Null when O(path)
      was given or the configuration could not be read.
  returned: always
  type: dict
  sample: {"type": "ssh", "location": "kdump@dumps.example.com", "path": "/var/crash", "local_dir": null,
           "config_file": "/etc/kdump.conf", "family": "rhel", "server": "dumps.example.com"}
count:
  description: Number of captures reported.
  returned: always
  type: int
msg:
  description: One sentence on what was found, or why this host has no local captures.
  returned: always
  type: str
captures:
  description:
    - One entry per capture directory written since O(since), oldest first. Each has the keys of
      RV(crashdump.kdump.vmcore_info#module:dumps) (C(name), C(path), C(layout), C(client), C(captured_at),
      C(newest_mtime), C(dump_file), C(format), C(compression), C(dump_level), C(size), C(kernel_release),
      C(dmesg_file), C(panic_line), C(incomplete_markers), C(complete), C(reason)...) and the ones below.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Directory name.
      type: str
      sample: 192.0.2.10-2026-01-26-10:42:00
    path:
      description: Directory path.
      type: str
    client:
      description: The client tag before the stamp, or null for the layouts without one.
      type: str
      sample: 192.0.2.10
    captured_at:
      description: Date in the directory name (capture kernel's clock, time zone unknown), C(YYYY-MM-DDTHH:MM:SS).
      type: str
    newest_mtime:
      description: The newest modification time of the directory and the files directly in it, epoch seconds.
      type: float
    seen_at:
      description: RV(captures[].newest_mtime) in UTC, C(YYYY-MM-DDTHH:MM:SSZ) - when the capture was written.
      type: str
    complete:
      description: Whether the dump is complete.
      type: bool
    reason:
      description: Every reason it is not complete, joined by C(; ); null when complete.
      type: str
    format:
      description: C(elf), C(kdump), C(flattened), C(diskdump), C(<ext>-compressed file) or null (unknown).
      type: str
    size:
      description: Size of the dump file in bytes.
      type: int
    kernel_release:
      description: Release of the crashed kernel, from the dump header or else from the kernel log.
      type: str
      sample: 6.1.0-27-amd64
    kernel_release_source:
      description: C(dump), C(dmesg) or null (not known).
      type: str
    dmesg_file:
      description: Path of the kernel log the capture saved, null when it saved none.
      type: str
      sample: /var/crash/202601261040/dmesg.202601261040
    dmesg_source:
      description:
        - C(file) - the log the capture saved (RV(captures[].dmesg_file)); C(extracted) - read from the dump with
          C(makedumpfile --dump-dmesg); C(none) - no log (RV(captures[].dmesg_reason)).
      type: str
    dmesg_reason:
      description: Why there is no log; null when there is one.
      type: str
    signature:
      description:
        - The crash signature of the log, null when there is no log or it shows no crash report
          (RV(captures[].signature_reason)).
      type: dict
      contains:
        id:
          description: 12 hex digits from kind, reason and function - the same for one bug on every host.
          type: str
          sample: 5b0e7a1c2d3f
        kind:
          description:
            - C(sysrq), C(oom), C(hung_task), C(soft_lockup), C(hard_lockup), C(nmi), C(null_pointer), C(page_fault),
              C(gpf), C(bug_on), C(bug), C(warning), C(oops) or C(panic).
          type: str
          sample: null_pointer
        reason:
          description: The crash reason, normalised so that two occurrences of one bug read the same.
          type: str
          sample: kernel NULL pointer dereference
        function:
          description: The faulting function, or null when the log names none.
          type: str
          sample: aq_ring_rx_fill
        module:
          description: The module of the faulting function, or null.
          type: str
          sample: atlantic
        taint:
          description: The taint letters of the crash (C(GWOE)), an empty string when not tainted, null when the log does not say.
          type: str
          sample: POE
        oot_modules:
          description: When the taint has C(O), C(P) or C(E), the modules marked so in the module list; else empty.
          type: list
          elements: str
        arch:
          description: C(x86_64), C(i386), C(arm64), C(arm), C(ppc64le), C(ppc64), C(s390x) or null, guessed from the log.
          type: str
          sample: x86_64
        line:
          description: The report line the signature was read from.
          type: str
          sample: "BUG: kernel NULL pointer dereference, address: 0000000000000000"
        title:
          description: A one-line summary for tables.
          type: str
          sample: kernel NULL pointer dereference in aq_ring_rx_fill
    signature_reason:
      description: Why RV(captures[].signature) is null; null when there is a signature.
      type: str
      sample: "the kernel log (/var/crash/202601261040/dmesg.202601261040) shows no crash report"
'''

import functools
import shutil
import socket
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import (
    check_client,
    list_capture_dirs,
    select_new,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.triage.captures import (
    extract_dmesg,
    parse_triage_since,
    target_server_host,
    triage_capture,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import read_dump_target
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)

ARGUMENT_SPEC = dict(
    path=dict(type='path'),
    since=dict(type='raw'),
    client=dict(type='str'),
    extract_dmesg=dict(type='bool', default=True),
    config_file=dict(type='path'),
    platform=PLATFORM_ARGUMENT_SPEC,
)


def local_dump_dir(module):
    """``(directory or None, target or None, why there is none)`` from the kdump configuration."""
    try:
        platform = probe_platform(module, module.params['platform'])
    except PlatformError as error:
        return None, None, 'no kdump configuration to find a local dump directory in (%s)' % error
    target = read_dump_target(platform, module.params['config_file'])
    target.update(family=platform.family, server=target_server_host(target))
    if target['local_dir'] is None:
        return None, target, 'dumps go to %s target %s (%s), not to a directory on this host' % (
            target['type'], target['location'] or target['path'], target['config_file'])
    return target['local_dir'], target, None


def triage(module, path, client, since_epoch):
    """The triage records of the captures under ``path``, reading logs from dumps when allowed."""
    entries = select_new(list_capture_dirs(path, client=client), since_epoch)
    if not module.params['extract_dmesg']:
        return [triage_capture(entry) for entry in entries]
    workdir = tempfile.mkdtemp(prefix='crash_triage-', dir=module.tmpdir)
    try:
        extract = functools.partial(extract_dmesg, workdir=workdir, run_command=module.run_command,
                                    makedumpfile=module.get_bin_path('makedumpfile'))
        return [triage_capture(entry, extract) for entry in entries]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def summary(captures, path):
    signed = len([capture for capture in captures if capture['signature']])
    plural = '' if len(captures) == 1 else 's'
    return '%d capture%s in %s, %d with a crash signature' % (len(captures), plural, path, signed)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    host_time = time.time()
    client = module.params['client']
    try:
        if client is not None:
            check_client(client)
        since_epoch = parse_triage_since(module.params['since'], host_time)
    except ValueError as error:
        module.fail_json(msg=str(error))
    result = dict(changed=False, host=socket.gethostname(), dump_path=module.params['path'], client=client,
                  since_epoch=since_epoch, host_time=host_time, target=None, count=0, captures=[])
    if result['dump_path'] is None:
        result['dump_path'], result['target'], why_none = local_dump_dir(module)
        if result['dump_path'] is None:
            module.exit_json(msg='no local captures: %s' % why_none, **result)
    captures = triage(module, result['dump_path'], client, since_epoch)
    result.update(count=len(captures), captures=captures)
    module.exit_json(msg=summary(captures, result['dump_path']), **result)


if __name__ == '__main__':
    main()
