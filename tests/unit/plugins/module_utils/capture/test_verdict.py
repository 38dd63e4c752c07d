# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A capture directory's verdict: complete or not, and why; the panic line."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import list_capture_dirs
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.verdict import (
    inspect_capture,
    panic_line,
    summarize,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')
VMCORE = os.path.join(FIXTURES, 'vmcore')
DMESG_DEBIAN = os.path.join(FIXTURES, 'vmcore', 'debian12_dmesg_panic.txt')
DMESG_EL8 = os.path.join(FIXTURES, 'vmcore', 'vmcore-dmesg_el8_sysrq.txt')


def make_capture(root, name, files):
    """``files``: name -> fixture file name (copied) or text."""
    directory = root / name
    directory.mkdir()
    for file_name, source in files.items():
        if os.path.exists(os.path.join(VMCORE, source)):
            shutil.copy(os.path.join(VMCORE, source), str(directory / file_name))
        else:
            (directory / file_name).write_text(source)
    return [entry for entry in list_capture_dirs(str(root)) if entry['name'] == name][0]


def read(path):
    with open(path) as handle:
        return handle.read()


def test_debian_capture_is_complete_with_its_panic_line(tmp_path):
    entry = make_capture(tmp_path, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin',
                                                    'dmesg.202601261040': read(DMESG_DEBIAN)})
    verdict = inspect_capture(entry)
    assert verdict['complete'] and verdict['reason'] is None
    assert verdict['layout'] == 'debian'
    assert verdict['format'] == 'flattened' and verdict['inner_format'] == 'kdump'
    assert verdict['compression'] == 'zlib' and verdict['dump_level'] == 31
    assert verdict['kernel_release'] == '6.1.0-56-amd64'
    assert verdict['panic_line'] == 'Kernel panic - not syncing: sysrq triggered crash'
    assert verdict['dump_file'].endswith('/202601261040/dump.202601261040')
    assert verdict['dmesg_file'].endswith('/202601261040/dmesg.202601261040')


def test_rhel_capture_is_complete(tmp_path):
    entry = make_capture(tmp_path, '127.0.0.1-2026-11-26-09:05:00', {'vmcore': 'kdump_lzo_d31.bin',
                                                                     'vmcore-dmesg.txt': read(DMESG_EL8)})
    verdict = inspect_capture(entry)
    assert verdict['complete'], verdict['reason']
    assert (verdict['format'], verdict['compression']) == ('kdump', 'lzo')
    assert verdict['panic_line'] == 'Kernel panic - not syncing: Fatal exception'


INCOMPLETE = [
    ('debian dump-incomplete left', '202601261040', {'dump-incomplete': 'flat_kdump_no_trailer.bin'},
     ['dump-incomplete is present']),
    ('debian flattened without trailer', '202601261040', {'dump.202601261040': 'flat_kdump_no_trailer.bin'},
     ['no end trailer']),
    ('debian real stream cut after its headers', '202601261040',
     {'dump.202601261040': 'debian12_dump_head_only.bin'}, ['no end trailer']),
    ('rhel vmcore-incomplete left', '127.0.0.1-2026-11-26-09:05:00',
     {'vmcore-incomplete': 'kdump_lzo_d31.bin', 'vmcore-dmesg-incomplete.txt': 'x'}, ['vmcore-incomplete is present']),
    ('rhel status bit 0x8', '127.0.0.1-2026-11-26-09:05:00', {'vmcore': 'kdump_incomplete_status.bin'},
     ['incomplete bit 0x8']),
    ('elf e_flags 0x1', '127.0.0.1-2026-11-26-09:05:00', {'vmcore': 'elf64_core_incomplete_flag.bin'},
     ['e_flags has the incomplete bit 0x1']),
    ('elf cut short', '202601261040', {'vmcore.202601261040': 'elf64_core_truncated.bin'},
     ['program headers describe']),
    ('empty directory', '202601261040', {}, ['no dump file']),
    ('only a dmesg', '202601261040', {'dmesg.202601261040': 'x'}, ['no dump file']),
    ('unknown bytes', '127.0.0.1-2026-11-26-09:05:00', {'vmcore': 'unknown_format.bin'}, ['unknown format']),
    ('kdumpctl test failed', 'kdump-test-1704190830-1',
     {'vmcore': 'kdump_lzo_d31.bin', 'vmcore-creation.status': 'fail kdump_test_id=1704190830-1\n'},
     ["says 'fail', not success"]),
    ('suse readme still temporary', '2026-11-26-09-05',
     {'vmcore': 'flat_kdump_zlib_d31.bin',
      'README.txt': 'If you see this text the crash dump is likely incomplete.\n'}, ['likely incomplete']),
    ('marker and good dump both', '202601261040',
     {'dump.202601261040': 'flat_kdump_zlib_d31.bin', 'dump-incomplete': 'flat_kdump_no_trailer.bin'},
     ['dump-incomplete is present']),
]


