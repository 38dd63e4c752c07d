# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The vmcore_prune module through main(): dry runs, confirmed deletion, refusals, dump servers and guards."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import time

import pytest

from ansible_collections.crashdump.kdump.plugins.modules import vmcore_prune

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
VMCORE = os.path.join(FIXTURES, 'vmcore')
DAY = 86400


def capture(root, name, files, age_days):
    """A capture directory whose files and the directory itself were last written ``age_days`` ago."""
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    mtime = time.time() - age_days * DAY
    for file_name, fixture in files.items():
        shutil.copy(os.path.join(VMCORE, fixture), str(directory / file_name))
        os.utime(str(directory / file_name), (mtime, mtime))
    os.utime(str(directory), (mtime, mtime))
    return directory


def debian_capture(root, stamp, age_days, prefix=''):
    name = '%s%s' % (prefix, stamp)
    return capture(root, name, {'dump.%s' % stamp: 'debian12_dump_head_tail.bin',
                                'dmesg.%s' % stamp: 'debian12_dmesg_panic.txt'}, age_days)


def snapshot(root):
    state = {}
    for directory, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(directory, name)
            state[path] = os.lstat(path).st_size
    return state


@pytest.fixture
def host(tmp_path):
    """An EL9 host whose kdump.conf names ``<tmp>/crash``, with four complete captures 40, 30, 20 and 5 days old."""
    crash = tmp_path / 'crash'
    crash.mkdir()
    conf = tmp_path / 'kdump.conf'
    conf.write_text(u'path %s\ncore_collector makedumpfile -l --message-level 7 -d 31\n' % crash)
    for stamp, age in (('202601010000', 40), ('202601100000', 30), ('202601200000', 20), ('202601250000', 5)):
        debian_capture(crash, stamp, age)
    (crash / 'kexec_cmd').write_text(u'/sbin/kexec -p ...\n')
    return {'crash': crash, 'conf': str(conf), 'args': {'platform': 'el9', 'config_file': str(conf)}}


def args(host, **options):
    merged = dict(host['args'])
    merged.update(options)
    return merged


def names(entries):
    return [entry['name'] for entry in entries]


def test_without_confirm_nothing_is_deleted_and_the_result_says_so(run_module, host):
    before = snapshot(host['crash'])
    result, failed = run_module(vmcore_prune.main, args(host, keep=2))
    assert not failed
    assert (result['changed'], result['dry_run']) == (False, True)
    assert names(result['deleted']) == ['202601010000', '202601100000']
    assert result['msg'].startswith('confirm: delete was not given, nothing deleted: 2 capture directories')
    assert snapshot(host['crash']) == before


def test_check_mode_and_diff_list_exactly_what_a_confirmed_run_deletes(run_module, host):
    before = snapshot(host['crash'])
    checked, failed = run_module(vmcore_prune.main, args(host, keep=2, confirm='delete'), check_mode=True, diff=True)
    assert not failed and checked['changed'] and checked['dry_run']
    assert snapshot(host['crash']) == before
    assert 'check mode, nothing deleted' in checked['msg']
    assert '202601010000\t' in checked['diff']['before'] and '202601010000\t' not in checked['diff']['after']
    assert '202601250000\t' in checked['diff']['after']
    done, failed = run_module(vmcore_prune.main, args(host, keep=2, confirm='delete'), diff=True)
    assert not failed and done['changed'] and not done['dry_run']
    assert done['deleted'] == checked['deleted']
    assert (done['bytes_freed'], done['total_bytes_after']) == (checked['bytes_freed'], checked['total_bytes_after'])
    assert done['diff'] == checked['diff']
    assert sorted(os.listdir(str(host['crash']))) == ['202601200000', '202601250000', 'kexec_cmd']


def test_a_confirmed_run_deletes_and_the_second_run_changes_nothing(run_module, host):
    result, failed = run_module(vmcore_prune.main, args(host, keep=3, max_age_days=25, confirm='delete'))
    assert not failed and result['changed']
    assert names(result['deleted']) == ['202601010000', '202601100000']
    assert result['deleted'][0]['reason'] == ('beyond the newest 3 of the path; 40.0 days old, older than '
                                              'max_age_days 25.0')
    assert result['bytes_freed'] == sum(entry['bytes'] for entry in result['deleted']) > 0
    assert result['total_bytes_after'] == result['total_bytes'] - result['bytes_freed']
    assert names(result['kept']) == ['202601200000', '202601250000']
    assert result['kept'][-1]['reason'] == 'the newest complete capture of the path'
    assert result['dump_path'] == str(host['crash'])
    again, failed = run_module(vmcore_prune.main, args(host, keep=3, max_age_days=25, confirm='delete'))
    assert not failed and not again['changed'] and again['deleted'] == []
    assert again['msg'] == 'deleted 0 capture directories, 0 B'


