# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""omit_empty in a real task: an empty answer leaves the option out, a value reaches the task."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

PLAY = """
- name: omit_empty
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Options from answers as a survey sends them
      ansible.builtin.set_fact:
        given_level: "{{ '31' | crashdump.kdump.omit_empty(omit) }}"
        given_zero: "{{ 0 | crashdump.kdump.omit_empty(omit) }}"
        unset_path: "{{ '' | crashdump.kdump.omit_empty(omit) }}"
        unset_target: "{{ {} | crashdump.kdump.omit_empty(omit) }}"
    - name: Show what reached the task
      ansible.builtin.debug:
        msg: "RESULT {{ {'level': given_level, 'zero': given_zero | string, 'path': unset_path is defined,
                         'target': unset_target is defined} | to_json }}"
"""


def test_empty_answers_are_omitted_and_values_kept(tmp_path, run_playbook):
    play = tmp_path / 'play.yml'
    play.write_text(PLAY)
    run = run_playbook('-i', 'localhost,', '-c', 'local', str(play))
    assert run.returncode == 0, run.stdout[-4000:]
    line = [text for text in run.stdout.splitlines() if '"msg": "RESULT ' in text][0]
    shown = json.loads(json.loads('{' + line.strip() + '}')['msg'][len('RESULT '):])
    assert shown == {'level': '31', 'zero': '0', 'path': False, 'target': False}
