# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role's service and verify stages in check mode, on fake hosts (``fake_world``).

A host that runs with its reservation but has no capture kernel loaded yet (a host
where kdump was never installed, booted with crashkernel= by hand): in check mode
the service stage only plans the load, so the verify stage must take the plan for
the state, and change nothing. The crash test in check mode crashes nothing and
ends ``skipped``, which fails no host.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.crashdump.kdump.tests.unit.playbooks.fake_world import lay_out, read_world

M = 1024 * 1024
NOT_LOADED = {'ram': 2146938880, 'default': '384M-:128M', 'configured': '384M-:128M',
              'reserved_bytes': 128 * M, 'captures_from': 96 * M, 'operational': False}

STAGES = '''- name: Stages of the role
  hosts: fleet
  gather_facts: false
  tasks:
%s
'''
STAGE = '''    - name: Stage %(stage)s
      ansible.builtin.include_role:
        name: crashdump.kdump.kdump
        tasks_from: %(stage)s
'''


def _run(tmp_path, run_playbook, stages, *options):
    world = lay_out(tmp_path, {'web1': dict(NOT_LOADED)},
                    STAGES % ''.join(STAGE % {'stage': stage} for stage in stages))
    result = run_playbook('-i', str(tmp_path / 'inventory.ini'), str(tmp_path / 'play' / 'site.yml'), *options)
    return result, read_world(world, 'web1')


def test_check_mode_takes_the_planned_load_for_operational_and_changes_nothing(tmp_path, run_playbook):
    result, world = _run(tmp_path, run_playbook, ['service', 'verify'], '--check')
    assert result.returncode == 0, result.stdout
    assert 'web1 ' in result.stdout and 'changed=1' in result.stdout
    assert world['operational'] is False


def test_a_real_run_loads_the_capture_kernel_and_verifies_it(tmp_path, run_playbook):
    result, world = _run(tmp_path, run_playbook, ['service', 'verify'])
    assert result.returncode == 0, result.stdout
    assert world['operational'] is True


def test_check_mode_without_a_planned_load_still_fails_a_host_without_capture_kernel(tmp_path, run_playbook):
    result, world = _run(tmp_path, run_playbook, ['verify'], '--check')
    assert result.returncode == 2, result.stdout
    assert 'kdump is not ready: operational=False' in result.stdout


CRASH_TEST = '''    - name: Stage crash_test
      ansible.builtin.include_role:
        name: crashdump.kdump.kdump
        tasks_from: crash_test
    - name: Show the outcome
      ansible.builtin.debug:
        msg: "outcome={{ kdump_crash_test_result.outcome }} detail={{ kdump_crash_test_result.detail }}"
'''


def _run_with_crash_test(tmp_path, run_playbook, stages, *options):
    world = lay_out(tmp_path, {'web1': dict(NOT_LOADED)},
                    STAGES % (''.join(STAGE % {'stage': stage} for stage in stages) + CRASH_TEST))
    result = run_playbook('-i', str(tmp_path / 'inventory.ini'), str(tmp_path / 'play' / 'site.yml'),
                          '-e', 'kdump_crash_test_confirm=crash', *options)
    return result, read_world(world, 'web1')


def test_check_mode_skips_the_crash_test_of_a_host_it_would_change_first(tmp_path, run_playbook):
    # The real host is not operational, so a preflight would refuse: it must not run.
    result, world = _run_with_crash_test(tmp_path, run_playbook, ['service', 'verify'], '--check')
    assert result.returncode == 0, result.stdout
    assert 'outcome=skipped' in result.stdout
    assert 'an earlier stage would change the host' in result.stdout
    assert world.get('crashes', 0) == 0 and world['operational'] is False


def test_without_check_mode_the_same_stages_crash_the_host(tmp_path, run_playbook):
    result, world = _run_with_crash_test(tmp_path, run_playbook, ['service', 'verify'])
    assert result.returncode == 0, result.stdout
    assert 'outcome=complete' in result.stdout
    assert world['crashes'] == 1


FLEET = {'web1': dict(NOT_LOADED, operational=True), 'web2': dict(NOT_LOADED, operational=True)}


def _verify_capture(tmp_path, run_playbook, worlds, *options):
    world = lay_out(tmp_path, worlds, '- name: Verify capture\n  ansible.builtin.import_playbook: crashdump.kdump.verify_capture\n')
    capture = tmp_path / 'capture.json'
    result = run_playbook('-i', str(tmp_path / 'inventory.ini'), str(tmp_path / 'play' / 'site.yml'), '-e',
                          json.dumps({'kdump_hosts': 'fleet', 'kdump_crash_test_confirm': 'crash',
                                      'kdump_capture_file': str(capture)}), *options)
    outcomes = json.loads(capture.read_text()) if capture.exists() else {}
    return result, outcomes, dict((host, read_world(world, host)) for host in worlds)


def test_verify_capture_in_check_mode_reports_skipped_and_crashes_nobody(tmp_path, run_playbook):
    # One host a batch and no failure allowed: skipped hosts spend no failure budget, so both are reached.
    result, outcomes, worlds = _verify_capture(tmp_path, run_playbook, FLEET, '--check')
    assert result.returncode == 0, result.stdout[-4000:]
    assert dict((host, record['outcome']) for host, record in outcomes.items()) == {'web1': 'skipped',
                                                                                    'web2': 'skipped'}
    assert all(not record['complete'] and 'the preflight passed' in record['detail'] for record in outcomes.values())
    assert all(world.get('crashes', 0) == 0 for world in worlds.values())


def test_verify_capture_in_check_mode_still_reports_a_refusal_as_a_failure(tmp_path, run_playbook):
    worlds = dict(FLEET, web1=dict(NOT_LOADED))
    result, outcomes, _worlds = _verify_capture(tmp_path, run_playbook, worlds, '--check')
    assert result.returncode == 2, result.stdout[-4000:]
    assert outcomes['web1']['outcome'] == 'refused'
    # The refusal spent the failure budget (0) before the second batch.
    assert outcomes['web2']['outcome'] == 'not_tested'
