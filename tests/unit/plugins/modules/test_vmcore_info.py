# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The vmcore_info module through main(): since a marker or a time, one client on a dump server, read-only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture import marker as crash_marker
from ansible_collections.crashdump.kdump.plugins.modules import vmcore_info

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
VMCORE = os.path.join(FIXTURES, 'vmcore')
BOOT = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
AFTER_CRASH_BOOT = '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'


def capture(root, name, files, mtime):
    """A capture directory whose files and the directory itself were last written at ``mtime``."""
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, fixture in files.items():
        shutil.copy(os.path.join(VMCORE, fixture), str(directory / file_name))
        os.utime(str(directory / file_name), (mtime, mtime))
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


# ---------------------------------------------------------------------------
# a dump server receiving from many clients: client and since by the server's clock

SERVER_TIME = 5000.0


@pytest.fixture
def server_dir(tmp_path):
    """A dump server's path with older captures of several clients, all written before SERVER_TIME."""
    root = tmp_path / 'srv-crash'
    for name in ('192.168.77.1-2026-01-25-10:00:00', '192.168.77.10-2026-01-25-10:00:00',
                 '192.168.77.1-202601251000', 'web-1-202601251000', 'web-10-202601251000'):
        capture(root, name, {'vmcore.flat': 'flat_kdump_zlib_d31.bin'}, 1000)
    return root


def test_client_and_server_time_find_only_the_clients_new_capture(run_module, server_dir):
    # two clients crash at once; the other's capture is newer and its tag has this client's as a prefix
    capture(server_dir, '192.168.77.1-2026-01-26-10:40:05',
            {'vmcore.flat': 'debian12_dump_head_tail.bin', 'vmcore-dmesg.txt': 'vmcore-dmesg_el8_sysrq.txt'}, 5100)
    capture(server_dir, '192.168.77.10-2026-01-26-10:40:06', {'vmcore-incomplete': 'flat_kdump_no_trailer.bin'}, 5200)
    before = snapshot(server_dir)
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': '192.168.77.1',
                                                   'since': str(SERVER_TIME)})
    assert not failed and not result['changed'] and result['client'] == '192.168.77.1'
    assert [(d['name'], d['client'], d['complete']) for d in result['dumps']] == [
        ('192.168.77.1-2026-01-26-10:40:05', '192.168.77.1', True)]
    assert result['outcome']['outcome'] == 'complete'
    assert snapshot(server_dir) == before

    other, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': '192.168.77.10',
                                                  'since': SERVER_TIME})
    assert not failed and [d['name'] for d in other['dumps']] == ['192.168.77.10-2026-01-26-10:40:06']
    assert other['outcome']['outcome'] == 'incomplete'


def test_ipv6_client_tags_are_matched_as_they_are(run_module, server_dir):
    capture(server_dir, '2001:db8::1-2026-01-26-10:40:05', {'vmcore.flat': 'flat_kdump_zlib_d31.bin'}, 5100)
    capture(server_dir, '2001:db8::10-2026-01-26-10:40:05', {'vmcore.flat': 'flat_kdump_zlib_d31.bin'}, 5100)
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': '2001:db8::1',
                                                   'since': SERVER_TIME})
    assert not failed and [d['client'] for d in result['dumps']] == ['2001:db8::1']


def test_host_name_tags_with_dashes_and_digits_stay_apart(run_module, server_dir):
    capture(server_dir, 'web-10-202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'}, 5100)
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': 'web-1', 'since': SERVER_TIME})
    assert not failed and result['count'] == 0 and result['outcome']['outcome'] == 'no_capture'
    assert 'for client web-1' in result['outcome']['detail']
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': 'web-10', 'since': SERVER_TIME})
    assert not failed and [d['name'] for d in result['dumps']] == ['web-10-202601261040']


def test_two_debian_clients_with_the_same_minute_stamp(run_module, server_dir):
    capture(server_dir, '192.168.77.1-202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'}, 5100)
    capture(server_dir, '192.168.77.10-202601261040', {'dump-incomplete': 'flat_kdump_no_trailer.bin'}, 5100)
    mine, _failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': '192.168.77.1',
                                                  'since': SERVER_TIME})
    theirs, _failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': '192.168.77.10',
                                                    'since': SERVER_TIME})
    assert [d['name'] for d in mine['dumps']] == ['192.168.77.1-202601261040'] and mine['outcome']['complete']
    assert [d['name'] for d in theirs['dumps']] == ['192.168.77.10-202601261040']
    assert theirs['outcome']['outcome'] == 'incomplete'


