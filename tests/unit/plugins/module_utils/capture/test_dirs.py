# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Capture directories in every layout, the files inside them, and 'since'."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import (
    check_client,
    classify_dir_name,
    classify_files,
    list_capture_dirs,
    parse_dir_name,
    parse_since,
    parse_test_status,
    select_new,
    whole_file_compression,
)

NAMES = [
    ('127.0.0.1-2024-01-02-10:20:30', ('rhel', '2024-01-02T10:20:30')),
    ('192.168.122.5-2026-11-26-09:05:00', ('rhel', '2026-11-26T09:05:00')),
    ('2001:db8::5-2026-11-26-09:05:00', ('rhel', '2026-11-26T09:05:00')),
    ('kdump-test-1704190830-123456789', ('rhel-test', '2024-01-02T10:20:30')),
    ('2024-01-02-10:20', ('rhel-saved', '2024-01-02T10:20:00')),
    ('202401021020', ('debian', '2024-01-02T10:20:00')),
    ('10.0.2.15-202401021020', ('debian', '2024-01-02T10:20:00')),
    ('bookworm1-202401021020', ('debian', '2024-01-02T10:20:00')),
    ('2024-01-02-10-20', ('suse', '2024-01-02T10:20:00')),
    ('sles15-2024-01-02-10-20', ('suse', '2024-01-02T10:20:00')),
    ('kexec_cmd', None),
    ('kdump_lock', None),
    ('linux-image-6.1.0-18-amd64-202401021020.crash', None),
    ('202413021020', None),
    ('127.0.0.1-2024-02-30-10:20:30', None),
    ('lost+found', None),
]


@pytest.mark.parametrize('name, expected', NAMES, ids=[name for name, _expected in NAMES])
def test_directory_names_of_every_layout(name, expected):
    assert classify_dir_name(name) == expected


CLIENTS = [
    ('192.168.77.1-2026-01-26-10:40:05', 'rhel', '192.168.77.1'),
    ('192.168.77.10-2026-01-26-10:40:05', 'rhel', '192.168.77.10'),
    ('2001:db8::1-2026-01-26-10:40:05', 'rhel', '2001:db8::1'),
    ('fe80::5054:ff:fe12:3456%eth0-2026-01-26-10:40:05', 'rhel', 'fe80::5054:ff:fe12:3456%eth0'),
    ('127.0.0.1-2026-01-26-10:40:05', 'rhel', '127.0.0.1'),
    ('192.168.77.1-202601261040', 'debian', '192.168.77.1'),
    ('2001:db8::10-202601261040', 'debian', '2001:db8::10'),
    ('web-1-202601261040', 'debian', 'web-1'),
    ('web-10-202601261040', 'debian', 'web-10'),
    ('db-2024-202601261040', 'debian', 'db-2024'),
    ('kdump-test-202601261040', 'debian', 'kdump-test'),
    ('sles15-2-2026-01-26-10-40', 'suse', 'sles15-2'),
    ('web-10-2026-01-26-10-40', 'suse', 'web-10'),
    ('202601261040', 'debian', None),
    ('2026-01-26-10-40', 'suse', None),
    ('2026-01-26-10:40', 'rhel-saved', None),
    ('kdump-test-1704190830-123456789', 'rhel-test', None),
]


@pytest.mark.parametrize('name, layout, client', CLIENTS, ids=[case[0] for case in CLIENTS])
def test_client_tag_is_everything_before_the_stamp_matched_from_the_right(name, layout, client):
    parsed = parse_dir_name(name)
    assert (parsed['layout'], parsed['client']) == (layout, client)


def _server(tmp_path, names_and_mtimes):
    """A dump server's path: directories with one file each, the file written at the given time."""
    for name, mtime in names_and_mtimes:
        directory = tmp_path / name
        directory.mkdir()
        (directory / 'vmcore-dmesg.txt').write_text(u'[    1.0] Kernel panic - not syncing: sysrq triggered crash\n')
        os.utime(str(directory / 'vmcore-dmesg.txt'), (mtime, mtime))
        os.utime(str(directory), (mtime, mtime))


