# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet's captures by bug and by host on the controller; where the dump servers are; what retention did."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.crashdump.kdump.plugins.filter.triage import (
    FilterModule,
    df_available_bytes,
    dump_server_jobs,
    prune_policy,
    prune_report,
    prune_table,
    triage_fetch_plan,
    triage_host_table,
    triage_report,
    triage_signature_table,
    triage_state,
    triage_state_update,
    triage_window,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import list_capture_dirs
from ansible_collections.crashdump.kdump.plugins.module_utils.triage.captures import triage_capture

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
HUNG_TASK_1 = 'x86_64_hung_task_spl_el7_boot1.txt'
HUNG_TASK_2 = 'x86_64_hung_task_spl_el7_boot2.txt'
OOM = 'x86_64_oom_panic_el7.txt'
SYSRQ = 'vmcore-dmesg_el8_sysrq.txt'
T0 = 1769000000.0


def fixture(name):
    for directory in ('vmcore', 'panic'):
        path = os.path.join(FIXTURES, directory, name)
        if os.path.exists(path):
            return path
    raise AssertionError('no fixture %s' % name)


def triage_run(root, captures, host_time=T0 + 1000, target=None):
    """A crash_triage result for ``root`` holding ``captures``: ``[(directory name, log fixture or None, mtime)]``."""
    for name, log, mtime in captures:
        directory = root / name
        directory.mkdir(parents=True)
        shutil.copy(fixture('kdump_zlib_d1.bin'), str(directory / 'vmcore'))
        if log:
            shutil.copy(fixture(log), str(directory / 'vmcore-dmesg.txt'))
        for path in [str(directory / entry) for entry in os.listdir(str(directory))] + [str(directory)]:
            os.utime(path, (mtime, mtime))
    records = [triage_capture(entry) for entry in list_capture_dirs(str(root))]
    return {'changed': False, 'dump_path': str(root), 'host_time': host_time, 'captures': records,
            'count': len(records), 'target': target}


def ssh_target(server, path='/var/crash'):
    return {'type': 'ssh', 'location': 'kdump@%s' % server, 'path': path, 'local_dir': None, 'family': 'rhel',
            'server': server}


LOCAL_TARGET = {'type': 'local', 'location': None, 'path': '/var/crash', 'local_dir': '/var/crash', 'family': 'rhel',
                'server': None}


def server_results(*runs):
    """The registered result of crash_triage looped over a server's directories."""
    return {'changed': False, 'msg': 'All items completed',
            'results': [dict(run, item=run['dump_path'], ansible_loop_var='item') for run in runs]}


@pytest.fixture
def fleet(tmp_path):
    """web1 crashed locally (hung task); web2 and web3 send to srv1, where web2 hit the same hang, web3 an OOM."""
    web1 = triage_run(tmp_path / 'web1', [('127.0.0.1-2019-11-24-03:00:00', HUNG_TASK_1, T0)], target=LOCAL_TARGET)
    srv1 = triage_run(tmp_path / 'srv1', [
        ('192.0.2.12-2019-12-04-03:00:00', HUNG_TASK_2, T0 + 100),
        ('192.0.2.13-2019-12-05-03:00:00', OOM, T0 + 200),
        ('198.51.100.7-2019-12-06-03:00:00', None, T0 + 300),
    ])
    hostvars = {
        'web1': {'kdump_triage_local': web1},
        'web2': {'kdump_triage_local': dict(triage_run(tmp_path / 'web2', [], target=ssh_target('srv1'))),
                 'kdump_capture_tag': {'changed': False, 'tag': '192.0.2.12'}},
        'web3': {'kdump_triage_local': dict(triage_run(tmp_path / 'web3', [], target=ssh_target('srv1'))),
                 'kdump_capture_tag': {'changed': False, 'tag': '192.0.2.13'}},
        'srv1': {'kdump_triage_local': triage_run(tmp_path / 'srv1-own', [], target=LOCAL_TARGET, host_time=T0 + 2000),
                 'kdump_triage_server': server_results(srv1)},
    }
    jobs = {'servers': {'srv1': [srv1['dump_path']]}, 'clients': {}, 'problems': {}}
    return hostvars, jobs