def test_second_capture_in_the_same_minute_reuses_the_directory_and_counts_by_its_new_file(run_module, server_dir):
    # web-1 crashed at 10:00 (mtime 1000) and again within the same minute after SERVER_TIME: the dump file
    # is rewritten in the existing directory, whose own time may stay old
    reused = server_dir / 'web-1-202601251000'
    shutil.copy(os.path.join(VMCORE, 'debian12_dump_head_tail.bin'), str(reused / 'dump.202601251000'))
    os.utime(str(reused / 'dump.202601251000'), (5100, 5100))
    os.utime(str(reused), (1000, 1000))
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': 'web-1', 'since': SERVER_TIME})
    assert not failed and [d['name'] for d in result['dumps']] == ['web-1-202601251000']
    (dump,) = result['dumps']
    assert (dump['mtime'], dump['newest_mtime']) == (1000, 5100)


def test_since_a_server_time_as_a_date_string(run_module, server_dir):
    capture(server_dir, 'web-1-202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'}, 5100)
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': 'web-1',
                                                   'since': '1970-01-01T01:23:20Z'})
    assert not failed and [d['name'] for d in result['dumps']] == ['web-1-202601261040']


def test_without_client_every_capture_and_its_tag_are_listed(run_module, server_dir):
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir)})
    assert not failed and result['client'] is None
    assert sorted(d['client'] for d in result['dumps']) == ['192.168.77.1', '192.168.77.1', '192.168.77.10',
                                                            'web-1', 'web-10']


def test_local_layouts_have_no_client(run_module, crash_dir):
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir)})
    assert not failed and [d['client'] for d in result['dumps']] == [None]


@pytest.mark.parametrize('client, problem', [
    ('', 'is empty'),
    ('../192.168.77.1', "contains '/'"),
    ('web 1', 'whitespace'),
    ('-oProxyCommand=x', "starts with '-'"),
    ('[2001:db8::1]', 'brackets'),
], ids=['empty', 'slash', 'space', 'leading-dash', 'brackets'])
def test_bad_client_fails_naming_the_parameter_and_the_allowed_forms(run_module, server_dir, client, problem):
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': client, 'since': SERVER_TIME})
    assert failed and result['msg'].startswith('client: ') and problem in result['msg']
    assert 'allowed: ' in result['msg'] and 'host name' in result['msg']


def test_client_needs_the_servers_path(run_module):
    result, failed = run_module(vmcore_info.main, {'client': '192.168.77.1', 'since': SERVER_TIME})
    assert failed and 'client' in result['msg'] and 'path' in result['msg']


@pytest.mark.parametrize('since', [marker(), 'marker'], ids=['marker-dict', 'stored-marker'])
def test_a_marker_cannot_judge_a_dump_server(run_module, server_dir, monkeypatch, since):
    monkeypatch.setattr(vmcore_info, 'read_marker', marker)
    result, failed = run_module(vmcore_info.main, {'path': str(server_dir), 'client': 'web-1', 'since': since})
    assert failed and 'since' in result['msg'] and "server's clock" in result['msg']


# ---------------------------------------------------------------------------
# since: marker - the marker kdump_crash stored on this host


def test_since_marker_reads_the_stored_marker(run_module, crash_dir, monkeypatch):
    monkeypatch.setattr(vmcore_info, 'read_marker', marker)
    capture(crash_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'}, 2000)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': 'marker'})
    assert not failed and result['boot_changed'] is True
    assert [d['name'] for d in result['dumps']] == ['202601261040'] and result['outcome']['outcome'] == 'complete'


def test_since_marker_of_the_running_boot_is_not_crashed(run_module, crash_dir, monkeypatch):
    monkeypatch.setattr(vmcore_info, 'read_marker', marker)
    monkeypatch.setattr(vmcore_info, 'read_boot_id', lambda: BOOT)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': 'marker'})
    assert not failed and result['outcome']['outcome'] == 'not_crashed'


def test_since_marker_without_a_stored_marker_fails(run_module, crash_dir, monkeypatch):
    monkeypatch.setattr(vmcore_info, 'read_marker', lambda: None)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': 'marker'})
    assert failed and 'since: marker' in result['msg'] and 'no crash marker' in result['msg']
    assert 'kdump_crash' in result['msg']


def test_since_marker_reads_the_real_marker_file(run_module, crash_dir, tmp_path, monkeypatch):
    path = str(tmp_path / 'state' / 'crash-marker.json')
    crash_marker.write_marker(marker(), path)
    monkeypatch.setattr(vmcore_info, 'read_marker', lambda: crash_marker.read_marker(path))
    capture(crash_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'}, 2000)
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': 'marker'})
    assert not failed and result['count'] == 1 and result['boot_changed'] is True


def test_unreadable_stored_marker_fails_with_its_reason(run_module, crash_dir, tmp_path, monkeypatch):
    path = tmp_path / 'crash-marker.json'
    path.write_text(u'{not json')
    monkeypatch.setattr(vmcore_info, 'read_marker', lambda: crash_marker.read_marker(str(path)))
    result, failed = run_module(vmcore_info.main, {'path': str(crash_dir), 'since': 'marker'})
    assert failed and 'is not JSON' in result['msg']
