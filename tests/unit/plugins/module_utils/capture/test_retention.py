# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retention policy tables: which captures each rule deletes, what the protections keep, sizes and re-checks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.retention import (
    check_policy,
    directory_bytes,
    format_size,
    parse_size,
    plan_retention,
    recheck_deletable,
)

NOW = 2000000000.0
DAY = 86400.0
GIB = 1024 ** 3


def capture(name, age_days, complete=True, markers=(), size=GIB, client=None):
    """One capture as the module builds it: list_capture_dirs fields, the verdict and the size."""
    return {'name': name, 'path': '/var/crash/%s' % name, 'client': client, 'layout': 'debian',
            'captured_at': None, 'mtime': NOW - age_days * DAY, 'newest_mtime': NOW - age_days * DAY,
            'complete': complete, 'incomplete_markers': list(markers), 'bytes': size}


def policy(**rules):
    return check_policy(**rules)


def names(entries):
    return [entry['name'] for entry in entries]


def reasons(entries):
    return dict((entry['name'], entry['reason']) for entry in entries)


HOST = [capture('202601010000', 40), capture('202601100000', 30), capture('202601200000', 20),
        capture('202601250000', 5)]


@pytest.mark.parametrize('rules, deleted', [
    ({'keep': 3}, ['202601010000']),
    ({'keep': 2}, ['202601010000', '202601100000']),
    ({'keep': 4}, []),
    ({'keep': 10}, []),
    ({'keep': 0}, ['202601010000', '202601100000', '202601200000']),
    ({'max_age_days': 25}, ['202601010000', '202601100000']),
    ({'max_age_days': 30}, ['202601010000']),
    ({'max_age_days': 0}, ['202601010000', '202601100000', '202601200000']),
    ({'keep': 3, 'max_age_days': 25}, ['202601010000', '202601100000']),
    ({'max_total_bytes': 2 * GIB}, ['202601010000', '202601100000']),
    ({'max_total_bytes': '3G'}, ['202601010000']),
    ({'max_total_bytes': 4 * GIB}, []),
    ({'keep': 3, 'max_total_bytes': '2G'}, ['202601010000', '202601100000']),
])
def test_each_rule_deletes_the_oldest_captures_of_a_host(rules, deleted):
    plan = plan_retention(HOST, policy(**rules), NOW)
    assert names(plan['delete']) == deleted
    assert names(plan['keep']) == [entry['name'] for entry in HOST if entry['name'] not in deleted]
    assert plan['bytes_freed'] == len(deleted) * GIB
    assert (plan['total_bytes'], plan['total_bytes_after']) == (4 * GIB, (4 - len(deleted)) * GIB)
    assert plan['per_client'] is False


def test_every_rule_that_rejects_a_capture_is_named():
    plan = plan_retention(HOST, policy(keep=2, max_age_days=25), NOW)
    assert reasons(plan['delete']) == {
        '202601010000': 'beyond the newest 2 of the path; 40.0 days old, older than max_age_days 25',
        '202601100000': 'beyond the newest 2 of the path; 30.0 days old, older than max_age_days 25',
    }
    assert reasons(plan['keep']) == {'202601200000': 'within the policy',
                                     '202601250000': 'the newest complete capture of the path'}


def test_the_newest_complete_capture_stays_however_old():
    old = [capture('202501010000', 400), capture('202502010000', 370)]
    plan = plan_retention(old, policy(keep=0, max_age_days=30, max_total_bytes=0), NOW)
    assert names(plan['delete']) == ['202501010000']
    assert reasons(plan['keep']) == {'202502010000': 'the newest complete capture of the path'}
    assert plan['over_limit'] is True


def test_a_failed_newest_capture_does_not_cost_the_last_good_one():
    captures = [capture('202601010000', 40), capture('202601200000', 20),
                capture('202601250000', 5, complete=False, markers=['dump-incomplete'])]
    plan = plan_retention(captures, policy(keep=1), NOW)
    assert names(plan['delete']) == ['202601010000']
    assert reasons(plan['keep']) == {
        '202601200000': 'the newest complete capture of the path',
        '202601250000': 'dump-incomplete present: the capture may still be written (prune_incomplete deletes it)',
    }


def test_prune_incomplete_lets_old_failed_captures_go_but_not_fresh_ones():
    captures = [capture('202601010000', 40, complete=False, markers=['vmcore-incomplete']),
                capture('202601200000', 20),
                capture('202601260000', 0.001, complete=False, markers=['vmcore-incomplete'])]
    kept_by_default = plan_retention(captures, policy(max_age_days=10), NOW)
    assert names(kept_by_default['delete']) == []
    pruned = plan_retention(captures, policy(keep=0), NOW, prune_incomplete=True)
    assert names(pruned['delete']) == ['202601010000']
    assert reasons(pruned['keep'])['202601260000'].startswith('modified 86 s ago, within guard_seconds 600')


