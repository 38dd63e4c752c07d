#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: capture_proof
short_description: Record on the tested host how its crash test ended, as proof of what the test covered
version_added: 0.2.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Run on the tested host once its crash test has been judged (the judge, M(crashdump.kdump.vmcore_info), may have
    run on a dump server). For a dump kept on the host itself, O(find_dump=true) finds and judges it in the same
    call - one round trip instead of two right after the host is back. Records the outcome together with the host state the test covered, so that
    M(crashdump.kdump.kdump_info) can tell later whether the proof still holds for the host as it is then
    (its RV(crashdump.kdump.kdump_info#module:proof)).
  - The covered state comes from the crash marker M(crashdump.kdump.kdump_crash) wrote just before the crash - the
    kernel release, a SHA-256 digest of the kdump configuration files, the crash kernel reservation, the machine's
    RAM and the dump target. The marker must be that of a crash that happened - its boot id differs from the
    running boot's; otherwise, or when there is no marker, the task fails and nothing is written (for a marker of
    the running boot with RV(outcome) C(not_crashed)).
  - The record is C(/var/lib/crashdump-kdump/capture-proof.json) (JSON, mode C(0600), directory C(0700)), written
    atomically. Its C(last_test) is always the recorded test, whatever its outcome; its C(proof) is replaced only
    by a complete test, so a failed test after a complete one leaves the proof as it was.
  - Recording the same outcome of the same marker again changes nothing.
options:
  outcome:
    description:
      - The crash test's result - the RV(crashdump.kdump.vmcore_info#module:outcome) of M(crashdump.kdump.vmcore_info),
        or the role's C(kdump_crash_test_result). Needs C(outcome), C(complete) and C(dump); C(detail) is kept;
        other keys are ignored.
      - C(outcome) is one of C(complete), C(incomplete), C(no_capture), C(not_returned), C(error); C(complete)
        must be true for C(complete) only. C(refused), C(not_crashed), C(not_tested) and C(current) are rejected -
        no test crash happened, so there is no test to record.
      - Required with O(state=present) unless O(find_dump=true); not allowed with O(state=absent).
    type: dict
  find_dump:
    description:
      - Find the crash test's dump on this host and judge it instead of taking O(outcome) - what
        M(crashdump.kdump.vmcore_info) with O(crashdump.kdump.vmcore_info#module:since=marker) reports as its
        RV(crashdump.kdump.vmcore_info#module:outcome), from the capture directories in the dump directory that the
        stored marker does not list.
      - For a local dump target. A dump on an ssh or NFS server is judged there by
        M(crashdump.kdump.vmcore_info); pass its outcome as O(outcome).
      - Not allowed with O(outcome) or O(state=absent).
    type: bool
    default: false
  path:
    description:
      - With O(find_dump=true), the directory holding the capture directories.
      - Default - the local dump directory of the kdump configuration, as for
        O(crashdump.kdump.vmcore_info#module:path); the task fails when dumps go to another host or a raw device.
    type: path
  config_file:
    description: With O(find_dump=true), the kdump configuration to read the default O(path) from.
    type: path
  state:
    description:
      - V(present) records O(outcome). V(absent) forgets every recorded test - the proof file is removed.
    type: str
    default: present
    choices: [present, absent]
  marker:
    description:
      - The RV(crashdump.kdump.kdump_crash#module:marker) returned for the test being recorded. When given, the
        marker stored on the host must be the same test (boot id and trigger time), so that an outcome is never
        recorded against a later test.
    type: dict
  marker_path:
    description: Where M(crashdump.kdump.kdump_crash) wrote its marker (its O(crashdump.kdump.kdump_crash#module:marker_path)).
    type: path
    default: /var/lib/crashdump-kdump/crash-marker.json
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - crashdump.kdump.platform
attributes:
  check_mode:
    support: full
    details: Reads the marker and the proof file and reports the change and the diff; writes nothing.
  diff_mode:
    support: full
    details: The proof file's JSON before and after.
  platform:
    platforms: posix
notes:
  - Any byte changed in a kdump configuration file, a comment too, makes the proof C(stale) in
    M(crashdump.kdump.kdump_info); the digest cannot tell what the tools make of a change.
seealso:
  - module: crashdump.kdump.kdump_crash
  - module: crashdump.kdump.vmcore_info
  - module: crashdump.kdump.kdump_info
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

- name: Judge the capture
  crashdump.kdump.vmcore_info:
    since: "{{ crash.marker }}"
  register: vmcores

- name: Record the outcome and what the test covered
  crashdump.kdump.capture_proof:
    outcome: "{{ vmcores.outcome }}"
    marker: "{{ crash.marker }}"

- name: Or, for a dump kept on the host, find it, judge it and record the outcome in one task
  crashdump.kdump.capture_proof:
    find_dump: true
    marker: "{{ crash.marker }}"
  register: proof
- name: Later - is the proof still about this host?
  crashdump.kdump.kdump_info:
  register: kdump

- name: Show why a host needs a new crash test
  ansible.builtin.debug:
    msg: "{{ kdump.proof.detail }}"
  when: kdump.proof.status != 'current'

- name: Forget every recorded test
  crashdump.kdump.capture_proof:
    state: absent
'''

RETURN = r'''
changed:
  description: True when the proof file was (or, in check mode, would be) written or removed.
  returned: always
  type: bool
path:
  description: The proof file.
  returned: always
  type: str
  sample: /var/lib/crashdump-kdump/capture-proof.json
last_test:
  description:
    - The recorded test as the file now holds it (null after O(state=absent)) - C(outcome), C(complete),
      C(dump), C(detail), C(tested_at) (when the crash was triggered, ISO 8601 UTC), C(triggered_at) (the same in
      epoch seconds) and C(boot_id) (of the boot that crashed) from the marker, and C(covered), the host state
      the test covered.
    - C(covered) - C(kernel_release); C(config_digest) (C(sha256) over all files, null when a file could not be
      read, and C(files), each C(path), C(sha256) and C(missing)); C(reserved_bytes)
      (C(/sys/kernel/kexec_crash_size)); C(memory_bytes) and C(memory_source) (the top-level System RAM of
      C(/proc/iomem), else the online blocks of C(/sys/devices/system/memory)); C(target) (C(type), C(location),
      C(path)). A value that could not be read is null.
  returned: always
  type: dict
  sample: {"outcome": "complete", "complete": true, "dump": "/var/crash/202601261040/dump.202601261040",
           "detail": "the capture left a complete kdump-compressed dump in /var/crash/202601261040",
           "tested_at": "2026-01-26T10:40:00Z", "triggered_at": 1769424000.5,
           "boot_id": "0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11",
           "covered": {"kernel_release": "6.1.0-28-amd64",
                       "config_digest": {"sha256": "5d1c...", "files": [{"path": "/etc/default/kdump-tools",
                                                                         "sha256": "9a0f...", "missing": false}]},
                       "reserved_bytes": 268435456, "memory_bytes": 2146954240,
                       "memory_source": "/proc/iomem System RAM",
                       "target": {"type": "local", "location": null, "path": "/var/crash"}}}
outcome:
  description:
    - The outcome as recorded - C(outcome), C(complete), C(detail), C(dump), the shape of
      RV(crashdump.kdump.vmcore_info#module:outcome) without other keys.
    - When the task fails because the stored marker is of the running boot (the host has not crashed), the
      C(not_crashed) outcome of the test.
  returned: with O(state=present), and on that failure
  type: dict
  sample: {"outcome": "complete", "complete": true, "dump": "/var/crash/202601261040/dump.202601261040",
           "detail": "the capture left a complete kdump-compressed dump in /var/crash/202601261040"}
dumps:
  description:
    - With O(find_dump=true), the capture directories the crash test left, oldest first - each as in
      RV(crashdump.kdump.vmcore_info#module:dumps).
  returned: with O(find_dump=true), when the host has crashed
  type: list
  elements: dict
  sample: [{"name": "202601261040", "path": "/var/crash/202601261040", "layout": "debian", "complete": true,
            "dump_file": "/var/crash/202601261040/dump.202601261040", "format": "kdump-compressed", "reason": null}]
proof:
  description:
    - The last complete test as the file now holds it - C(tested_at), C(triggered_at), C(dump), C(boot_id) and
      C(covered), as in RV(last_test). Null when no complete test has been recorded, and after O(state=absent).
  returned: always
  type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.proof import (
    PROOF_PATH,
    NotCrashedError,
    ProofError,
    check_outcome,
    check_tested_marker,
    parse_proof,
    record_test,
    render_proof,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import (
    MARKER_PATH,
    MarkerError,
    read_boot_id,
    read_marker,
    validate_marker,
    write_state_file,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import classify_outcome
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.verdict import new_dump_verdicts
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import local_dump_dir
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import PLATFORM_ARGUMENT_SPEC
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import make_diff, read_text

ARGUMENT_SPEC = dict(
    outcome=dict(type='dict'),
    find_dump=dict(type='bool', default=False),
    path=dict(type='path'),
    config_file=dict(type='path'),
    platform=PLATFORM_ARGUMENT_SPEC,
    state=dict(type='str', default='present', choices=['present', 'absent']),
    marker=dict(type='dict'),
    marker_path=dict(type='path', default=MARKER_PATH),
)


def check_params(params):
    """The outcome record to keep (None for ``absent`` and for ``find_dump``, which judges the dump itself);
    raises ``ProofError`` or ``MarkerError``."""
    if params['state'] == 'absent':
        given = [name for name in ('outcome', 'marker') if params[name] is not None]
        given += ['find_dump'] if params['find_dump'] else []
        if given:
            raise ProofError('%s: not used with state=absent, which forgets every recorded test; leave it out'
                             % ', '.join(given))
        return None
    if params['find_dump'] and params['outcome'] is not None:
        raise ProofError('outcome, find_dump: give one of them - the outcome of crashdump.kdump.vmcore_info, or '
                         'find_dump=true to find and judge the dump on this host')
    if not params['find_dump'] and params['outcome'] is None:
        raise ProofError('outcome: required with state=present; pass the outcome of crashdump.kdump.vmcore_info, '
                         'or set find_dump=true')
    if params['marker'] is not None:
        validate_marker(params['marker'], 'marker')
    return None if params['find_dump'] else check_outcome(params['outcome'])


def judge_dump_here(module, params):
    """``(dumps, outcome)`` for ``find_dump``: the capture directories the crash test left in this host's dump
    directory - those not there when the marker was written - and the test's outcome from them."""
    marker = check_tested_marker(read_marker(params['marker_path']), read_boot_id(), params['marker_path'],
                                 params['marker'])
    directory, why_not = local_dump_dir(module, params['path'], params['config_file'], params['platform'])
    if directory is None:
        raise ProofError('find_dump: %s' % why_not)
    dumps = new_dump_verdicts(directory, known_names=marker['capture_dirs'])
    return dumps, check_outcome(classify_outcome(True, dumps, directory))


def recorded(params, outcome, existing):
    """The proof file content with ``outcome`` recorded for the stored marker's test."""
    marker = check_tested_marker(read_marker(params['marker_path']), read_boot_id(), params['marker_path'],
                                 params['marker'])
    return record_test(existing, outcome, marker)


def forget(module, path, before_text):
    """``state=absent``: remove the proof file."""
    changed = before_text is not None
    result = dict(changed=changed, path=path, last_test=None, proof=None)
    if module._diff:
        result['diff'] = {'before': before_text or '', 'after': '', 'before_header': path,
                          'after_header': '%s (absent)' % path}
    if changed and not module.check_mode:
        try:
            os.unlink(path)
        except OSError as error:
            module.fail_json(msg='cannot remove %s: %s' % (path, error), changed=False)
    module.exit_json(**result)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    path = PROOF_PATH
    try:
        outcome = check_params(params)
        before_text = read_text(path)
    except (ProofError, MarkerError, IOError, OSError) as error:
        module.fail_json(msg=str(error), changed=False)
    if params['state'] == 'absent':
        forget(module, path, before_text)
    dumps = None
    try:
        if params['find_dump']:
            dumps, outcome = judge_dump_here(module, params)
        existing = parse_proof(before_text, path)
        after = recorded(params, outcome, existing)
    except NotCrashedError as error:
        module.fail_json(msg=str(error), changed=False, outcome=classify_outcome(False, []))
    except (ProofError, MarkerError, IOError, OSError) as error:
        module.fail_json(msg=str(error), changed=False)

    after_text = render_proof(after)
    result = dict(changed=after != existing, path=path, outcome=outcome, last_test=after['last_test'],
                  proof=after['proof'])
    if dumps is not None:
        result['dumps'] = dumps
    if module._diff:
        result['diff'] = make_diff(path, before_text, after_text)
    if result['changed'] and not module.check_mode:
        try:
            write_state_file(after_text, path)
        except (IOError, OSError) as error:
            module.fail_json(msg='cannot write %s: %s' % (path, error), changed=False)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