# --- grouping ------------------------------------------------------------------

def test_the_same_bug_on_two_hosts_is_one_row_counted_twice(fleet):
    hostvars, jobs = fleet
    report = triage_report(['web1', 'web2', 'web3', 'srv1'], hostvars, jobs)
    hung, oom, unsigned = report['signatures']
    assert (hung['kind'], hung['count'], hung['hosts']) == ('hung_task', 2, ['web1', 'web2'])
    assert hung['kernel_releases'] == ['6.1.0-18-amd64'] and hung['complete'] == 2
    assert hung['first_seen'] == '2026-01-21T12:53:20Z' and hung['last_seen'] == '2026-01-21T12:55:00Z'
    assert hung['example'].startswith('srv1:') and hung['example'].endswith('192.0.2.12-2019-12-04-03:00:00')
    assert (oom['kind'], oom['count'], oom['hosts']) == ('oom', 1, ['web3'])
    assert hung['id'] != oom['id']
    assert (unsigned['id'], unsigned['count'], unsigned['hosts']) == (None, 1, ['198.51.100.7'])


def test_different_bugs_are_different_rows(tmp_path):
    run = triage_run(tmp_path / 'web1', [('127.0.0.1-2019-11-24-03:00:00', HUNG_TASK_1, T0),
                                         ('127.0.0.1-2019-11-25-03:00:00', OOM, T0 + 10),
                                         ('127.0.0.1-2019-11-26-03:00:00', SYSRQ, T0 + 20)])
    report = triage_report(['web1'], {'web1': {'kdump_triage_local': run}}, {})
    assert sorted(row['kind'] for row in report['signatures']) == ['hung_task', 'oom', 'sysrq']
    assert all(row['count'] == 1 and row['hosts'] == ['web1'] for row in report['signatures'])
    # equal counts: the most recent first
    assert [row['kind'] for row in report['signatures']] == ['sysrq', 'oom', 'hung_task']


def test_captures_on_a_dump_server_go_to_the_client_whose_tag_they_carry(fleet):
    hostvars, jobs = fleet
    report = triage_report(['web1', 'web2', 'web3', 'srv1'], hostvars, jobs)
    assert [(c['host'], c['holder'], c['origin']) for c in report['captures']] == [
        ('web1', 'web1', 'local'), ('web2', 'srv1', 'server'), ('web3', 'srv1', 'server'),
        ('198.51.100.7', 'srv1', 'server')]
    hosts = report['hosts']
    assert (hosts['web2']['captures'], hosts['web2']['inventory'], hosts['web2']['holders']) == \
        (1, True, ['srv1:%s' % jobs['servers']['srv1'][0]])
    assert hosts['srv1']['captures'] == 0
    assert hosts['198.51.100.7']['inventory'] is False
    assert report['holders'] == {'web1': T0 + 1000, 'web2': T0 + 1000, 'web3': T0 + 1000, 'srv1': T0 + 2000}


def test_tag_hosts_and_inventory_addresses_place_unknown_tags(fleet):
    hostvars, jobs = fleet
    hostvars['web4'] = {'ansible_host': '198.51.100.7'}
    report = triage_report(['web1', 'web2', 'web3', 'srv1', 'web4'], hostvars, jobs)
    assert report['captures'][-1]['host'] == 'web4'
    report = triage_report(['web1', 'web2', 'web3', 'srv1', 'web4'], hostvars, jobs,
                           tag_hosts={'198.51.100.7': 'web1', '192.0.2.12': 'web3'})
    assert [c['host'] for c in report['captures']] == ['web1', 'web3', 'web3', 'web1']


def test_a_computed_tag_wins_over_an_inventory_address(fleet):
    hostvars, jobs = fleet
    hostvars['web5'] = {'ansible_host': '192.0.2.12'}
    report = triage_report(['web1', 'web2', 'web3', 'srv1', 'web5'], hostvars, jobs)
    assert report['captures'][1]['host'] == 'web2'