def test_the_newest_complete_capture_survives_every_rule(run_module, host):
    result, failed = run_module(vmcore_prune.main, args(host, keep=0, max_age_days=0, max_total_bytes=0,
                                                        confirm='delete'))
    assert not failed
    assert sorted(os.listdir(str(host['crash']))) == ['202601250000', 'kexec_cmd']
    assert result['over_limit'] is True


@pytest.mark.parametrize('options, message', [
    ({'keep': -1}, 'keep: -1 is negative'),
    ({'max_age_days': -2.0}, 'max_age_days: -2.0 is negative'),
    ({'max_total_bytes': '10X'}, "max_total_bytes: '10X' is not a size"),
    ({'max_total_bytes': '-1G'}, "max_total_bytes: '-1G' is negative"),
    ({'keep': 1, 'guard_seconds': -5}, 'guard_seconds: -5'),
    ({}, 'give at least one of keep, max_age_days or max_total_bytes'),
    ({'keep': 0, 'confirm': 'yes'}, "confirm: 'yes' is not the word delete"),
    ({'keep': 0, 'confirm': 'delete', 'path': '/', 'force_path': True}, "path: '/' resolves to /, which is never pruned"),
    ({'keep': 0, 'confirm': 'delete', 'path': '/var', 'force_path': True}, "path: '/var' resolves to /var"),
])
def test_bad_input_is_refused_naming_the_parameter_and_nothing_is_deleted(run_module, host, options, message):
    before = snapshot(host['crash'])
    result, failed = run_module(vmcore_prune.main, args(host, **options))
    assert failed
    assert result['msg'].startswith(message)
    assert snapshot(host['crash']) == before


def test_a_path_that_is_not_the_configured_one_needs_force_path(run_module, host, tmp_path):
    other = tmp_path / 'other'
    debian_capture(other, '202601010000', 40)
    debian_capture(other, '202601250000', 5)
    result, failed = run_module(vmcore_prune.main, args(host, path=str(other), keep=0, confirm='delete'))
    assert failed
    assert result['msg'].startswith('path: %s is not the configured kdump dump directory - the configured kdump path %s'
                                    % (other, host['crash']))
    assert 'force_path: true' in result['msg']
    assert sorted(os.listdir(str(other))) == ['202601010000', '202601250000']
    result, failed = run_module(vmcore_prune.main, args(host, path=str(other), force_path=True, keep=0,
                                                        confirm='delete'))
    assert not failed and names(result['deleted']) == ['202601010000']


def test_a_symbolic_link_to_the_configured_path_is_resolved(run_module, host, tmp_path):
    link = tmp_path / 'crash-link'
    os.symlink(str(host['crash']), str(link))
    result, failed = run_module(vmcore_prune.main, args(host, path=str(link), keep=3, confirm='delete'))
    assert not failed
    assert result['dump_path'] == str(host['crash'])
    assert names(result['deleted']) == ['202601010000']


def test_dumps_sent_elsewhere_need_a_path_and_force_path(run_module, host, tmp_path):
    conf = tmp_path / 'kdump-ssh.conf'
    conf.write_text(u'ssh kdump@dumps.example.com\nsshkey /root/.ssh/kdump_id_ed25519\npath /srv/crash\n'
                    u'core_collector makedumpfile -F -l --message-level 7 -d 31\n')
    result, failed = run_module(vmcore_prune.main, {'platform': 'el9', 'config_file': str(conf), 'keep': 1})
    assert failed
    assert result['msg'].startswith('dumps go to ssh target kdump@dumps.example.com')
    result, failed = run_module(vmcore_prune.main, {'platform': 'el9', 'config_file': str(conf), 'keep': 1,
                                                    'path': str(host['crash'])})
    assert failed and result['msg'].startswith('path: %s is not the configured kdump dump directory - dumps go to ssh'
                                               % host['crash'])


def test_debian_coredir_is_the_configured_path(run_module, host, tmp_path):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(u'USE_KDUMP=1\nKDUMP_COREDIR="%s"\n' % host['crash'])
    result, failed = run_module(vmcore_prune.main, {'platform': 'debian', 'config_file': str(defaults), 'keep': 3})
    assert not failed
    assert names(result['deleted']) == ['202601010000']


def test_a_missing_dump_directory_has_nothing_to_prune(run_module, host):
    shutil.rmtree(str(host['crash']))
    result, failed = run_module(vmcore_prune.main, args(host, keep=1, confirm='delete'))
    assert not failed and not result['changed']
    assert result['msg'] == '%s does not exist: nothing to prune' % host['crash']


