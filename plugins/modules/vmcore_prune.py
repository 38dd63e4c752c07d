#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vmcore_prune
short_description: Delete old crash dumps by a retention policy, never the last good one
version_added: 0.2.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Applies a retention policy to the capture directories under the dump path - RHEL C(<ip>-YYYY-MM-DD-HH:MM:SS/)
    and C(kdump-test-<id>/), Debian C(YYYYMMDDHHMM/) and C(<ip|host>-YYYYMMDDHHMM/), SUSE C(YYYY-MM-DD-HH-MM/) and
    C(<host>-YYYY-MM-DD-HH-MM/) - and deletes the directories it rejects. Other files and directories in the path
    are never touched.
  - Each rule marks captures for deletion on its own - O(keep) the newest captures, O(max_age_days),
    O(max_total_bytes). At least one rule is required.
  - Three protections override every rule. The newest complete capture of each client (or of the path) is never
    deleted, however old. A capture modified within O(guard_seconds) is never deleted. A capture that still holds a
    C(vmcore-incomplete) or C(dump-incomplete) file is never deleted either, unless O(prune_incomplete).
  - Deletes only with O(confirm=delete). Without it the module reports what it would delete, deletes nothing and
    says so (RV(dry_run)). Check mode and diff mode show exactly what a confirmed run deletes.
  - Works only in the configured kdump dump directory (C(path) of C(/etc/kdump.conf) or C(KDUMP_COREDIR) of
    C(/etc/default/kdump-tools), below the mount point of a filesystem target), resolved through symbolic links.
    Any other directory, such as the one a dump server receives captures in, needs O(force_path). The root
    directory and the top-level system directories are always refused.
  - Nothing is followed through a symbolic link - a capture directory that is a link is left alone, links inside a
    capture are removed as links - and each directory is checked again just before it is removed.
  - Runs on the host that holds the dumps - the crashed host for a local target, the dump server for ssh or nfs.
options:
  path:
    description:
      - Directory holding the capture directories.
      - Default - the local dump directory of the kdump configuration. Without O(path) the module fails when dumps go
        to another host (ssh, nfs) or a raw device.
      - A directory other than the configured one is refused unless O(force_path).
    type: path
  keep:
    description:
      - Keep the newest this many captures; older ones are deleted. Per client tag when captures are grouped by
        client (O(per_client)).
      - V(0) leaves only what the protections keep - the newest complete capture and captures still being written.
    type: int
  max_age_days:
    description:
      - Delete captures whose newest file is older than this many days (fractions allowed).
      - The age comes from the modification times on the machine that holds the directory, not from the stamp in the
        directory name, which is the capture kernel's clock.
    type: float
  max_total_bytes:
    description:
      - Keep the captures under this size in total, across all clients. After the other rules, the oldest captures
        that are not protected are deleted until the rest fits.
      - Bytes, or a whole number with a unit K, M, G, T, P or E (powers of 1024) - V(500M), V(10G). Sizes are
        apparent file sizes.
      - When the protected captures alone exceed it, RV(over_limit) is true.
    type: raw
  guard_seconds:
    description:
      - A capture with the directory or a file in it modified less than this many seconds ago may still be written
        and is never deleted.
    type: int
    default: 600
  per_client:
    description:
      - Apply O(keep) and the newest-complete protection per client tag - the part of a directory name before its
        stamp (C(192.168.77.10-2026-01-26-10:42:00), C(web-1-202601261042)) - as on a dump server that receives
        captures from many hosts. Directories without a tag form one group.
      - Default - per client as soon as one capture directory carries a tag.
    type: bool
  prune_incomplete:
    description:
      - Let the rules delete captures that still hold a C(vmcore-incomplete) or C(dump-incomplete) file - captures
        that failed - once they are older than O(guard_seconds). By default they are kept, as they may still be
        written.
    type: bool
    default: false
  confirm:
    description:
      - The word V(delete) to really delete. Without it nothing is deleted and RV(deleted) lists what would be.
      - Any other value is refused.
    type: str
  force_path:
    description:
      - Allow a O(path) that is not the configured kdump dump directory, such as the directory a dump server receives
        captures in.
    type: bool
    default: false
  config_file:
    description: The kdump configuration to read the configured dump directory from.
    type: path
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - crashdump.kdump.platform
attributes:
  check_mode:
    support: full
    details: Lists what would be deleted, deletes nothing.
  diff_mode:
    support: full
    details: The capture directories before and after, with their sizes.
  platform:
    platforms: posix
seealso:
  - module: crashdump.kdump.vmcore_info
  - module: crashdump.kdump.dump_server
'''

EXAMPLES = r'''
- name: Keep the three newest dumps and none older than 30 days
  crashdump.kdump.vmcore_prune:
    keep: 3
    max_age_days: 30
    confirm: delete

- name: See what a policy would delete, without deleting anything
  crashdump.kdump.vmcore_prune:
    keep: 1
  register: prune

- name: Show it
  ansible.builtin.debug:
    msg: "{{ prune.deleted | map(attribute='path') | list }} would free {{ prune.bytes_freed }} bytes"