def test_captures_of_inventory_hosts_outside_the_run_are_left_out(fleet):
    hostvars, jobs = fleet
    report = triage_report(['web1', 'web2', 'srv1'], hostvars, jobs)
    assert [c['host'] for c in report['captures']] == ['web1', 'web2', '198.51.100.7']
    assert 'web3' not in report['hosts']


def test_loopback_and_untagged_captures_belong_to_their_holder(tmp_path):
    run = triage_run(tmp_path / 'srv', [('127.0.0.1-2026-01-26-10:42:00', SYSRQ, T0), ('202601261043', SYSRQ, T0 + 1)])
    hostvars = {'srv1': {'kdump_triage_server': server_results(run)}, 'web1': {'kdump_triage_local': {
        'captures': [], 'dump_path': None, 'host_time': T0}}}
    report = triage_report(['web1'], hostvars, {'servers': {'srv1': [run['dump_path']]}})
    # srv1 is outside the run: its own captures are not this run's business
    assert report['captures'] == []
    report = triage_report(['web1', 'srv1'], hostvars, {'servers': {'srv1': [run['dump_path']]}})
    assert [c['host'] for c in report['captures']] == ['srv1', 'srv1']


def test_a_capture_read_twice_counts_once(tmp_path):
    run = triage_run(tmp_path / 'srv', [('192.0.2.12-2019-12-04-03:00:00', HUNG_TASK_2, T0)])
    hostvars = {'srv1': {'kdump_triage_local': run, 'kdump_triage_server': server_results(run)},
                'web2': {'kdump_capture_tag': {'tag': '192.0.2.12'}}}
    report = triage_report(['srv1', 'web2'], hostvars, {'servers': {'srv1': [run['dump_path']]}})
    assert [(c['host'], c['origin']) for c in report['captures']] == [('web2', 'local')]
    assert report['signatures'][0]['count'] == 1


def test_problems_are_reported_per_host(fleet):
    hostvars, jobs = fleet
    hostvars['web2']['kdump_capture_tag'] = {'changed': False, 'failed': False,
                                             'msg': 'server: srv1 does not resolve on this host'}
    hostvars['web3']['kdump_triage_local'] = {'failed': True, 'msg': 'Permission denied'}
    hostvars['srv1']['kdump_triage_server']['results'].append({'failed': True, 'item': '/srv/other',
                                                               'msg': '/srv/other: Permission denied'})
    jobs['problems'] = {'web9': 'web9 dumps to nfs nfs9:/export; set kdump_dump_server_path'}
    report = triage_report(['web1', 'web2', 'web3', 'srv1', 'web4'], hostvars, jobs)
    assert report['problems'] == {
        'srv1': 'failed: /srv/other: Permission denied (dump server directory /srv/other)',
        'web2': 'the tag of its captures on the dump server is unknown: server: srv1 does not resolve on this host',
        'web3': 'failed: Permission denied',
        'web4': 'no triage result: the host did not answer',
        'web9': 'web9 dumps to nfs nfs9:/export; set kdump_dump_server_path',
    }
    assert report['hosts']['web4']['problem'] == 'no triage result: the host did not answer'
    # without its tag, web2's capture is still placed: nothing else names 192.0.2.12
    assert report['captures'][1]['host'] == '192.0.2.12'


def test_two_hosts_with_one_tag_are_a_problem(fleet):
    hostvars, jobs = fleet
    hostvars['web3']['kdump_capture_tag'] = {'tag': '192.0.2.12'}
    report = triage_report(['web1', 'web2', 'web3', 'srv1'], hostvars, jobs)
    assert report['problems']['web3'] == 'its captures carry the tag 192.0.2.12, as those of web2 do; they are counted for web2'


# --- tables -------------------------------------------------------------------------

