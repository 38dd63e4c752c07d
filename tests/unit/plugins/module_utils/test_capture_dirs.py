# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Capture directories in every layout, the files inside them, and 'since'."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture_dirs import (
    classify_dir_name,
    classify_files,
    list_capture_dirs,
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
])
def test_since_accepts_epoch_and_utc_dates(value, expected):
    assert parse_since(value) == expected


@pytest.mark.parametrize('value', ['yesterday', '2024-13-01', '02/01/2024', True, [1]])
def test_since_rejects_other_text_naming_the_forms(value):
    with pytest.raises(ValueError, match='allowed: epoch seconds'):
        parse_since(value)