@pytest.mark.parametrize('guard_seconds, deleted', [
    (600, ['202601010000']),
    (0, ['202601010000', '202601250000']),
])
def test_a_capture_modified_within_the_guard_time_is_never_deleted(guard_seconds, deleted):
    captures = [capture('202601010000', 40), capture('202601250000', 300.0 / DAY, complete=False),
                capture('202601260000', 1)]
    plan = plan_retention(captures, policy(keep=0, guard_seconds=guard_seconds), NOW)
    assert names(plan['delete']) == deleted


SERVER = [
    capture('192.168.77.10-2026-01-01-00:00:00', 40, client='192.168.77.10'),
    capture('192.168.77.1-2026-01-02-00:00:00', 39, client='192.168.77.1'),
    capture('web-1-202601030000', 38, client='web-1'),
    capture('web-10-202601040000', 37, client='web-10'),
    capture('192.168.77.10-2026-01-20-00:00:00', 20, client='192.168.77.10'),
    capture('web-1-202601210000', 19, client='web-1'),
    capture('192.168.77.10-2026-01-25-00:00:00', 5, client='192.168.77.10'),
    capture('202601250100', 4),
]


def test_a_dump_server_keeps_the_newest_captures_of_every_client():
    plan = plan_retention(SERVER, policy(keep=1), NOW)
    assert plan['per_client'] is True
    assert names(plan['delete']) == ['192.168.77.10-2026-01-01-00:00:00', 'web-1-202601030000',
                                     '192.168.77.10-2026-01-20-00:00:00']
    assert reasons(plan['delete'])['web-1-202601030000'] == 'beyond the newest 1 of client web-1'
    assert reasons(plan['keep']) == {
        '192.168.77.1-2026-01-02-00:00:00': 'the newest complete capture of client 192.168.77.1',
        'web-10-202601040000': 'the newest complete capture of client web-10',
        'web-1-202601210000': 'the newest complete capture of client web-1',
        '192.168.77.10-2026-01-25-00:00:00': 'the newest complete capture of client 192.168.77.10',
        '202601250100': 'the newest complete capture of the captures without a client tag',
    }


def test_per_client_false_treats_the_path_as_one_host():
    plan = plan_retention(SERVER, policy(keep=1), NOW, per_client=False)
    assert plan['per_client'] is False
    assert names(plan['keep']) == ['202601250100']


def test_per_client_age_rule_still_spares_each_clients_last_good_capture():
    plan = plan_retention(SERVER, policy(max_age_days=30), NOW)
    assert names(plan['delete']) == ['192.168.77.10-2026-01-01-00:00:00', 'web-1-202601030000']


def test_the_size_limit_deletes_the_oldest_across_clients_until_the_rest_fits():
    plan = plan_retention(SERVER, policy(max_total_bytes='5G'), NOW)
    assert names(plan['delete']) == ['192.168.77.10-2026-01-01-00:00:00', 'web-1-202601030000',
                                     '192.168.77.10-2026-01-20-00:00:00']
    assert reasons(plan['delete'])['192.168.77.10-2026-01-01-00:00:00'] == \
        'the captures hold 8.0 GiB, more than max_total_bytes 5.0 GiB'
    assert (plan['total_bytes_after'], plan['over_limit']) == (5 * GIB, False)


def test_a_size_limit_the_protected_captures_exceed_is_reported():
    plan = plan_retention(SERVER, policy(max_total_bytes='1G'), NOW)
    assert plan['total_bytes_after'] == 5 * GIB
    assert plan['over_limit'] is True


def test_no_captures_no_plan():
    assert plan_retention([], policy(keep=1), NOW) == {
        'per_client': False, 'delete': [], 'keep': [], 'bytes_freed': 0, 'total_bytes': 0,
        'total_bytes_after': 0, 'over_limit': False}