def test_signature_and_host_tables(fleet):
    hostvars, jobs = fleet
    report = triage_report(['web1', 'web2', 'web3', 'srv1'], hostvars, jobs, since='7d')
    signatures = triage_signature_table(report)
    assert signatures[0].split() == ['signature', 'count', 'complete', 'kind', 'title', 'hosts', 'kernels', 'first',
                                     'seen', 'last', 'seen', 'example']
    assert len(signatures) == 4
    assert signatures[1].split()[:4] == [report['signatures'][0]['id'], '2', '2', 'hung_task']
    assert 'web1,web2' in signatures[1]
    assert signatures[3].split()[:4] == ['-', '1', '1', '-'] and 'no signature' in signatures[3]
    hosts = triage_host_table(report)
    assert hosts[0].split()[:4] == ['host', 'captures', 'complete', 'signatures']
    assert [line.split()[0] for line in hosts[1:]] == ['198.51.100.7', 'srv1', 'web1', 'web2', 'web3']
    assert hosts[1].endswith('not an inventory host (capture tag)')
    assert hosts[2].split()[:4] == ['srv1', '0', '0', '0']


def test_long_host_lists_are_cut_in_the_table(tmp_path):
    report = {'signatures': [{'id': 'abc', 'count': 6, 'complete': 6, 'kind': 'oom', 'title': 'out of memory',
                              'hosts': ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], 'kernel_releases': ['6.1'],
                              'first_seen': None, 'last_seen': None, 'example': 'h1:/var/crash/x'}]}
    assert 'h1,h2,h3,h4 +2' in triage_signature_table(report)[1]


# --- where the dump servers are ----------------------------------------------------

def test_jobs_from_the_actual_targets():
    hostvars = {
        'web1': {'t': ssh_target('srv1', '/srv/crash')},
        'web2': {'t': ssh_target('192.0.2.9')},
        'web3': {'t': {'type': 'nfs', 'location': 'srv1:/export/dumps', 'path': '/var/crash', 'family': 'rhel',
                       'local_dir': None}},
        'web4': {'t': {'type': 'nfs', 'location': 'srv1:/export/dumps', 'path': '/var/crash', 'family': 'debian',
                       'local_dir': None}},
        'web5': {'t': {'type': 'nfs', 'location': 'srv1:/export/dumps', 'path': '/var/crash', 'family': 'debian',
                       'local_dir': None}, 'kdump_dump_server_path': '/export/dumps'},
        'web6': {'t': ssh_target('elsewhere.example.com')},
        'web7': {'t': LOCAL_TARGET, 'kdump_target': {'type': 'ssh', 'location': 'kdump@srv1'}},
        'web8': {'kdump_target': {'type': 'ssh', 'location': 'kdump@srv1'}, 'kdump_path': '/srv/old'},
        'srv1': {'t': LOCAL_TARGET},
        'srv2': {'ansible_host': '192.0.2.9', 't': LOCAL_TARGET},
    }
    jobs = dump_server_jobs(sorted(hostvars), hostvars, 't')
    # srv2 receives in its own dump directory, which its own run reads
    assert jobs['servers'] == {'srv1': ['/export/dumps', '/export/dumps/var/crash', '/srv/crash', '/srv/old']}
    assert dump_server_jobs(['web2'], hostvars, 't')['servers'] == {'srv2': ['/var/crash']}
    assert jobs['clients'] == {
        'web1': {'server': 'srv1', 'address': 'srv1', 'path': '/srv/crash'},
        'web2': {'server': 'srv2', 'address': '192.0.2.9', 'path': '/var/crash'},
        'web3': {'server': 'srv1', 'address': 'srv1', 'path': '/export/dumps/var/crash'},
        'web5': {'server': 'srv1', 'address': 'srv1', 'path': '/export/dumps'},
        'web8': {'server': 'srv1', 'address': 'srv1', 'path': '/srv/old'},
    }
    assert sorted(jobs['problems']) == ['web4', 'web6']
    assert 'set kdump_dump_server_path' in jobs['problems']['web4']
    assert 'is no inventory host; set kdump_ssh_server' in jobs['problems']['web6']


