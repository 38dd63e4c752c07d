# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role's service and verify stages in check mode, on fake hosts (``fake_world``).

A host that runs with its reservation but has no capture kernel loaded yet (a host
where kdump was never installed, booted with crashkernel= by hand): in check mode
the service stage only plans the load, so the verify stage must take the plan for
the state, and change nothing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.tests.unit.playbooks.fake_world import lay_out, read_world

M = 1024 * 1024
NOT_LOADED = {'ram': 2146938880, 'default': '384M-:128M', 'configured': '384M-:128M',
              'reserved_bytes': 128 * M, 'operational': False}

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