@pytest.fixture
def server(tmp_path):
    """A dump server directory with captures of four clients, two of whose tags are prefixes of the others."""
    root = tmp_path / 'srv-crash'
    for name, age in (('192.168.77.10-2026-01-01-00:00:00', 40), ('192.168.77.1-2026-01-02-00:00:00', 39),
                      ('192.168.77.10-2026-01-20-00:00:00', 20), ('192.168.77.1-2026-01-21-00:00:00', 19),
                      ('192.168.77.10-2026-01-25-00:00:00', 5)):
        capture(root, name, {'vmcore': 'kdump_lzo_d31.bin', 'vmcore-dmesg.txt': 'vmcore-dmesg_el8_sysrq.txt'}, age)
    for stamp, age in (('202601030000', 38), ('202601220000', 18)):
        debian_capture(root, stamp, age, prefix='web-1-')
    debian_capture(root, '202601230000', 17, prefix='web-10-')
    return root


def test_a_dump_server_keeps_the_newest_captures_of_each_client(run_module, host, server):
    result, failed = run_module(vmcore_prune.main, args(host, path=str(server), force_path=True, keep=1,
                                                        confirm='delete'))
    assert not failed and result['per_client'] is True
    assert names(result['deleted']) == ['192.168.77.10-2026-01-01-00:00:00', '192.168.77.1-2026-01-02-00:00:00',
                                        'web-1-202601030000', '192.168.77.10-2026-01-20-00:00:00']
    assert sorted(os.listdir(str(server))) == ['192.168.77.1-2026-01-21-00:00:00', '192.168.77.10-2026-01-25-00:00:00',
                                               'web-1-202601220000', 'web-10-202601230000']


def test_per_client_false_prunes_the_server_as_one_host(run_module, host, server):
    result, failed = run_module(vmcore_prune.main, args(host, path=str(server), force_path=True, keep=2,
                                                        per_client=False))
    assert not failed and result['per_client'] is False
    assert names(result['kept']) == ['web-10-202601230000', '192.168.77.10-2026-01-25-00:00:00']


def test_captures_being_written_are_kept(run_module, host):
    writing = capture(host['crash'], '202601260000', {'dump-incomplete': 'flat_kdump_no_trailer.bin'}, 0)
    failed_long_ago = capture(host['crash'], '202601050000', {'dump-incomplete': 'flat_kdump_no_trailer.bin'}, 35)
    result, failed = run_module(vmcore_prune.main, args(host, keep=0, confirm='delete'))
    assert not failed
    kept = dict((entry['name'], entry['reason']) for entry in result['kept'])
    assert kept['202601260000'].startswith('modified 0 s ago, within guard_seconds 600')
    assert kept['202601050000'] == 'dump-incomplete present: the capture may still be written (prune_incomplete deletes it)'
    assert writing.exists() and failed_long_ago.exists()
    result, failed = run_module(vmcore_prune.main, args(host, keep=0, prune_incomplete=True, confirm='delete'))
    assert not failed and names(result['deleted']) == ['202601050000']
    assert writing.exists() and not failed_long_ago.exists()


def test_a_capture_written_to_after_the_plan_is_skipped(run_module, host, monkeypatch):
    planned = vmcore_prune.plan_retention

    def plan_then_write(*plan_args, **plan_kwargs):
        plan = planned(*plan_args, **plan_kwargs)
        (host['crash'] / '202601010000' / 'dump-incomplete').write_bytes(b'makedumpfile')
        return plan

    monkeypatch.setattr(vmcore_prune, 'plan_retention', plan_then_write)
    result, failed = run_module(vmcore_prune.main, args(host, keep=2, confirm='delete'))
    assert not failed
    assert names(result['deleted']) == ['202601100000']
    assert result['skipped'][0]['name'] == '202601010000'
    assert 'within guard_seconds' in result['skipped'][0]['reason']
    assert (host['crash'] / '202601010000').exists()


def test_symbolic_links_are_never_followed(run_module, host, tmp_path):
    old = time.time() - 90 * DAY
    precious = tmp_path / 'precious'
    precious.mkdir()
    (precious / 'data').write_text(u'keep me')
    for path in (precious / 'data', precious):
        os.utime(str(path), (old, old))
    os.symlink(str(precious), str(host['crash'] / '202512010000'))
    os.symlink(str(precious / 'data'), str(host['crash'] / '202601010000' / 'link-to-data'))
    os.utime(str(host['crash'] / '202601010000' / 'link-to-data'), (old, old), follow_symlinks=False)
    os.utime(str(host['crash'] / '202601010000'), (old, old))
    result, failed = run_module(vmcore_prune.main, args(host, keep=2, confirm='delete'))
    assert not failed
    assert names(result['deleted']) == ['202601010000', '202601100000']
    assert result['skipped'] == [{'name': '202512010000', 'path': str(host['crash'] / '202512010000'),
                                  'reason': 'a symbolic link: links are never followed or deleted'}]
    assert (precious / 'data').read_text() == u'keep me'
    assert os.path.islink(str(host['crash'] / '202512010000'))