SERVER = [
    ('192.168.77.1-2026-01-26-10:40:05', 2000), ('192.168.77.10-2026-01-26-10:40:05', 2001),
    ('192.168.77.1-202601261040', 2002), ('192.168.77.10-202601261040', 2003),
    ('2001:db8::1-2026-01-26-10:40:05', 2004), ('2001:db8::10-2026-01-26-10:40:05', 2005),
    ('web-1-202601261040', 2006), ('web-10-202601261040', 2007), ('web-1-2026-01-26-10-40', 2008),
    ('202601261040', 2009), ('lost+found', 2010),
]


@pytest.mark.parametrize('client, expected', [
    ('192.168.77.1', ['192.168.77.1-2026-01-26-10:40:05', '192.168.77.1-202601261040']),
    ('192.168.77.10', ['192.168.77.10-2026-01-26-10:40:05', '192.168.77.10-202601261040']),
    ('2001:db8::1', ['2001:db8::1-2026-01-26-10:40:05']),
    ('web-1', ['web-1-202601261040', 'web-1-2026-01-26-10-40']),
    ('web-10', ['web-10-202601261040']),
    ('web', []),
    ('192.168.77', []),
], ids=['ipv4-.1', 'ipv4-.10', 'ipv6', 'web-1', 'web-10', 'prefix-of-a-host-name', 'prefix-of-an-address'])
def test_client_keeps_only_its_own_directories_never_a_prefix_match(tmp_path, client, expected):
    _server(tmp_path, SERVER)
    found = list_capture_dirs(str(tmp_path), client=client)
    assert [entry['name'] for entry in found] == expected
    assert set(entry['client'] for entry in found) <= set([client])


def test_two_clients_crashing_in_the_same_minute_each_see_only_their_capture(tmp_path):
    _server(tmp_path, [('10.0.0.5-202601261040', 2000), ('10.0.0.50-202601261040', 2001),
                       ('10.0.0.5-2026-01-26-10:40:07', 2002), ('10.0.0.50-2026-01-26-10:40:07', 2002)])
    for client in ('10.0.0.5', '10.0.0.50'):
        found = select_new(list_capture_dirs(str(tmp_path), client=client), since_epoch=1990)
        assert [entry['name'] for entry in found] == ['%s-202601261040' % client, '%s-2026-01-26-10:40:07' % client]


def test_newest_mtime_is_the_newest_of_the_directory_and_its_files(tmp_path):
    _server(tmp_path, [('10.0.0.5-202601261040', 1000)])
    dump = tmp_path / '10.0.0.5-202601261040' / 'dump.202601261040'
    dump.write_text(u'rewritten in place by a second capture')
    os.utime(str(dump), (2500, 2500))
    os.utime(str(tmp_path / '10.0.0.5-202601261040'), (1000, 1000))
    (entry,) = list_capture_dirs(str(tmp_path))
    assert (entry['mtime'], entry['newest_mtime']) == (1000, 2500)


def test_same_client_same_minute_reuses_the_directory_and_counts_as_new_by_its_files(tmp_path):
    _server(tmp_path, [('10.0.0.5-202601261040', 1000), ('10.0.0.6-202601261040', 1000)])
    for client in ('10.0.0.5', '10.0.0.6'):
        assert select_new(list_capture_dirs(str(tmp_path), client=client), since_epoch=2000) == []
    # the second capture of 10.0.0.5 in the same minute overwrites dump.<stamp> in the existing directory
    reused = tmp_path / '10.0.0.5-202601261040'
    (reused / 'dump.202601261040').write_text(u'second capture')
    os.utime(str(reused / 'dump.202601261040'), (2100, 2100))
    os.utime(str(reused), (1000, 1000))
    assert [e['name'] for e in select_new(list_capture_dirs(str(tmp_path), client='10.0.0.5'), since_epoch=2000)] == \
        ['10.0.0.5-202601261040']
    assert select_new(list_capture_dirs(str(tmp_path), client='10.0.0.6'), since_epoch=2000) == []


