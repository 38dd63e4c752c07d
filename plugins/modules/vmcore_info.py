#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vmcore_info
short_description: Find crash dumps and tell from their bytes whether each is complete
version_added: 0.1.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Lists the capture directories under the dump path in every layout kdump tools write - RHEL
    C(<ip>-YYYY-MM-DD-HH:MM:SS/) and C(kdump-test-<id>/), Debian C(YYYYMMDDHHMM/) and C(<ip|host>-YYYYMMDDHHMM/),
    SUSE C(YYYY-MM-DD-HH-MM/) and C(<host>-YYYY-MM-DD-HH-MM/) - and validates each dump from its own bytes.
  - Runs on the host that holds the dumps - the crashed host for a local target, the dump server for an ssh or
    nfs target. On a dump server that receives from many hosts, O(client) keeps one host's captures.
  - Formats recognised - ELF core, kdump-compressed (C(KDUMP   )) and makedumpfile's flattened stream
    (C(makedumpfile)), whose first records are parsed as a kdump or ELF header.
  - A dump is incomplete when a C(vmcore-incomplete) or C(dump-incomplete) file is left, the kdump header has
    the incomplete status bit C(0x8), the ELF header has C(e_flags) bit C(0x1) or is shorter than its program
    headers say, a flattened stream lacks its end trailer, a SUSE C(README.txt) still says "likely incomplete",
    or a C(kdumpctl test) status file does not say C(success). RV(dumps[].reason) names every cause found.
  - Reads only the headers and the last 16 bytes of a dump, never the whole file. Never deletes or changes
    anything.