def test_a_servers_own_dump_directory_is_read_once():
    hostvars = {'web1': {'t': ssh_target('srv1')}, 'srv1': {'t': LOCAL_TARGET}}
    assert dump_server_jobs(['web1', 'srv1'], hostvars, 't')['servers'] == {}
    assert dump_server_jobs(['web1'], hostvars, 't')['servers'] == {'srv1': ['/var/crash']}
    assert dump_server_jobs(['web1', 'srv1'], hostvars, 't')['clients']['web1']['server'] == 'srv1'


def test_dotted_target_key_reads_a_registered_result():
    hostvars = {'web1': {'kdump_triage_local': {'target': ssh_target('srv1')}}, 'srv1': {}}
    assert dump_server_jobs(['web1'], hostvars, 'kdump_triage_local.target')['servers'] == {'srv1': ['/var/crash']}


# --- the time window and the state file -------------------------------------------------

@pytest.mark.parametrize('value, mode, since', [
    ('', 'all', ''), (None, 'all', ''), ('all', 'all', ''), ('7d', 'given', '7d'), (' 12h ', 'given', '12h'),
    ('2026-01-01', 'given', '2026-01-01'), ('2026-01-26T10:42:00+01:00', 'given', '2026-01-26T10:42:00+01:00'),
    (1769000000, 'given', '1769000000'),
])
def test_window(value, mode, since):
    window = triage_window(value, {'hosts': {'web1': T0}})
    assert (window['mode'], window['since'], window['per_host']) == (mode, since, {})


def test_window_last_uses_each_hosts_own_clock():
    state = triage_state(json.dumps({'version': 1, 'run_at': '2026-01-20T08:00:00Z', 'hosts': {'web1': T0, 'srv1': T0 + 5}}))
    window = triage_window('last', state)
    assert window == {'mode': 'last', 'since': '', 'per_host': {'web1': T0, 'srv1': T0 + 5},
                      'last_run': '2026-01-20T08:00:00Z'}
    assert triage_window('last', triage_state(''))['per_host'] == {}


@pytest.mark.parametrize('value', ['last week', 'marker', '7 days', '2026-13-01'])
def test_window_rejects_names_the_variable_and_the_forms(value):
    with pytest.raises(AnsibleFilterError, match='kdump_triage_since: .* allowed: empty or all'):
        triage_window(value)


@pytest.mark.parametrize('text', ['{', '[]', '{"hosts": []}', '{"hosts": {"web1": "yesterday"}}'])
def test_a_damaged_state_file_fails_naming_it(text):
    with pytest.raises(AnsibleFilterError, match='/root/.cache/x.json .*delete it to start over'):
        triage_state(text, '/root/.cache/x.json')


def test_state_update_keeps_hosts_this_run_did_not_reach():
    state = {'hosts': {'web1': T0, 'web9': T0 - 50}}
    updated = triage_state_update({'holders': {'web1': T0 + 100, 'srv1': T0 + 90}}, state, '2026-01-27T08:00:00Z')
    assert updated == {'version': 1, 'run_at': '2026-01-27T08:00:00Z',
                       'hosts': {'srv1': T0 + 90, 'web1': T0 + 100, 'web9': T0 - 50}}


# --- copies on the controller ----------------------------------------------------------

def test_fetch_plan_puts_each_capture_under_its_signature(fleet):
    hostvars, jobs = fleet
    report = triage_report(['web1', 'web2', 'web3', 'srv1'], hostvars, jobs)
    plan = triage_fetch_plan(report, '/srv/triage')
    hung_id, oom_id = report['signatures'][0]['id'], report['signatures'][1]['id']
    assert plan['dirs'] == sorted(['/srv/triage/%s/web1-20191124T030000' % hung_id,
                                   '/srv/triage/%s/web2-20191204T030000' % hung_id,
                                   '/srv/triage/%s/web3-20191205T030000' % oom_id,
                                   '/srv/triage/no-signature/198.51.100.7-20191206T030000'])
    assert plan['records'][0]['dest'] == '/srv/triage/%s/web1-20191124T030000/triage.json' % hung_id
    assert plan['records'][0]['content']['host'] == 'web1'
    assert [item['kind'] for item in plan['files']['srv1']] == ['dmesg', 'dmesg']
    assert plan['files']['web1'] == [{'src': report['captures'][0]['dmesg_file'], 'kind': 'dmesg', 'bytes': None,
                                      'dest': '/srv/triage/%s/web1-20191124T030000/vmcore-dmesg.txt' % hung_id}]
    assert plan['vmcore_bytes'] == 0


