#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by the action plugin of the same name
# (plugins/action/wait_for_new_boot.py); this file holds its documentation.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: wait_for_new_boot
short_description: Wait until a crashed host answers from its next boot
version_added: 0.2.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - After M(crashdump.kdump.kdump_crash) schedules a crash, waits until the host answers over its connection with a
    boot id (C(/proc/sys/kernel/random/boot_id)) other than O(boot_id), the one it had before the crash - the way
    M(ansible.builtin.reboot) waits for a new boot time.
  - Polling starts at once, with no fixed delay - an answer with the old boot id means the crash has not happened
    yet, and no answer means the host is down or in its capture kernel. Each attempt opens a fresh connection
    with O(connect_timeout).
  - Fails after O(timeout) seconds without a new boot; the result still has RV(elapsed) and RV(attempts).
  - Runs on the controller (an action plugin); it needs no Python on the host, only a shell that runs C(cat).
options:
  boot_id:
    description: The boot id the host had before the crash - C(boot_id) of RV(crashdump.kdump.kdump_crash#module:marker).
    type: str
    required: true
  timeout:
    description: Seconds to wait for the new boot, from the start of the task.
    type: int
    default: 900
  connect_timeout:
    description: Seconds each connection attempt may take.
    type: int
    default: 5
  sleep:
    description: Seconds between two attempts.
    type: int
    default: 1
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Skipped in check mode, where no crash was triggered.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: crashdump.kdump.kdump_crash
  - module: ansible.builtin.reboot
  - module: ansible.builtin.wait_for_connection
'''

EXAMPLES = r'''
- name: Crash the host
  crashdump.kdump.kdump_crash:
    confirm: true
  register: crash

- name: Wait for the host to come back from the capture
  crashdump.kdump.wait_for_new_boot:
    boot_id: "{{ crash.marker.boot_id }}"
    timeout: 900
  register: back

- name: Show how long the host was away
  ansible.builtin.debug:
    msg: "back after {{ back.elapsed }} s, boot {{ back.boot_id }}"
'''

RETURN = r'''
elapsed:
  description: Seconds from the start of the task until the host answered from a new boot (or until the timeout).
  returned: always
  type: int
  sample: 58
attempts:
  description: How many times the host was asked.
  returned: always
  type: int
  sample: 12
boot_id:
  description: The new boot id; null when the host did not answer from a new boot in time.
  returned: always
  type: str
  sample: 8d6f3c1e-5b7a-4c2d-9e0f-1a2b3c4d5e6f
old_boot_id:
  description: O(boot_id), as given.
  returned: always
  type: str
'''