- name: Keep the dumps under 50 GiB in all
  crashdump.kdump.vmcore_prune:
    max_total_bytes: 50G
    confirm: delete

# A dump server that receives captures from many hosts
- name: Keep two dumps per client on the dump server
  crashdump.kdump.vmcore_prune:
    path: /srv/crash
    force_path: true
    per_client: true
    keep: 2
    max_age_days: 90
    confirm: delete
  delegate_to: dumps.example.com

- name: Also clean up captures that failed half-way, once they are a day old
  crashdump.kdump.vmcore_prune:
    max_age_days: 1
    prune_incomplete: true
    confirm: delete
'''

RETURN = r'''
changed:
  description: Whether captures were deleted (in check mode, whether they would be).
  returned: always
  type: bool
dump_path:
  description: The directory pruned, with symbolic links resolved.
  returned: always
  type: str
  sample: /var/crash
dry_run:
  description: True when nothing was deleted because of check mode or because O(confirm) was not V(delete).
  returned: always
  type: bool
per_client:
  description: Whether the policy was applied per client tag.
  returned: always
  type: bool
deleted:
  description:
    - The capture directories deleted, oldest first - or, in a dry run, those a confirmed run would delete.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Directory name.
      type: str
      sample: 192.168.77.10-2026-01-20-03:12:44
    path:
      description: Directory path.
      type: str
    client:
      description: The client tag before the stamp, or null for the layouts without one.
      type: str
    captured_at:
      description: Date in the directory name (capture kernel's clock), C(YYYY-MM-DDTHH:MM:SS).
      type: str
    complete:
      description: Whether it held a complete dump.
      type: bool
    bytes:
      description: Apparent size of its files.
      type: int
    reason:
      description: Every rule that rejected it, joined by C(; ).
      type: str
      sample: beyond the newest 2 of client 192.168.77.10; 41.2 days old, older than max_age_days 30.0
kept:
  description: The capture directories kept, oldest first, in the shape of RV(deleted).
  returned: always
  type: list
  elements: dict
  contains:
    reason:
      description: The protection that kept it, or C(within the policy).
      type: str
      sample: the newest complete capture of client 192.168.77.10
skipped:
  description:
    - Capture directories left alone for safety - symbolic links, and directories that changed between the plan and
      the deletion (written to again, or no longer a plain directory). Each has C(name), C(path) and C(reason).
  returned: always
  type: list
  elements: dict
bytes_freed:
  description: Bytes deleted (in a dry run, bytes a confirmed run would delete).
  returned: always
  type: int
total_bytes:
  description: Bytes in all capture directories before the run.
  returned: always
  type: int
total_bytes_after:
  description: Bytes left in the capture directories after the run (in a dry run, after a confirmed run).
  returned: always
  type: int
over_limit:
  description: True when O(max_total_bytes) is still exceeded because the rest is protected.
  returned: always
  type: bool
policy:
  description: The policy applied, O(max_total_bytes) in bytes.
  returned: always
  type: dict
  sample: {"keep": 2, "max_age_days": 30.0, "max_total_bytes": null, "guard_seconds": 600}
msg:
  description: One sentence on what was (or would be) deleted.
  returned: always
  type: str
'''

import os
import shutil
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import list_capture_dirs
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.retention import (
    DEFAULT_GUARD_SECONDS,
    check_policy,
    directory_bytes,
    format_size,
    plan_retention,
    recheck_deletable,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.verdict import inspect_capture
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import configured_local_dir
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)

ARGUMENT_SPEC = dict(
    path=dict(type='path'),
    keep=dict(type='int'),
    max_age_days=dict(type='float'),
    max_total_bytes=dict(type='raw'),
    guard_seconds=dict(type='int', default=DEFAULT_GUARD_SECONDS),
    per_client=dict(type='bool'),
    prune_incomplete=dict(type='bool', default=False),
    confirm=dict(type='str'),
    force_path=dict(type='bool', default=False),
    config_file=dict(type='path'),
    platform=PLATFORM_ARGUMENT_SPEC,
)
CONFIRM_WORD = 'delete'
SYSTEM_DIRECTORIES = frozenset(('/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt',
                                '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var'))


def check_confirm(value):
    """True for ``delete``, False when not given; ``ValueError`` for anything else."""
    if value is None or value == '':
        return False
    if value != CONFIRM_WORD:
        raise ValueError('confirm: %r is not the word %s; give confirm: %s to delete, or leave it out for a dry run'
                         % (value, CONFIRM_WORD, CONFIRM_WORD))
    return True


def configured_dump_dir(module):
    """``(directory or None, description)`` of the local dump directory the kdump configuration names."""
    try:
        platform = probe_platform(module, module.params['platform'])
    except PlatformError as error:
        module.fail_json(msg='%s; or give path and force_path: true' % error)
    directory, why_not = configured_local_dir(platform, module.params['config_file'])
    return directory, why_not or directory


def dump_path(module):
    """The resolved directory to prune; fails, naming ``path``, when it is not allowed."""
    given = module.params['path']
    force = module.params['force_path']
    configured = description = None
    if given is None or not force:
        configured, description = configured_dump_dir(module)
    if given is None:
        if configured is None:
            module.fail_json(msg='%s; give path (and force_path: true) to prune another directory' % description)
        given = configured
    resolved = os.path.realpath(given)
    if resolved in SYSTEM_DIRECTORIES:
        module.fail_json(msg='path: %r resolves to %s, which is never pruned; give the kdump dump directory'
                             % (module.params['path'] or given, resolved))
    if not force and (configured is None or resolved != os.path.realpath(configured)):
        configured_text = description if configured is None else 'the configured kdump path %s' % description
        module.fail_json(msg='path: %s is not the configured kdump dump directory - %s; give force_path: true to '
                             'prune another directory, such as the one a dump server receives captures in'
                             % (resolved, configured_text))
    return resolved


def collect_captures(root):
    """``(captures, skipped)``: the capture directories under ``root`` with their verdict and size."""
    captures = []
    skipped = []
    for entry in list_capture_dirs(root):
        if os.path.islink(entry['path']):
            skipped.append({'name': entry['name'], 'path': entry['path'],
                            'reason': 'a symbolic link: links are never followed or deleted'})
            continue
        verdict = inspect_capture(entry)
        capture = dict(entry)
        capture.update(complete=verdict['complete'], incomplete_markers=verdict['incomplete_markers'],
                       bytes=directory_bytes(entry['path']))
        captures.append(capture)
    return captures, skipped


def _listing(entries):
    return ''.join('%s\t%d\n' % (entry['name'], entry['bytes']) for entry in entries)


def build_diff(root, plan):
    everything = sorted(plan['delete'] + plan['keep'], key=lambda entry: entry['name'])
    return {'before_header': root, 'after_header': root, 'before': _listing(everything),
            'after': _listing([entry for entry in everything if entry not in plan['delete']])}


def delete_captures(module, root, entries, policy):
    """Remove the planned directories after checking each again; returns ``(deleted, skipped)``."""
    deleted = []
    skipped = []
    for entry in entries:
        problem = recheck_deletable(entry['path'], root, time.time(), policy['guard_seconds'],
                                    module.params['prune_incomplete'])
        if problem:
            skipped.append({'name': entry['name'], 'path': entry['path'], 'reason': problem})
            continue
        try:
            shutil.rmtree(entry['path'])
        except OSError as error:
            module.fail_json(msg='could not delete %s: %s; the captures before it in deleted are gone'
                                 % (entry['path'], error), deleted=deleted, skipped=skipped, dump_path=root)
        deleted.append(entry)
    return deleted, skipped


def summary(deleted, dry_run, check_mode):
    count = len(deleted)
    freed = format_size(sum(entry['bytes'] for entry in deleted))
    if not dry_run:
        return 'deleted %d capture director%s, %s' % (count, 'y' if count == 1 else 'ies', freed)
    why = 'check mode' if check_mode else 'confirm: %s was not given' % CONFIRM_WORD
    return '%s, nothing deleted: %d capture director%s (%s) would be deleted' % (
        why, count, 'y' if count == 1 else 'ies', freed)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    try:
        policy = check_policy(params['keep'], params['max_age_days'], params['max_total_bytes'],
                              params['guard_seconds'])
        confirmed = check_confirm(params['confirm'])
    except ValueError as error:
        module.fail_json(msg=str(error))
    root = dump_path(module)
    dry_run = module.check_mode or not confirmed
    result = dict(changed=False, dump_path=root, dry_run=dry_run, policy=policy, per_client=False, deleted=[],
                  kept=[], skipped=[], bytes_freed=0, total_bytes=0, total_bytes_after=0, over_limit=False)
    if not os.path.lexists(root):
        module.exit_json(msg='%s does not exist: nothing to prune' % root, **result)
    if not os.path.isdir(root):
        module.fail_json(msg='path: %s is not a directory' % root)
    captures, skipped = collect_captures(root)
    plan = plan_retention(captures, policy, time.time(), per_client=params['per_client'],
                          prune_incomplete=params['prune_incomplete'])
    deleted = plan['delete']
    if not dry_run:
        deleted, late_skips = delete_captures(module, root, plan['delete'], policy)
        skipped.extend(late_skips)
    freed = sum(entry['bytes'] for entry in deleted)
    left = plan['total_bytes'] - freed
    result.update(changed=bool(deleted) and (module.check_mode or not dry_run), per_client=plan['per_client'],
                  deleted=deleted, kept=plan['keep'], skipped=skipped, bytes_freed=freed,
                  total_bytes=plan['total_bytes'], total_bytes_after=left,
                  over_limit=policy['max_total_bytes'] is not None and left > policy['max_total_bytes'])
    if module._diff:
        result['diff'] = build_diff(root, plan if dry_run else dict(plan, delete=deleted))
    if dry_run and not module.check_mode and deleted:
        module.warn('nothing was deleted because confirm: %s was not given; %d capture directories would be deleted'
                    % (CONFIRM_WORD, len(deleted)))
    module.exit_json(msg=summary(deleted, dry_run, module.check_mode), **result)


if __name__ == '__main__':
    main()