def test_fetch_plan_adds_the_dumps_only_when_asked(fleet):
    hostvars, jobs = fleet
    report = triage_report(['web1', 'web2', 'web3', 'srv1'], hostvars, jobs)
    plan = triage_fetch_plan(report, '/srv/triage', vmcore=True)
    dumps = [item for items in plan['files'].values() for item in items if item['kind'] == 'vmcore']
    assert len(dumps) == 4 and plan['vmcore_bytes'] == sum(item['bytes'] for item in dumps) > 0


def test_fetch_plan_names_are_safe():
    report = {'captures': [{'signature_id': None, 'host': '2001:db8::1', 'name': 'x', 'holder': 'srv1',
                            'captured_at': '2026-01-26T10:42:00', 'dmesg_source': 'none'},
                           {'signature_id': '../etc', 'host': '../../root', 'name': 'y', 'holder': 'srv1',
                            'captured_at': None, 'dmesg_source': 'none'}]}
    assert triage_fetch_plan(report, '/t')['dirs'] == ['/t/_etc/_.._root-y', '/t/no-signature/2001_db8__1-20260126T104200']


@pytest.mark.parametrize('output, available', [
    # GNU coreutils
    ('Filesystem     1024-blocks     Used Available Capacity Mounted on\n'
     '/dev/vda         264212084 27528940  78861972      26% /\n', 78861972 * 1024),
    # macOS: a file system name and a mount point with blanks
    ('Filesystem    1024-blocks Used Available Capacity  Mounted on\n'
     'map auto_home           0    0         0   100%    /System/Volumes/Data/home\n', 0),
    ('Filesystem 1024-blocks Used Available Capacity Mounted on\n'
     '/dev/disk4s1 976490568 512 976490056 1% /Volumes/Backup Disk\n', 976490056 * 1024),
])
def test_df_available_bytes(output, available):
    assert df_available_bytes(output) == available


@pytest.mark.parametrize('output', ['', 'df: /nope: No such file or directory\n', 'Filesystem 1024-blocks\n'])
def test_df_output_without_a_line_fails(output):
    with pytest.raises(AnsibleFilterError, match='df -P -k'):
        df_available_bytes(output)


# --- retention -------------------------------------------------------------------------

@pytest.mark.parametrize('args, expected', [
    (('3', '', '', ''), {'keep': 3, 'max_age_days': None, 'max_total_bytes': None, 'guard_seconds': 600,
                         'delete': False}),
    ((None, '30', '10G', 'delete'), {'keep': None, 'max_age_days': 30.0, 'max_total_bytes': 10 * 1024 ** 3,
                                     'guard_seconds': 600, 'delete': True}),
    ((0, 1.5, 1048576, None, '60'), {'keep': 0, 'max_age_days': 1.5, 'max_total_bytes': 1048576,
                                     'guard_seconds': 60, 'delete': False}),
    (('1', '', '', '', 0), {'keep': 1, 'max_age_days': None, 'max_total_bytes': None, 'guard_seconds': 0,
                            'delete': False}),
])
def test_prune_policy_takes_survey_answers(args, expected):
    assert prune_policy(*args) == expected


