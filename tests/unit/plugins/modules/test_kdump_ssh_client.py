# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""kdump_ssh_client through main(): the key, the capture tag, the pinned host keys."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import socket

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.modules import kdump_ssh_client

ADDR_SHOW = """1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    inet 127.0.0.1/8 scope host lo
2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    inet 10.0.2.15/24 metric 1024 brd 10.0.2.255 scope global dynamic ens3
3: ens4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    inet 192.168.77.10/24 brd 192.168.77.255 scope global ens4
"""
ROUTE = '192.168.77.12 dev ens4 src 192.168.77.10 uid 0 \\    cache '


class Host(object):
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.key = tmp_path / 'keys' / 'kdump_id_ed25519'
        self.known_hosts = tmp_path / 'ssh' / 'known_hosts'
        self.defaults = tmp_path / 'kdump-tools'
        self.defaults.write_text(u'USE_KDUMP=1\n')
        self.commands = []

    def run_command(self, args, **_kwargs):
        self.commands.append(list(args))
        if args[0].endswith('ssh-keygen'):
            path = args[args.index('-f') + 1]
            with open(path, 'w') as handle:
                handle.write('PRIVATE')
            with open(path + '.pub', 'w') as handle:
                handle.write('ssh-ed25519 AAAAC3Nza %s\n' % args[args.index('-C') + 1])
            return 0, '', ''
        if args[1:3] == ['-o', 'route']:
            return 0, ROUTE, ''
        if args[1:3] == ['addr', 'show']:
            return 0, ADDR_SHOW, ''
        raise AssertionError('unexpected command %r' % (args,))


@pytest.fixture
def host(tmp_path, monkeypatch):
    state = Host(tmp_path)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda module, args, **kw: state.run_command(args, **kw))
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, required=False, opt_dirs=None: '/usr/bin/' + name)
    monkeypatch.setattr(socket, 'gethostname', lambda: 'bookworm1')
    monkeypatch.setattr(socket, 'getaddrinfo', lambda host, port, *a: [(socket.AF_INET, socket.SOCK_STREAM, 6, '', ('192.168.77.12', port))])
    return state


def _args(host, **extra):
    args = dict(server='192.168.77.12', sshkey=str(host.key), known_hosts_file=str(host.known_hosts),
                config_file=str(host.defaults), platform='debian')
    args.update(extra)
    return args


def test_creates_key_and_its_missing_directory_0700_and_names_the_tag(run_module, host):
    result, failed = run_module(kdump_ssh_client.main, _args(host))
    assert not failed and result['changed'] and result['key_created']
    assert oct(os.stat(str(host.key.parent)).st_mode & 0o777) == '0o700'
    assert result['public_key'] == 'ssh-ed25519 AAAAC3Nza kdump@bookworm1'
    assert result['tag'] == '192.168.77.10' and result['source_address'] == '192.168.77.10'
    assert result['server_address'] == '192.168.77.12'


def test_an_existing_key_directory_keeps_its_mode(run_module, host):
    host.key.parent.mkdir(mode=0o755)
    os.chmod(str(host.key.parent), 0o755)
    result, failed = run_module(kdump_ssh_client.main, _args(host))
    assert not failed and result['key_created']
    assert oct(os.stat(str(host.key.parent)).st_mode & 0o777) == '0o755'


def test_second_run_changes_nothing(run_module, host):
    run_module(kdump_ssh_client.main, _args(host, known_hosts=['ssh-ed25519 AAAAserver']))
    result, failed = run_module(kdump_ssh_client.main, _args(host, known_hosts=['ssh-ed25519 AAAAserver']))
    assert not failed and not result['changed'] and not result['known_hosts_changed']
    assert [c for c in host.commands if c[0].endswith('ssh-keygen')].__len__() == 1


def test_check_mode_creates_nothing(run_module, host):
    result, failed = run_module(kdump_ssh_client.main, _args(host, known_hosts=['ssh-ed25519 AAAAserver']),
                                check_mode=True, diff=True)
    assert not failed and result['changed'] and result['public_key'] == ''
    assert not host.key.parent.exists() and not host.known_hosts.exists()


def test_known_hosts_pins_keys_keeps_other_lines_and_shows_a_diff(run_module, host):
    host.known_hosts.parent.mkdir()
    host.known_hosts.write_text(u'# mine\nother ssh-rsa AAAAother\n')
    result, failed = run_module(kdump_ssh_client.main,
                                _args(host, known_hosts=['ssh-ed25519 AAAAed root@server1', 'ecdsa-sha2-nistp256 AAAAec']),
                                diff=True)
    assert not failed and result['known_hosts_changed']
    assert host.known_hosts.read_text() == (u'# mine\nother ssh-rsa AAAAother\n192.168.77.12 ssh-ed25519 AAAAed\n'
                                            u'192.168.77.12 ecdsa-sha2-nistp256 AAAAec\n')
    assert '192.168.77.12 ssh-ed25519 AAAAed' in result['diff']['after']


def test_debian_hosttag_hostname_is_read_from_the_configuration(run_module, host):
    host.defaults.write_text(u'USE_KDUMP=1\nHOSTTAG="hostname"\n')
    result, failed = run_module(kdump_ssh_client.main, _args(host))
    assert not failed and result['tag'] == 'bookworm1' and result['tag_source'] == 'HOSTTAG=hostname'


def test_rhel_family_uses_the_route_device(run_module, host):
    result, failed = run_module(kdump_ssh_client.main, _args(host, platform='el9'))
    assert not failed and result['tag'] == '192.168.77.10' and 'ens4' in result['tag_source']


@pytest.mark.parametrize('extra, message', [
    (dict(server='-oProxyCommand=id'), 'server'),
    (dict(known_hosts=['not a key']), 'known_hosts'),
    (dict(platform='suse'), 'platform'),
])
def test_bad_input_names_the_parameter_and_changes_nothing(run_module, host, extra, message):
    result, failed = run_module(kdump_ssh_client.main, _args(host, **extra))
    assert failed and message in result['msg']
    assert not host.key.parent.exists() and host.commands == []


def test_unresolvable_server_fails_before_any_change(run_module, host, monkeypatch):
    def no_such_host(*_args):
        raise socket.gaierror(-2, 'Name or service not known')
    monkeypatch.setattr(socket, 'getaddrinfo', no_such_host)
    result, failed = run_module(kdump_ssh_client.main, _args(host, server='nowhere.invalid'))
    assert failed and 'nowhere.invalid' in result['msg'] and not host.key.parent.exists()
