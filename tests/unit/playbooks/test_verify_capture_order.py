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
import os
import subprocess
import sys

import pytest

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
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

pytestmark = pytest.mark.skipif(sys.version_info < (3, 10), reason='the controller needs Python 3.10 or later')


def _collections_path(tmp_path):
    if os.path.basename(os.path.dirname(os.path.dirname(COLLECTION))) == 'ansible_collections':
        return os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
    tree = tmp_path / 'collections' / 'ansible_collections' / 'crashdump'
    tree.mkdir(parents=True)
    os.symlink(COLLECTION, str(tree / 'kdump'))
    return str(tmp_path / 'collections')


def test_dump_servers_are_crash_tested_after_their_clients(tmp_path):
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text(INVENTORY.replace('{python}', sys.executable))
    capture = tmp_path / 'capture.json'
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path(tmp_path), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'), ANSIBLE_HOME=str(tmp_path / 'home'))
    playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    run = subprocess.run(
        [playbook if os.path.exists(playbook) else 'ansible-playbook', '-i', str(inventory),
         'crashdump.kdump.verify_capture', '-e',
         json.dumps({'kdump_max_failures': 10, 'kdump_capture_file': str(capture), 'kdump_hosts': 'fleet'})],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)
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
