# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The vmcore_info module through main(): since a marker or a time, default path, read-only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil

import pytest

from ansible_collections.crashdump.kdump.plugins.modules import vmcore_info

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
VMCORE = os.path.join(FIXTURES, 'vmcore')
BOOT = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
AFTER_CRASH_BOOT = '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'


def capture(root, name, files, mtime):
    directory = root / name
    directory.mkdir(parents=True)
    for file_name, fixture in files.items():
        shutil.copy(os.path.join(VMCORE, fixture), str(directory / file_name))
    os.utime(str(directory), (mtime, mtime))


@pytest.fixture
def crash_dir(tmp_path, monkeypatch):
    """A Debian dump path with an older complete dump; the host has rebooted since the marker."""
    monkeypatch.setattr(vmcore_info, 'read_boot_id', lambda: AFTER_CRASH_BOOT)
    root = tmp_path / 'crash'
    capture(root, '202601251000', {'dump.202601251000': 'flat_kdump_zlib_d31.bin',
                                   'dmesg.202601251000': 'debian12_dmesg_panic.txt'}, 1000)
    (root / 'kexec_cmd').write_text(u'/sbin/kexec -p ...\n')
    return root


def marker(names=('202601251000',), boot_id=BOOT):
    return {'version': 1, 'boot_id': boot_id, 'triggered_at': 1500.0, 'trigger_delay': 5, 'method': 'sysrq',
            'dump_path': '/var/crash', 'capture_dirs': list(names)}


def snapshot(root):
    state = {}
    for directory, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, 'rb') as handle:
                state[path] = (handle.read(), os.stat(path).st_mtime)
    return state


def test_one_new_complete_dump_after_the_marker(run_module, crash_dir):
    capture(crash_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin',
                                        'dmesg.202601261040': 'debian12_dmesg_panic.txt'}, 2000)
    before = snapshot(crash_dir)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed and not result['changed']
    assert (result['count'], result['complete_count'], result['newest'], result['newest_complete']) == \
        (1, 1, '202601261040', True)
    assert result['boot_changed'] is True
    (dump,) = result['dumps']
    assert dump['panic_line'] == 'Kernel panic - not syncing: sysrq triggered crash'
    assert (dump['format'], dump['inner_format'], dump['dump_level']) == ('flattened', 'kdump', 31)
    assert snapshot(crash_dir) == before


def test_capture_that_ran_out_of_memory_is_no_new_complete_dump(run_module, crash_dir):
    capture(crash_dir, '202601261040', {'dump-incomplete': 'flat_kdump_no_trailer.bin'}, 2000)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed
    assert (result['count'], result['complete_count'], result['newest_complete']) == (1, 0, False)
    assert 'dump-incomplete is present' in result['dumps'][0]['reason']


def test_no_new_dump_when_the_capture_left_nothing(run_module, crash_dir):
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed
    assert (result['count'], result['complete_count'], result['newest'], result['newest_complete']) == \
        (0, 0, None, None)


def test_marker_of_the_running_boot_says_the_crash_has_not_happened(run_module, crash_dir, monkeypatch):
    monkeypatch.setattr(vmcore_info, 'read_boot_id', lambda: BOOT)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed and result['boot_changed'] is False and result['count'] == 0


def test_since_a_time_compares_directory_times(run_module, crash_dir):
    capture(crash_dir, '202601261040', {'dump.202601261040': 'flat_kdump_zlib_d31.bin'}, 2000)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': '1970-01-01T00:25:00'})
    assert not failed and [dump['name'] for dump in result['dumps']] == ['202601261040']
    assert 'boot_changed' not in result


def test_without_since_every_dump_is_listed_oldest_first(run_module, crash_dir):
    capture(crash_dir, '127.0.0.1-2026-11-26-09:05:00', {'vmcore-incomplete': 'kdump_lzo_d31.bin'}, 3000)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir)})
    assert not failed
    assert [(d['name'], d['layout'], d['complete']) for d in result['dumps']] == [
        ('202601251000', 'debian', True), ('127.0.0.1-2026-11-26-09:05:00', 'rhel', False)]
    assert (result['count'], result['complete_count'], result['newest_complete']) == (2, 1, False)


@pytest.mark.parametrize('since, message', [
    ('last tuesday', 'since: '),
    ({'boot_id': BOOT}, 'lacks triggered_at, capture_dirs'),
], ids=['bad-time', 'not-a-marker'])
def test_bad_since_fails_and_names_the_allowed_forms(run_module, crash_dir, since, message):
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': since})
    assert failed and message in result['msg']


def test_default_path_comes_from_the_debian_configuration(run_module, crash_dir, tmp_path):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(u'USE_KDUMP=1\nKDUMP_COREDIR="%s"\n' % crash_dir)
    result, failed = run_module(vmcore_info.main, {'platform': 'debian', 'config_file': str(defaults)})
    assert not failed and result['dump_path'] == str(crash_dir) and result['count'] == 1


def test_remote_target_without_path_fails(run_module, tmp_path):
    conf = tmp_path / 'kdump.conf'
    conf.write_text(u'ssh kdump@dump.example.com\npath /srv/crash\n')
    result, failed = run_module(vmcore_info.main, {'platform': 'el9', 'config_file': str(conf)})
    assert failed and 'ssh target kdump@dump.example.com' in result['msg'] and 'give path' in result['msg']


def test_missing_path_is_no_dumps_not_an_error(run_module, tmp_path):
    result, failed = run_module(vmcore_info.main, {'path': str(tmp_path / 'absent')})
    assert not failed and result['count'] == 0 and result['dumps'] == []


# ---------------------------------------------------------------------------
# outcome


def test_outcome_complete(run_module, crash_dir):
    capture(crash_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'}, 2000)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed
    assert result['outcome'] == {
        'outcome': 'complete', 'complete': True, 'dump': str(crash_dir / '202601261040' / 'dump.202601261040'),
        'detail': 'the capture left a complete flattened dump in %s' % (crash_dir / '202601261040')}


def test_outcome_incomplete_names_the_marker(run_module, crash_dir):
    capture(crash_dir, '202601261040', {'dump-incomplete': 'flat_kdump_no_trailer.bin'}, 2000)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed and result['outcome']['outcome'] == 'incomplete' and not result['outcome']['complete']
    assert result['outcome']['dump'] == str(crash_dir / '202601261040' / 'dump-incomplete')
    assert 'dump-incomplete is present' in result['outcome']['detail']
    assert result['dumps'][0]['incomplete_markers'] == ['dump-incomplete']


def test_outcome_no_capture_after_a_reboot(run_module, crash_dir):
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed and result['outcome']['outcome'] == 'no_capture' and result['outcome']['dump'] is None


def test_outcome_not_crashed_while_the_boot_is_the_same(run_module, crash_dir, monkeypatch):
    monkeypatch.setattr(vmcore_info, 'read_boot_id', lambda: BOOT)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': marker()})
    assert not failed and result['outcome']['outcome'] == 'not_crashed'


def test_outcome_since_a_time_cannot_tell_whether_the_host_crashed(run_module, crash_dir):
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': '1970-01-01T00:25:00'})
    assert not failed and result['outcome']['outcome'] == 'no_capture' and 'not known' in result['outcome']['detail']


def test_no_outcome_without_since(run_module, crash_dir):
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir)})
    assert not failed and 'outcome' not in result