@pytest.mark.parametrize('name, files, reasons', [case[1:] for case in INCOMPLETE], ids=[c[0] for c in INCOMPLETE])
def test_every_incomplete_marker_makes_the_capture_incomplete_with_its_reason(tmp_path, name, files, reasons):
    verdict = inspect_capture(make_capture(tmp_path, name, files))
    assert verdict['complete'] is False
    for reason in reasons:
        assert reason in verdict['reason']


def test_kdumpctl_test_success_is_complete(tmp_path):
    entry = make_capture(tmp_path, 'kdump-test-1704190830-1', {
        'vmcore': 'kdump_lzo_d31.bin', 'vmcore-creation.status': 'success kdump_test_id=1704190830-1\n'})
    verdict = inspect_capture(entry)
    assert verdict['complete'] and verdict['test_status'] == 'success'


def test_whole_file_compressed_dump_is_reported_without_reading_inside(tmp_path):
    entry = make_capture(tmp_path, '202601261040', {'dump.202601261040.xz': 'unknown_format.bin'})
    verdict = inspect_capture(entry)
    assert verdict['complete'] and verdict['format'] == 'xz-compressed file'


def test_missing_dmesg_does_not_make_the_dump_incomplete(tmp_path):
    verdict = inspect_capture(make_capture(tmp_path, '202601261040', {'dump.202601261040': 'flat_kdump_zlib_d31.bin'}))
    assert verdict['complete'] and verdict['dmesg_file'] is None and verdict['panic_line'] is None


def test_inspecting_changes_no_file(tmp_path):
    entry = make_capture(tmp_path, '202601261040', {'dump-incomplete': 'flat_kdump_no_trailer.bin',
                                                    'dmesg.202601261040': read(DMESG_DEBIAN)})
    before = dict((name, read(os.path.join(entry['path'], name)) if name.startswith('dmesg') else
                   os.path.getsize(os.path.join(entry['path'], name))) for name in os.listdir(entry['path']))
    inspect_capture(entry)
    after = dict((name, read(os.path.join(entry['path'], name)) if name.startswith('dmesg') else
                  os.path.getsize(os.path.join(entry['path'], name))) for name in os.listdir(entry['path']))
    assert before == after


@pytest.mark.parametrize('text, expected', [
    ('[   83.120001] sysrq: Trigger a crash\n[   83.120412] Kernel panic - not syncing: sysrq triggered crash\n',
     'Kernel panic - not syncing: sysrq triggered crash'),
    ('[  101.5] sysrq: SysRq : Trigger a crash\n[  101.6] BUG: unable to handle kernel NULL pointer\n'
     '[  101.9] Kernel panic - not syncing: Fatal exception\n', 'Kernel panic - not syncing: Fatal exception'),
    ('[  101.5] sysrq: SysRq : Trigger a crash\n[  101.6] BUG: unable to handle kernel NULL pointer\n',
     'sysrq: SysRq : Trigger a crash'),
    ('<0>[ 12.0] Kernel panic - not syncing: Out of memory and no killable processes...\n',
     'Kernel panic - not syncing: Out of memory and no killable processes...'),
    ('[ 1.0] nothing here\n', None),
    ('', None),
    (None, None),
], ids=['6.1-sysrq', 'el8-oops', 'trigger-only', 'oom', 'none', 'empty', 'missing'])
def test_panic_line(text, expected):
    assert panic_line(text) == expected


def test_summarize_reports_newest_and_counts(tmp_path):
    old = make_capture(tmp_path, '202601261040', {'dump-incomplete': 'flat_kdump_no_trailer.bin'})
    os.utime(os.path.join(old['path'], 'dump-incomplete'), (1000, 1000))
    os.utime(old['path'], (1000, 1000))
    make_capture(tmp_path, '202601261050', {'dump.202601261050': 'flat_kdump_zlib_d31.bin'})
    verdicts = [inspect_capture(entry) for entry in list_capture_dirs(str(tmp_path))]
    assert summarize(verdicts) == {'count': 2, 'complete_count': 1, 'newest': '202601261050',
                                   'newest_complete': True}
    assert summarize([]) == {'count': 0, 'complete_count': 0, 'newest': None, 'newest_complete': None}