@pytest.mark.parametrize('value, size', [
    (0, 0), (1024, 1024), ('1024', 1024), (' 2048 ', 2048), ('500M', 500 * 1024 ** 2), ('10G', 10 * GIB),
    ('10g', 10 * GIB), ('2k', 2048), ('3T', 3 * 1024 ** 4), ('1P', 1024 ** 5),
])
def test_sizes_are_read_like_crashkernel_sizes(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize('value, problem', [
    ('-1', 'is negative'), (-5, 'is negative'), ('-1G', 'is negative'), ('10X', 'is not a size'),
    ('', 'is not a size'), ('ten', 'is not a size'), ('1.5G', 'is not a size'), ('10 GB', 'is not a size'),
    (True, 'is not a size'), (1.5, 'is not a size'), (None, 'is not a size'),
])
def test_bad_sizes_name_the_parameter(value, problem):
    with pytest.raises(ValueError) as error:
        parse_size(value)
    assert str(error.value).startswith('max_total_bytes: ')
    assert problem in str(error.value)
    assert '500M, 10G' in str(error.value)


@pytest.mark.parametrize('size, text', [(512, '512 B'), (2048, '2.0 KiB'), (5 * GIB, '5.0 GiB'),
                                        (3 * 1024 ** 4, '3.0 TiB')])
def test_format_size(size, text):
    assert format_size(size) == text


@pytest.mark.parametrize('rules, parameter', [
    ({'keep': -1}, 'keep: -1 is negative'),
    ({'keep': True}, 'keep: True is not a whole number'),
    ({'max_age_days': -0.5}, 'max_age_days: -0.5 is negative'),
    ({'max_age_days': float('inf')}, 'max_age_days: inf is not a number'),
    ({'max_total_bytes': '-1G'}, 'max_total_bytes: '),
    ({'keep': 1, 'guard_seconds': -1}, 'guard_seconds: -1'),
    ({}, 'give at least one of keep, max_age_days or max_total_bytes'),
    ({'guard_seconds': 60}, 'give at least one of keep, max_age_days or max_total_bytes'),
])
def test_bad_policies_are_refused_naming_the_parameter(rules, parameter):
    with pytest.raises(ValueError) as error:
        check_policy(**rules)
    assert str(error.value).startswith(parameter)


def test_a_valid_policy_is_returned_with_bytes():
    expected = {'keep': 2, 'max_age_days': None, 'max_total_bytes': GIB, 'guard_seconds': 600}
    assert check_policy(keep=2, max_total_bytes='1G') == expected


def test_directory_bytes_counts_links_as_links(tmp_path):
    directory = tmp_path / '202601261042'
    (directory / 'sub').mkdir(parents=True)
    (directory / 'dump.202601261042').write_bytes(b'x' * 1000)
    (directory / 'sub' / 'dmesg').write_bytes(b'y' * 24)
    outside = tmp_path / 'outside.bin'
    outside.write_bytes(b'z' * 100000)
    os.symlink(str(outside), str(directory / 'link'))
    os.symlink(str(tmp_path), str(directory / 'loop'))
    expected = 1000 + 24 + os.lstat(str(directory / 'link')).st_size + os.lstat(str(directory / 'loop')).st_size
    assert directory_bytes(str(directory)) == expected


@pytest.fixture
def root(tmp_path):
    crash = tmp_path / 'crash'
    old = crash / '202601010000'
    old.mkdir(parents=True)
    (old / 'dump.202601010000').write_bytes(b'KDUMP')
    os.utime(str(old / 'dump.202601010000'), (NOW - 40 * DAY, NOW - 40 * DAY))
    os.utime(str(old), (NOW - 40 * DAY, NOW - 40 * DAY))
    return str(crash)


def test_recheck_allows_an_old_plain_capture_directory(root):
    assert recheck_deletable(os.path.join(root, '202601010000'), root, NOW, 600) is None


def test_recheck_refuses_a_capture_written_since_the_plan(root):
    path = os.path.join(root, '202601010000')
    os.utime(os.path.join(path, 'dump.202601010000'), (NOW - 10, NOW - 10))
    assert 'within guard_seconds 600' in recheck_deletable(path, root, NOW, 600)


def test_recheck_refuses_an_incomplete_capture_unless_asked(root):
    path = os.path.join(root, '202601010000')
    os.rename(os.path.join(path, 'dump.202601010000'), os.path.join(path, 'dump-incomplete'))
    os.utime(path, (NOW - 40 * DAY, NOW - 40 * DAY))
    assert 'dump-incomplete present' in recheck_deletable(path, root, NOW, 600)
    assert recheck_deletable(path, root, NOW, 600, prune_incomplete=True) is None


def test_recheck_refuses_symbolic_links_files_and_foreign_names(root, tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    os.symlink(str(elsewhere), os.path.join(root, '202601020000'))
    with open(os.path.join(root, '202601030000'), 'w') as handle:
        handle.write('not a directory')
    os.mkdir(os.path.join(root, 'kexec_cmd.d'))
    assert 'symbolic link' in recheck_deletable(os.path.join(root, '202601020000'), root, NOW, 600)
    assert 'not a directory' in recheck_deletable(os.path.join(root, '202601030000'), root, NOW, 600)
    assert 'not a capture directory' in recheck_deletable(os.path.join(root, 'kexec_cmd.d'), root, NOW, 600)
    assert 'not a capture directory' in recheck_deletable(str(elsewhere), root, NOW, 600)
    assert 'cannot examine' in recheck_deletable(os.path.join(root, '202601040000'), root, NOW, 600)
