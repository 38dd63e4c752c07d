# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""calibrate on the controller alone: the real playbook and role tasks, fake host modules
(``fake_world``); a host's world says what it reserves and from which size its captures
are complete.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.crashdump.kdump.tests.unit.playbooks.fake_world import lay_out, read_world

M = 1024 * 1024
G = 1024 * M

WORLD = {
    # 2 GiB as the kernel counts it; captures from 112M: the boundary is 96M/112M.
    'web1': {'ram': 2146938880, 'captures_from': 112 * M},
    # Same class as web1; captures from 80M, but below 72M kdump does not even load.
    'web2': {'ram': 3 * G, 'captures_from': 80 * M, 'loads_from': 72 * M},
    # A class of its own; the probe at 80M is refused for lack of space: its calibration stops there.
    'web3': {'ram': 1536 * M, 'captures_from': 96 * M, 'no_space_at': ['80M']},
}


def _setup(tmp_path, hosts):
    worlds = dict((host, dict(WORLD[host], default='384M-:128M', configured='384M-:128M', reserved_bytes=128 * M))
                  for host in hosts)
    return lay_out(tmp_path, worlds, '- name: Calibrate\n  ansible.builtin.import_playbook: crashdump.kdump.calibrate\n')


def _run(tmp_path, run_playbook, **extra):
    variables = dict({'kdump_hosts': 'fleet', 'kdump_crash_test_confirm': 'crash', 'kdump_crash_test_delay': 1,
                      'kdump_calibration_file': str(tmp_path / 'calibration.json')}, **extra)
    return run_playbook('-i', str(tmp_path / 'inventory.ini'), str(tmp_path / 'play' / 'site.yml'),
                        '-e', json.dumps(variables))


def test_bisection_converges_groups_classes_stops_on_no_space_and_applies(tmp_path, run_playbook):
    world = _setup(tmp_path, ['web1', 'web2', 'web3'])
    run = _run(tmp_path, run_playbook, kdump_max_failures=5, kdump_calibrate_apply=True)
    assert run.returncode == 2, run.stdout[-6000:]
    report = json.loads((tmp_path / 'calibration.json').read_text())
    hosts = report['hosts']

    assert [probe['size'] for probe in hosts['web1']['probes']] == ['128M', '80M', '96M', '112M']
    assert (hosts['web1']['status'], hosts['web1']['smallest_capturing'], hosts['web1']['largest_too_small'],
            hosts['web1']['recommended']) == ('calibrated', '112M', '96M', '144M')
    # 64M is too small because kdump cannot be loaded there: a size finding, not a stop.
    assert [(probe['size'], probe['outcome'], probe['verdict']) for probe in hosts['web2']['probes']] == [
        ('128M', 'complete', 'captured'), ('80M', 'complete', 'captured'), ('64M', 'refused', 'too_small')]
    assert (hosts['web2']['status'], hosts['web2']['recommended']) == ('calibrated', '112M')
    # No space is no finding about the size: stopped, neither shrunk nor grown.
    web3_probes = [(probe['size'], probe['verdict']) for probe in hosts['web3']['probes']]
    assert web3_probes == [('128M', 'captured'), ('80M', 'stop')]
    assert hosts['web3']['status'] == 'stopped' and hosts['web3']['smallest_capturing'] == '128M'

    assert len(report['classes']) == 2
    two_to_four = [entry for entry in report['classes'].values() if entry['key']['ram'] == '2G-4G'][0]
    assert two_to_four['hosts'] == ['web1', 'web2'] and two_to_four['recommended'] == '144M'
    assert two_to_four['key']['collector'] == 'makedumpfile -c -d 31'

    # Applied and proven where there is a result; the stopped host has its original reservation back.
    for host in ('web1', 'web2'):
        assert hosts[host]['final']['size'] == '144M' and hosts[host]['final']['outcome'] == 'complete', host
        assert hosts[host]['ok'] is True
        assert read_world(world, host)['configured'] == '144M'
        assert read_world(world, host)['set'][-2:] == ['384M-:128M', '144M']
    assert read_world(world, 'web3')['configured'] == '384M-:128M' and hosts['web3']['ok'] is False
    assert 'upper bound' in run.stdout and 'c1' in run.stdout


def test_two_probes_are_the_upper_bound_and_one_step_below_and_the_original_is_restored(tmp_path, run_playbook):
    world = _setup(tmp_path, ['web1'])
    run = _run(tmp_path, run_playbook, kdump_calibrate_probes=2)
    assert run.returncode == 0, run.stdout[-6000:]
    host = json.loads((tmp_path / 'calibration.json').read_text())['hosts']['web1']
    assert [probe['size'] for probe in host['probes']] == ['128M', '112M']
    assert (host['status'], host['smallest_capturing'], host['recommended']) == ('probe_limit', '112M', '144M')
    assert host['final'] is None and host['original'] == {'value': '384M-:128M', 'low': None}
    assert read_world(world, 'web1')['set'] == ['128M', '112M', '384M-:128M']
    assert read_world(world, 'web1')['crashes'] == 2


def test_without_the_confirmation_no_host_is_touched(tmp_path, run_playbook):
    world = _setup(tmp_path, ['web1'])
    run = _run(tmp_path, run_playbook, kdump_crash_test_confirm='')
    assert run.returncode == 2 and 'kdump_crash_test_confirm must be the word crash' in run.stdout
    assert 'set' not in read_world(world, 'web1') and not (tmp_path / 'calibration.json').exists()