options:
  path:
    description:
      - Directory holding the capture directories.
      - Default - the local dump directory of the kdump configuration (C(path) of C(/etc/kdump.conf) or
        C(KDUMP_COREDIR) of C(/etc/default/kdump-tools), below the mount point of a filesystem target).
        Without O(path) the module fails when dumps go to another host (ssh, nfs) or a raw device.
      - On a dump server, the directory the clients write to (their C(path) or C(KDUMP_COREDIR)).
    type: path
  client:
    description:
      - Only the capture directories of this client count - those named exactly C(<client>-<stamp>) with a stamp
        of a known layout. For a dump server that receives captures from many hosts.
      - The tag the client's kdump writes before the stamp - on the RHEL family the first address of the
        client's device that routes to the server (IPv6 addresses as they are, without brackets); on Debian
        C(HOSTTAG) of kdump-tools, an address or the host name; on SUSE the host name.
        RV(crashdump.kdump.kdump_ssh_client#module:tag) computes it on the client.
      - The stamp is matched from the right end of the name, so C(192.168.77.1) never matches
        C(192.168.77.10-...) and C(web-1) never matches C(web-10-...).
      - Not empty, no C(/), brackets or whitespace, not starting with C(-).
      - Requires O(path), the directory the clients write to on this server.
    type: str
  since:
    description:
      - Only report capture directories newer than this.
      - The C(marker) returned by M(crashdump.kdump.kdump_crash) - the directories not listed in its
        C(capture_dirs), on the host that was crashed (its dump path must be local to it).
      - V(marker) - the same, with the marker M(crashdump.kdump.kdump_crash) stored on this host, so no playbook
        needs to carry it. Fails when this host has no stored marker.
      - A time - epoch seconds or a date C(YYYY-MM-DD[THH:MM[:SS[.ffffff]]]), UTC unless it ends in C(Z) or an
        offset C(+HH:MM). It is compared with the newest modification time of each capture directory and of the
        files directly in it, so a directory that already existed counts as new when a file in it was written at
        or after the time (Debian's stamp has minute resolution, and a second capture by the same client in the
        same minute reuses C(<tag>-<stamp>/)).
      - Those modification times come from the clock of the machine that holds the dump path. On a dump server
        the time must come from the server's own clock - RV(crashdump.kdump.dump_server#module:server_time),
        read on the server just before the crash - never from the crashed host's clock.
      - A marker describes the host it was made on, so it cannot be combined with O(client).
    type: raw
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
seealso:
  - module: crashdump.kdump.kdump_crash
  - module: crashdump.kdump.kdump_info
  - module: crashdump.kdump.kdump_ssh_client
'''

EXAMPLES = r'''
- name: Crash the host on purpose
  crashdump.kdump.kdump_crash:
    confirm: true
  register: crash

- name: Wait for the host to come back
  ansible.builtin.wait_for_connection:
    delay: 60
    timeout: 900

- name: Find the dump the crash left
  crashdump.kdump.vmcore_info:
    since: "{{ crash.marker }}"
  register: vmcores

- name: The same, with the marker kdump_crash stored on the host
  crashdump.kdump.vmcore_info:
    since: marker
  register: vmcores

- name: Exactly one new complete dump, from the sysrq crash
  ansible.builtin.assert:
    that:
      - vmcores.count == 1
      - vmcores.dumps[0].complete
      - "'sysrq triggered crash' in vmcores.dumps[0].panic_line"
    fail_msg: "{{ vmcores.dumps | map(attribute='reason') | list }}"

- name: Or let the outcome say it in one sentence
  ansible.builtin.assert:
    that: vmcores.outcome.complete
    fail_msg: "{{ vmcores.outcome.outcome }}: {{ vmcores.outcome.detail }}"

- name: List every dump kept on the host
  crashdump.kdump.vmcore_info:
    path: /var/crash

# A dump server that receives captures from many hosts over ssh
- name: Key and capture tag of the client
  crashdump.kdump.kdump_ssh_client:
    server: dumps.example.com
  register: client

- name: Allow the client on the server, and read the server's clock just before the crash
  crashdump.kdump.dump_server:
    user: kdumpsrv
    path: /var/crash
    client_tag: "{{ client.tag }}"
    client_address: "{{ client.source_address }}"
    public_key: "{{ client.public_key }}"
  delegate_to: dumps.example.com
  register: server

- name: Crash the client
  crashdump.kdump.kdump_crash:
    confirm: true
    skip_space_check: true

- name: Wait for the client to come back
  ansible.builtin.wait_for_connection:
    delay: 60
    timeout: 900

- name: This client's capture on the server, written after the server time
  crashdump.kdump.vmcore_info:
    path: /var/crash
    client: "{{ client.tag }}"
    since: "{{ server.server_time }}"
  delegate_to: dumps.example.com
  register: remote_vmcores

- name: Exactly one new complete dump from this client
  ansible.builtin.assert:
    that:
      - remote_vmcores.count == 1
      - remote_vmcores.outcome.complete
    fail_msg: "{{ remote_vmcores.outcome.outcome }}: {{ remote_vmcores.outcome.detail }}"
'''

RETURN = r'''
changed:
  description: Always false.
  returned: always
  type: bool
dump_path:
  description: The directory searched.
  returned: always
  type: str
  sample: /var/crash
client:
  description: The O(client) given, or null.
  returned: always
  type: str
  sample: 192.168.77.10
count:
  description: Number of capture directories reported (after O(client) and O(since)).
  returned: always
  type: int
complete_count:
  description: How many of them hold a complete dump.
  returned: always
  type: int
newest:
  description: Name of the newest capture directory reported, or null.
  returned: always
  type: str
  sample: "202601261042"
newest_complete:
  description: Whether the newest one is complete; null when none is reported.
  returned: always
  type: bool
boot_changed:
  description:
    - When O(since) is a marker, whether the host booted since it was made (the crash has happened).
      False means the crash is still pending, so no new dump can be expected yet.
  returned: when O(since) is a marker or V(marker)
  type: bool
outcome:
  description:
    - How the test crash ended, when O(since) is given - one record whose shape is shared with the refusal of
      M(crashdump.kdump.kdump_crash) (its RV(crashdump.kdump.kdump_crash#module:outcome)).
    - C(outcome) - C(complete) (a new capture holds a complete dump), C(incomplete) (new captures, none complete;
      C(detail) names the reasons of the newest), C(no_capture) (no new capture directory although the host rebooted,
      or with a time for O(since), whether it crashed is not known), C(not_crashed) (the boot id of the marker is
      still the running one - the crash never happened). A caller reports C(not_returned) (the host did not come
      back) and C(refused) in the same shape.
    - C(complete) - true only for C(complete). C(detail) - one sentence. C(dump) - the complete dump, or the
      partial dump or marker file of an incomplete capture; null otherwise.
  returned: when O(since) is given
  type: dict
  sample: {"outcome": "incomplete", "complete": false, "dump": "/var/crash/202601261040/dump-incomplete",
           "detail": "the capture in /var/crash/202601261040 is incomplete: dump-incomplete is present (the capture did
           not finish writing the dump)"}
dumps:
  description: One entry per capture directory, oldest first (by RV(dumps[].newest_mtime)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Directory name.
      type: str
    path:
      description: Directory path.
      type: str
    layout:
      description: C(rhel), C(rhel-test), C(rhel-saved), C(debian) or C(suse).
      type: str
    client:
      description:
        - The tag before the stamp - an address or host name; null for the layouts without one
          (C(kdump-test-<id>), Debian C(YYYYMMDDHHMM), SUSE C(YYYY-MM-DD-HH-MM), C(YYYY-MM-DD-HH:MM)).
        - kdumpctl names a local capture C(127.0.0.1-<date>), so that is the tag of a local RHEL capture.
      type: str
      sample: 192.168.77.10
    captured_at:
      description: Date in the directory name (capture kernel's clock, time zone unknown), C(YYYY-MM-DDTHH:MM:SS).
      type: str
    mtime:
      description: Modification time of the directory, epoch seconds.
      type: float
    newest_mtime:
      description:
        - The newest modification time of the directory and the files directly in it, epoch seconds; what a time
          in O(since) is compared with, and the order of RV(dumps).
      type: float
    dump_file:
      description: Path of the dump file, or null when there is none.
      type: str
    format:
      description: C(elf), C(kdump), C(flattened), C(diskdump), C(<ext>-compressed file) or null (unknown).
      type: str
    inner_format:
      description: For a flattened stream, the format it holds (C(kdump) or C(elf)).
      type: str
    compression:
      description: Page compression from the kdump header (C(zlib), C(lzo), C(snappy), C(zstd), C(none)).
      type: str
    dump_level:
      description: makedumpfile dump level from the kdump sub header.
      type: int
    size:
      description: Size of the dump file in bytes.
      type: int
    kernel_release:
      description: Release of the crashed kernel from the kdump header.
      type: str
    dmesg_file:
      description: The crashed kernel's log saved next to the dump (C(vmcore-dmesg.txt), C(dmesg.<stamp>)).
      type: str
    panic_line:
      description: The C(Kernel panic - not syncing ...) line of that log (or the sysrq trigger line).
      type: str
      sample: "Kernel panic - not syncing: sysrq triggered crash"
    test_status:
      description: State in a C(kdumpctl test) status file, when there is one.
      type: str
    incomplete_markers:
      description: Names of the files a capture leaves while it writes (C(vmcore-incomplete), C(dump-incomplete)).
      type: list
      elements: str
    complete:
      description: Whether the dump is complete.
      type: bool
    reason:
      description: Every reason it is not complete, joined by C(; ); null when complete.
      type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import check_client, parse_since
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.verdict import new_dump_verdicts, summarize
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import (
    MARKER_PATH,
    MarkerError,
    read_boot_id,
    read_marker,
    validate_marker,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import classify_outcome
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import local_dump_dir
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import PLATFORM_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    path=dict(type='path'),
    client=dict(type='str'),
    since=dict(type='raw'),
    config_file=dict(type='path'),
    platform=PLATFORM_ARGUMENT_SPEC,
)
REQUIRED_BY = {'client': ('path',)}
STORED_MARKER = 'marker'


def stored_marker():
    """The marker kdump_crash stored on this host; raises MarkerError when there is none."""
    marker = read_marker()
    if marker is None:
        raise MarkerError('since: marker, but this host has no crash marker (%s); crash it with '
                          'crashdump.kdump.kdump_crash first, or give since as the marker it returned or a time'
                          % MARKER_PATH)
    return marker


def since_filter(since, client=None):
    """``(since_epoch, known_names, marker)`` from the ``since`` option; raises ValueError/MarkerError.

    A marker (given, or ``marker`` for the stored one) selects by the names of
    the directories that existed before the crash; a time by modification
    times (``capture_dirs.select_new``).
    """
    if since is None or since == '':
        return None, None, None
    if isinstance(since, dict) or (isinstance(since, str) and since.strip() == STORED_MARKER):
        if client is not None:
            raise ValueError('since: a crash marker describes the host it was made on, not a dump server; with '
                             'client give since as a time from the server\'s clock (server_time of '
                             'crashdump.kdump.dump_server, read just before the crash)')
        marker = validate_marker(since, 'since') if isinstance(since, dict) else stored_marker()
        return None, marker['capture_dirs'], marker
    return parse_since(since), None, None


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_by=REQUIRED_BY, supports_check_mode=True)
    client = module.params['client']
    try:
        if client is not None:
            check_client(client)
        since_epoch, known_names, marker = since_filter(module.params['since'], client)
    except (ValueError, MarkerError) as error:
        module.fail_json(msg=str(error))
    path, why_not = local_dump_dir(module, module.params['path'], module.params['config_file'],
                                   module.params['platform'])
    if path is None:
        module.fail_json(msg=why_not)
    dumps = new_dump_verdicts(path, since_epoch, known_names, client)
    result = dict(changed=False, dump_path=path, client=client, dumps=dumps, **summarize(dumps))
    boot_changed = None
    if marker is not None:
        boot_changed = result['boot_changed'] = marker['boot_id'] != read_boot_id()
    if marker is not None or since_epoch is not None:
        where = path if client is None else '%s for client %s' % (path, client)
        result['outcome'] = classify_outcome(boot_changed, dumps, where)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