@pytest.mark.parametrize('args, message', [
    (('', '', '', ''), 'give at least one of kdump_prune_keep, kdump_prune_max_age_days or kdump_prune_max_total_bytes'),
    (('three', '', '', ''), 'kdump_prune_keep: '),
    (('-1', '', '', ''), 'kdump_prune_keep: -1 is negative'),
    (('', 'soon', '', ''), 'kdump_prune_max_age_days: '),
    (('', '', '10 gigs', ''), 'kdump_prune_max_total_bytes: '),
    (('3', '', '', 'yes'), "kdump_prune_confirm: 'yes' is not the word delete"),
    (('3', '', '', '', 'soon'), 'kdump_prune_guard_seconds: '),
    (('3', '', '', '', '-5'), 'kdump_prune_guard_seconds: -5 is not 0 or a positive number'),
])
def test_prune_policy_rejects_names_the_variable(args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        prune_policy(*args)


def _pruned(path, deleted, kept, dry_run=False, over_limit=False):
    def entry(name, client, size):
        return {'name': name, 'path': '%s/%s' % (path, name), 'client': client, 'captured_at': None, 'complete': True,
                'bytes': size, 'reason': 'beyond the newest 1'}
    return {'changed': bool(deleted) and not dry_run, 'dump_path': path, 'dry_run': dry_run, 'per_client': True,
            'deleted': [entry(*item) for item in deleted], 'kept': [entry(*item) for item in kept], 'skipped': [],
            'over_limit': over_limit, 'bytes_freed': sum(item[2] for item in deleted)}


def test_prune_report_per_host_and_directory():
    hostvars = {
        'web1': {'kdump_prune_local': _pruned('/var/crash', [('202601011000', None, 100)], [('202601261040', None, 50)])},
        'web2': {'kdump_prune_local': {'skipped': True, 'changed': False}, 'kdump_capture_tag': {'tag': '192.0.2.12'}},
        'srv1': {'kdump_prune_server': {'results': [dict(_pruned('/srv/crash', [
            ('192.0.2.12-2026-01-01-10:00:00', '192.0.2.12', 1000), ('192.0.2.99-2026-01-01-10:00:00', '192.0.2.99', 10)],
            [('192.0.2.12-2026-01-26-10:00:00', '192.0.2.12', 500)]), item='/srv/crash')]}},
    }
    report = prune_report(['web1', 'web2'], hostvars, {'servers': {'srv1': ['/srv/crash']}})
    assert [(row['host'], row['location'], row['deleted'], row['kept'], row['bytes_freed'], row['bytes_kept'])
            for row in report['rows']] == [
        ('192.0.2.99', 'srv1:/srv/crash', 1, 0, 10, 0),
        ('web1', 'web1:/var/crash', 1, 1, 100, 50),
        ('web2', 'srv1:/srv/crash', 1, 1, 1000, 500)]
    assert report['bytes_freed'] == 1110 and report['dry_run'] is False and report['problems'] == {}
    assert sorted(entry['host'] for entry in report['deleted']) == ['192.0.2.99', 'web1', 'web2']
    lines = prune_table(report)
    assert lines[0].split()[:3] == ['host', 'where', 'deleted']
    assert lines[2].split()[:6] == ['web1', 'web1:/var/crash', '1', '100', '1', '50']


def test_prune_dry_run_and_problems_in_the_table():
    hostvars = {'web1': {'kdump_prune_local': _pruned('/var/crash', [('202601011000', None, 2048)], [], dry_run=True,
                                                      over_limit=True)},
                'web2': {'kdump_prune_local': {'failed': True, 'msg': 'path: /var/crash is not a directory'}}}
    report = prune_report(['web1', 'web2', 'web3'], hostvars, {})
    assert report['dry_run'] is True
    lines = prune_table(report)
    assert lines[0].split()[:4] == ['host', 'where', 'would', 'delete']
    assert lines[1].split() == ['web1', 'web1:/var/crash', '1', '2K', '0', '0', 'over', 'max_total_bytes']
    assert lines[2].split()[0] == 'web2' and lines[2].endswith('failed: path: /var/crash is not a directory')
    assert lines[3].endswith('no prune result: the host did not answer')


def test_every_filter_is_registered():
    assert sorted(FilterModule().filters()) == sorted([
        'triage_state', 'triage_window', 'triage_state_update', 'dump_server_jobs', 'triage_report',
        'triage_signature_table', 'triage_host_table', 'triage_fetch_plan', 'df_available_bytes', 'prune_policy',
        'prune_report', 'prune_table'])