def test_since_counts_a_directory_written_after_it_by_the_directory_time_alone(tmp_path):
    _server(tmp_path, [('10.0.0.5-202601261040', 1000)])
    os.utime(str(tmp_path / '10.0.0.5-202601261040'), (2100, 2100))
    assert [e['name'] for e in select_new(list_capture_dirs(str(tmp_path)), since_epoch=2000)] == \
        ['10.0.0.5-202601261040']


@pytest.mark.parametrize('value', ['192.168.77.1', '2001:db8::1', 'fe80::1%eth0', 'web-1', 'web.example.com',
                                   'bookworm1', '127.0.0.1'])
def test_client_accepts_addresses_and_host_names(value):
    assert check_client(value) == value


@pytest.mark.parametrize('value, problem', [
    ('', 'is empty'),
    ('../etc', "contains '/'"),
    ('10.0.0.5/24', "contains '/'"),
    ('web 1', 'whitespace'),
    ('web1\n', 'whitespace'),
    ('web\t1', 'whitespace'),
    ('-oProxyCommand=x', "starts with '-'"),
    ('[2001:db8::1]', 'brackets'),
    (5, 'is not a string'),
])
def test_bad_client_fails_naming_the_parameter_and_the_allowed_forms(value, problem):
    with pytest.raises(ValueError) as error:
        check_client(value)
    message = str(error.value)
    assert message.startswith('client: %r' % (value,)) and problem in message
    assert 'allowed: ' in message and 'IPv4 or IPv6 address' in message and 'host name' in message


FILES = [
    ('debian complete', ['dmesg.202401021020', 'dump.202401021020'],
     {'dump': 'dump.202401021020', 'dmesg': 'dmesg.202401021020', 'incomplete_markers': []}),
    ('debian stopped while writing', ['dmesg.202401021020', 'dump-incomplete'],
     {'dump': None, 'incomplete_markers': ['dump-incomplete']}),
    ('debian cp fallback stopped', ['vmcore-incomplete'], {'dump': None, 'incomplete_markers': ['vmcore-incomplete']}),
    ('debian cp fallback done', ['vmcore.202401021020'], {'dump': 'vmcore.202401021020'}),
    ('debian whole-file xz', ['dump.202401021020.xz', 'dmesg.202401021020'], {'dump': 'dump.202401021020.xz'}),
    ('rhel complete', ['kexec-dmesg.log', 'vmcore', 'vmcore-dmesg.txt'],
     {'dump': 'vmcore', 'dmesg': 'vmcore-dmesg.txt', 'incomplete_markers': []}),
    ('rhel stopped while writing', ['vmcore-dmesg-incomplete.txt', 'vmcore-incomplete'],
     {'dump': None, 'dmesg': None, 'dmesg_incomplete': 'vmcore-dmesg-incomplete.txt',
      'incomplete_markers': ['vmcore-incomplete']}),
    ('rhel ssh flattened', ['vmcore-dmesg.txt', 'vmcore.flat'], {'dump': 'vmcore.flat'}),
    ('rhel kdumpctl test', ['vmcore', 'vmcore-creation.status', 'vmcore-dmesg.txt'],
     {'dump': 'vmcore', 'test_status': 'vmcore-creation.status'}),
    ('suse', ['README.txt', 'dmesg', 'vmcore'], {'dump': 'vmcore', 'dmesg': 'dmesg', 'readme': 'README.txt'}),
    ('empty', [], {'dump': None, 'dmesg': None, 'incomplete_markers': []}),
]


@pytest.mark.parametrize('names, expected', [(names, expected) for _id, names, expected in FILES],
                         ids=[case[0] for case in FILES])
def test_files_are_sorted_by_role(names, expected):
    roles = classify_files(names)
    for key, value in expected.items():
        assert roles[key] == value, key


