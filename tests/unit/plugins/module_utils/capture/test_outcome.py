# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a test crash ended: one record shape for every outcome."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import (
    OUTCOMES,
    caller_outcome,
    classify_outcome,
    crash_test_failed,
    not_returned_outcome,
    outcome_record,
    refused_outcome,
)

SHAPE = set(['outcome', 'complete', 'detail', 'dump'])


def verdict(name, complete, dump_file=None, reason=None, markers=(), fmt='flattened'):
    path = '/var/crash/%s' % name
    return {'name': name, 'path': path, 'complete': complete, 'format': fmt, 'reason': reason,
            'dump_file': '%s/%s' % (path, dump_file) if dump_file else None, 'incomplete_markers': list(markers)}


COMPLETE = verdict('202601261040', True, dump_file='dump.202601261040')
OUT_OF_MEMORY = verdict('202601261050', False,
                        reason='dump-incomplete is present (the capture did not finish writing the dump)',
                        markers=['dump-incomplete'], fmt=None)
CUT_STREAM = verdict('202601261055', False, dump_file='dump.202601261055',
                     reason='flattened stream has no end marker (the stream was cut off)')


def test_boot_unchanged_means_the_crash_never_happened():
    record = classify_outcome(False, [COMPLETE])
    assert record['outcome'] == 'not_crashed' and record['complete'] is False and record['dump'] is None


def test_a_new_complete_dump():
    record = classify_outcome(True, [COMPLETE])
    assert record == {'outcome': 'complete', 'complete': True, 'dump': '/var/crash/202601261040/dump.202601261040',
                      'detail': 'the capture left a complete flattened dump in /var/crash/202601261040'}


def test_complete_wins_over_a_later_incomplete_capture():
    assert classify_outcome(True, [COMPLETE, OUT_OF_MEMORY])['dump'] == COMPLETE['dump_file']


def test_incomplete_names_the_marker_left_behind():
    record = classify_outcome(True, [OUT_OF_MEMORY])
    assert record['outcome'] == 'incomplete' and record['complete'] is False
    assert record['dump'] == '/var/crash/202601261050/dump-incomplete'
    assert record['detail'] == ('the capture in /var/crash/202601261050 is incomplete: dump-incomplete is present '
                                '(the capture did not finish writing the dump)')


def test_incomplete_dump_file_is_the_dump():
    record = classify_outcome(True, [CUT_STREAM])
    assert record['dump'] == '/var/crash/202601261055/dump.202601261055'
    assert 'stream was cut off' in record['detail']


def test_rebooted_without_a_capture():
    record = classify_outcome(True, [], '/var/crash')
    assert record['outcome'] == 'no_capture' and record['dump'] is None
    assert record['detail'] == 'the host rebooted but the capture left no new capture directory in /var/crash'


def test_without_a_marker_no_capture_says_the_crash_is_not_known():
    record = classify_outcome(None, [], '/var/crash')
    assert record['outcome'] == 'no_capture' and 'not known' in record['detail']


def test_caller_outcomes_share_the_shape():
    refused = refused_outcome('kdump is not operational')
    assert refused == {'outcome': 'refused', 'complete': False, 'dump': None,
                       'detail': 'the test crash was refused and the host not crashed: kdump is not operational'}
    not_returned = not_returned_outcome(900)
    assert not_returned['outcome'] == 'not_returned' and '900 s' in not_returned['detail']
    assert set(refused) == set(not_returned) == set(classify_outcome(True, [COMPLETE])) == SHAPE


@pytest.mark.parametrize('outcome', ['complete', 'incomplete', 'no_capture', 'not_crashed'])
def test_outcomes_decided_from_the_dumps_are_not_the_callers(outcome):
    with pytest.raises(ValueError, match='the caller decides not_returned, refused'):
        caller_outcome(outcome, 'x')


def test_unknown_outcome_is_rejected():
    with pytest.raises(ValueError, match="'crashed' is not one of " + ', '.join(OUTCOMES)):
        outcome_record('crashed', 'x')


@pytest.mark.parametrize('record, failed', [
    (outcome_record('complete', 'ok', '/var/crash/1/dump.1'), False),
    (caller_outcome('current', 'still covers the host'), False),
    (caller_outcome('skipped', 'check mode: nothing crashed'), False),
    (outcome_record('incomplete', 'cut'), True),
    (outcome_record('no_capture', 'none'), True),
    (outcome_record('not_crashed', 'same boot'), True),
    (not_returned_outcome(900), True),
    (refused_outcome('not operational'), True),
    (caller_outcome('error', 'broke off'), True),
    (caller_outcome('not_tested', 'budget spent'), True),
    ({}, True),
    (None, True),
    ('complete', True),
])
def test_which_outcomes_fail_the_host(record, failed):
    assert crash_test_failed(record) is failed


def test_skipped_proves_nothing():
    record = caller_outcome('skipped', 'check mode: nothing crashed')
    assert record['complete'] is False and record['dump'] is None
