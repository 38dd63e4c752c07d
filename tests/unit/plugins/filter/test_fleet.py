# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.crashdump.kdump.plugins.filter.fleet import batch_count, dump_servers


@pytest.mark.parametrize('value, hosts, expected', [
    (1, 50, 1), ('1', 50, 1), ('3', 2, 3), ('', 50, 1), (None, 50, 1),
    ('10%', 50, 5), ('10%', 5, 1), ('25%', 10, 3), ('100%', 7, 7), ('1%', 1, 1), (' 50 % ', 3, 2),
])
def test_batch_count(value, hosts, expected):
    assert batch_count(value, hosts, 'kdump_reboot_batch') == expected


@pytest.mark.parametrize('value', ['0', -1, '0%', '150%', 'all', '1.5', 'x%'])
def test_batch_count_rejects_names_the_variable(value):
    with pytest.raises(AnsibleFilterError, match='kdump_reboot_batch'):
        batch_count(value, 10, 'kdump_reboot_batch')


def _ssh(server, **extra):
    host = dict(kdump_target={'type': 'ssh', 'location': 'kdumpsrv@%s' % server})
    host.update(extra)
    return host


def test_dump_servers_by_inventory_name_address_and_explicit_name():
    hostvars = {
        'web1': _ssh('srv1'),
        'web2': _ssh('10.0.0.9'),
        'web3': _ssh('192.168.77.12', kdump_ssh_server='srv3'),
        'web4': {'kdump_target': {'type': 'nfs', 'location': 'srv4:/export'}},
        'web5': {'kdump_target': {'type': 'local'}},
        'srv1': {}, 'srv2': {'ansible_host': '10.0.0.9'}, 'srv3': {}, 'srv4': {},
    }
    assert dump_servers(list(hostvars), hostvars) == ['srv1', 'srv2', 'srv3', 'srv4']


def test_a_server_outside_the_run_and_a_host_dumping_to_itself_are_not_ordered():
    hostvars = {'web1': _ssh('srv1'), 'srv1': _ssh('srv1'), 'web2': _ssh('elsewhere')}
    assert dump_servers(['web1', 'web2'], hostvars) == []
    assert dump_servers(['srv1'], hostvars) == []


def test_ipv6_nfs_server_in_brackets():
    hostvars = {'web1': {'kdump_target': {'type': 'nfs', 'location': '[2001:db8::9]:/export'}},
                'nfs1': {'ansible_host': '2001:db8::9'}}
    assert dump_servers(['web1', 'nfs1'], hostvars) == ['nfs1']