@pytest.mark.parametrize('name, expected', [
    ('dump.202401021020', None), ('dump.202401021020.gz', 'gz'), ('dump.202401021020.bz2', 'bz2'),
    ('dump.202401021020.xz', 'xz'), ('dump.202401021020.lz4', 'lz4'), ('vmcore', None), ('vmcore.flat', None),
])
def test_whole_file_compression_from_the_name(name, expected):
    assert whole_file_compression(name) == expected


@pytest.mark.parametrize('text, expected', [
    ('success kdump_test_id=1704190830-123456789\n', ('success', '1704190830-123456789')),
    ('fail kdump_test_id=1704190830-1', ('fail', '1704190830-1')),
    ('pending kdump_test_id=1704190830-1', ('pending', '1704190830-1')),
    ('', (None, None)),
    (None, (None, None)),
])
def test_test_status_file(text, expected):
    assert parse_test_status(text) == expected


def _tree(tmp_path, names_and_mtimes):
    for name, mtime in names_and_mtimes:
        path = tmp_path / name
        path.mkdir()
        os.utime(str(path), (mtime, mtime))
    (tmp_path / 'kexec_cmd').write_text(u'/sbin/kexec -p ...\n')
    (tmp_path / 'kdump_lock').write_text(u'')


def test_list_capture_dirs_keeps_only_capture_directories_oldest_first(tmp_path):
    _tree(tmp_path, [('202601261040', 3000), ('127.0.0.1-2026-11-26-09:05:00', 1000), ('notes', 2000),
                     ('kdump-test-1704190830-1', 2000)])
    (tmp_path / '202601261041').write_text(u'a file with a capture-like name')
    found = list_capture_dirs(str(tmp_path))
    assert [entry['name'] for entry in found] == ['127.0.0.1-2026-11-26-09:05:00', 'kdump-test-1704190830-1',
                                                  '202601261040']
    assert [entry['layout'] for entry in found] == ['rhel', 'rhel-test', 'debian']
    assert found[2]['path'] == str(tmp_path / '202601261040')
    assert found[2]['mtime'] == 3000


def test_missing_dump_path_lists_nothing(tmp_path):
    assert list_capture_dirs(str(tmp_path / 'absent')) == []


def test_select_new_by_known_names_and_by_time(tmp_path):
    _tree(tmp_path, [('202601261040', 1000), ('202601261050', 2000), ('202601261100', 3000)])
    found = list_capture_dirs(str(tmp_path))
    assert [e['name'] for e in select_new(found, known_names=['202601261040'])] == ['202601261050', '202601261100']
    assert [e['name'] for e in select_new(found, since_epoch=2000)] == ['202601261050', '202601261100']
    assert [e['name'] for e in select_new(found, since_epoch=2001)] == ['202601261100']
    assert [e['name'] for e in select_new(found)] == ['202601261040', '202601261050', '202601261100']


@pytest.mark.parametrize('value, expected', [
    (1704190830, 1704190830.0),
    ('1704190830', 1704190830.0),
    ('1704190830.5', 1704190830.5),
    ('2024-01-02T10:20:30', 1704190830.0),
    ('2024-01-02 10:20:30', 1704190830.0),
    ('2024-01-02T10:20:30Z', 1704190830.0),
    ('2024-01-02 10:20', 1704190800.0),
    ('2024-01-02', 1704153600.0),
    ('2024-01-02T10:20:30.250000', 1704190830.25),
    ('2024-01-02T10:20:30.5Z', 1704190830.5),
    ('2024-01-02T12:20:30+02:00', 1704190830.0),
    ('2024-01-02T05:20:30-0500', 1704190830.0),
    ('2024-01-02 10:20:30+00:00', 1704190830.0),
    (1704190830.25, 1704190830.25),
])
def test_since_accepts_epoch_and_utc_dates(value, expected):
    assert parse_since(value) == expected


@pytest.mark.parametrize('value', ['yesterday', '2024-13-01', '02/01/2024', '2024-01-02T10:20:30+25:00', 'nan',
                                   'inf', True, [1], {'x': 1}, None])
def test_since_rejects_other_text_naming_the_forms(value):
    with pytest.raises(ValueError, match='allowed: epoch seconds'):
        parse_since(value)
