# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ansible-playbook on the controller alone, with this checkout as crashdump.kdump."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

import pytest

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def _collections_path(tmp_path):
    if os.path.basename(os.path.dirname(os.path.dirname(COLLECTION))) == 'ansible_collections':
        return os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
    tree = tmp_path / 'collections' / 'ansible_collections' / 'crashdump'
    tree.mkdir(parents=True)
    os.symlink(COLLECTION, str(tree / 'kdump'))
    return str(tmp_path / 'collections')


@pytest.fixture
def run_playbook(tmp_path):
    """Run ansible-playbook with ARGS; return the CompletedProcess (stdout and stderr together)."""
    if sys.version_info < (3, 10):
        pytest.skip('the controller needs Python 3.10 or later')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path(tmp_path), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'), ANSIBLE_HOME=str(tmp_path / 'home'))
    playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

    def run(*args):
        return subprocess.run([playbook if os.path.exists(playbook) else 'ansible-playbook'] + list(args),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              timeout=600, check=False)
    return run
