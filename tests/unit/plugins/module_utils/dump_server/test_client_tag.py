# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server.client_tag import (
    CaptureTagError,
    add_known_hosts,
    compute_tag,
    debian_ip_tag,
    known_hosts_lines,
    parse_addr_show,
    parse_route_get,
    route_device_address,
    split_server,
)

TWO_NICS = """1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host noprefixroute
       valid_lft forever preferred_lft forever
2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    altname enp0s3
    inet 10.0.2.15/24 metric 1024 brd 10.0.2.255 scope global dynamic ens3
       valid_lft 86388sec preferred_lft 86388sec
    inet6 fec0::5054:ff:fe12:3456/64 scope site dynamic mngtmpaddr noprefixroute
       valid_lft 86390sec preferred_lft 14390sec
    inet6 fe80::5054:ff:fe12:3456/64 scope link
       valid_lft forever preferred_lft forever
3: ens4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:77:00:00 brd ff:ff:ff:ff:ff:ff
    altname enp0s4
    inet 192.168.77.10/24 brd 192.168.77.255 scope global ens4
       valid_lft forever preferred_lft forever
    inet6 2001:db8:77::10/64 scope global
       valid_lft forever preferred_lft forever
    inet6 fe80::5054:ff:fe77:0/64 scope link
       valid_lft forever preferred_lft forever
"""


def test_route_get_gives_device_and_source(fixture_text):
    route = parse_route_get(fixture_text('capture_tag/one_nic_route_get.txt'))
    assert route == {'dev': 'eth0', 'src': '192.0.2.2'}


def test_route_get_without_source_keeps_none():
    assert parse_route_get('local 127.0.0.1 dev lo table local uid 0') == {'dev': 'lo', 'src': None}


def test_addr_show_lists_addresses_in_order_with_scope(fixture_text):
    addresses = parse_addr_show(fixture_text('capture_tag/one_nic_ip_addr_show_up.txt'))
    assert addresses[0] == ('lo', 'inet', '127.0.0.1', 'host')
    assert ('eth0', 'inet', '192.0.2.2', 'global') in addresses
    assert ('eth0', 'inet6', 'fe80::fc:ff:fe00:1', 'link') in addresses


def test_rhel_tag_is_first_global_address_of_the_route_device():
    addresses = parse_addr_show(TWO_NICS)
    tag, source = compute_tag('el9', None, 'web1', {'dev': 'ens4', 'src': '192.168.77.10'}, addresses, 'inet')
    assert tag == '192.168.77.10' and 'ens4' in source


def test_rhel_tag_for_an_ipv6_server_skips_link_local():
    addresses = parse_addr_show(TWO_NICS)
    assert route_device_address(addresses, 'ens4', 'inet6') == '2001:db8:77::10'


def test_rhel_without_route_is_an_error():
    with pytest.raises(CaptureTagError, match='no route'):
        compute_tag('el8', None, 'web1', {'dev': None, 'src': None}, parse_addr_show(TWO_NICS), 'inet')


def test_rhel_route_device_without_address_is_an_error():
    with pytest.raises(CaptureTagError, match='has no inet6 address'):
        compute_tag('el10', None, 'web1', {'dev': 'ens3', 'src': None},
                    [('ens3', 'inet6', 'fe80::1', 'link')], 'inet6')


def test_debian_ip_tag_is_the_last_ipv4_address_up_whatever_the_route():
    addresses = parse_addr_show(TWO_NICS)
    # The route to the server goes through ens3, yet kdump-tools names the directory after ens4's address.
    tag, source = compute_tag('debian', None, 'web1', {'dev': 'ens3', 'src': '10.0.2.15'}, addresses, 'inet')
    assert tag == '192.168.77.10' and source.startswith('HOSTTAG=ip')


def test_debian_hosttag_hostname_uses_the_host_name():
    assert compute_tag('debian', 'hostname', 'web1', {}, [], 'inet') == ('web1', 'HOSTTAG=hostname')


def test_debian_without_ipv4_falls_back_to_the_host_name_like_kdump_tools():
    tag, _source = compute_tag('debian', 'ip', 'web1', {}, [('eth0', 'inet6', '2001:db8::1', 'global')], 'inet')
    assert tag == 'web1'


def test_debian_unknown_hosttag_is_an_error():
    with pytest.raises(CaptureTagError, match='HOSTTAG=fqdn'):
        compute_tag('debian', 'fqdn', 'web1', {}, [], 'inet')


def test_debian_ip_tag_includes_loopback_when_it_is_the_only_one():
    assert debian_ip_tag([('lo', 'inet', '127.0.0.1', 'host')]) == '127.0.0.1'


@pytest.mark.parametrize('host, expected', [
    ('dumps.example.com', 'dumps.example.com'),
    ('192.168.77.12', '192.168.77.12'),
    ('[2001:db8::12]', '2001:db8::12'),
    ('2001:db8::12', '2001:db8::12'),
])
def test_split_server_accepts_names_and_addresses(host, expected):
    assert split_server(host) == expected


@pytest.mark.parametrize('host', ['-oProxyCommand=id', '', 'a b', 'host/path', 'u@h', '[-x]'])
def test_split_server_rejects_what_ssh_would_misread(host):
    with pytest.raises(CaptureTagError, match='server'):
        split_server(host)


def test_known_hosts_keeps_lines_and_adds_only_missing_keys():
    before = '# pinned by hand\nother ssh-ed25519 AAAAother\n192.168.77.12 ssh-rsa AAAArsa\n'
    after = add_known_hosts(before, '192.168.77.12', ['ssh-rsa AAAArsa', 'ssh-ed25519 AAAAed root@server1'])
    assert after == before + '192.168.77.12 ssh-ed25519 AAAAed\n'
    assert add_known_hosts(after, '192.168.77.12', ['ssh-ed25519 AAAAed']) == after


def test_known_hosts_of_a_missing_file_and_a_file_without_final_newline():
    assert add_known_hosts(None, 'h', ['ssh-ed25519 K']) == 'h ssh-ed25519 K\n'
    assert add_known_hosts('x ssh-rsa R', 'h', ['ssh-ed25519 K']) == 'x ssh-rsa R\nh ssh-ed25519 K\n'


def test_known_hosts_lines_reads_comma_lists():
    assert known_hosts_lines('a,h ssh-ed25519 K\n', 'h') == set(['ssh-ed25519 K'])


def test_lab_guest_dumping_over_its_second_device(fixture_text):
    addresses = parse_addr_show(fixture_text('capture_tag/lab_guest_ip_addr_show_up.txt'))
    route = parse_route_get(fixture_text('capture_tag/lab_guest_route_get.txt'))
    assert route == {'dev': 'ens4', 'src': '192.168.77.10'}
    assert compute_tag('debian', None, 'bookworm1', route, addresses, 'inet')[0] == '192.168.77.10'
    assert compute_tag('el9', None, 'bookworm1', route, addresses, 'inet')[0] == '192.168.77.10'
