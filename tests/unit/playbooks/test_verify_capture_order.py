# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""verify_capture on the controller alone: dump servers come after their clients.

The hosts are local connections and no confirmation is given, so every crash
test is refused before anything could crash; what is left to see is the order
in which the playbook reaches the hosts and the outcomes it records.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys

INVENTORY = """
[fleet]
web1 kdump_target='{"type": "ssh", "location": "kdump@srv1"}'
srv1
web2 kdump_target='{"type": "nfs", "location": "192.0.2.9:/export"}'
web3 kdump_target='{"type": "ssh", "location": "kdump@elsewhere"}'
nfs1 ansible_host=192.0.2.9

[fleet:vars]
ansible_connection=local
ansible_become=false
ansible_python_interpreter={python}
"""


def test_dump_servers_are_crash_tested_after_their_clients(tmp_path, run_playbook):
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text(INVENTORY.replace('{python}', sys.executable))
    capture = tmp_path / 'capture.json'
    run = run_playbook('-i', str(inventory), 'crashdump.kdump.verify_capture', '-e',
                       json.dumps({'kdump_max_failures': 10, 'kdump_capture_file': str(capture), 'kdump_hosts': 'fleet'}))
    assert run.returncode == 2, run.stdout[-4000:]
    outcomes = json.loads(capture.read_text())
    assert sorted(outcomes) == ['nfs1', 'srv1', 'web1', 'web2', 'web3']
    assert set(record['outcome'] for record in outcomes.values()) == set(['refused']), outcomes
    assert all('kdump_crash_test_confirm' in record['detail'] for record in outcomes.values()), outcomes

    servers_play = run.stdout.index('PLAY [Crash test of the dump servers')
    for client in ('web1', 'web2', 'web3'):
        first = run.stdout.index('[%s]' % client, run.stdout.index('PLAY [Crash test of the hosts that serve'))
        assert first < servers_play, client
    for server in ('srv1', 'nfs1'):
        assert run.stdout.index('[%s]' % server, servers_play) > servers_play
        assert '[%s]' % server not in run.stdout[:servers_play].split('PLAY [Crash test of the hosts that serve', 1)[1]


def test_the_defaults_need_no_variable_but_the_hosts(tmp_path, run_playbook):
    """No kdump_max_failures (default 0): the first failed batch ends the run, with an outcome for every host."""
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text(INVENTORY.replace('{python}', sys.executable))
    capture = tmp_path / 'capture.json'
    run = run_playbook('-i', str(inventory), 'crashdump.kdump.verify_capture', '-e',
                       json.dumps({'kdump_capture_file': str(capture), 'kdump_hosts': 'fleet'}))
    assert run.returncode == 2, run.stdout[-4000:]
    assert 'is undefined' not in run.stdout
    outcomes = json.loads(capture.read_text())
    assert sorted(outcomes) == ['nfs1', 'srv1', 'web1', 'web2', 'web3']
    assert 'refused' in set(record['outcome'] for record in outcomes.values())
    assert set(record['outcome'] for record in outcomes.values()) <= set(['refused', 'not_tested'])
