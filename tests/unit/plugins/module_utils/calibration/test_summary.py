# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report of a calibration run: hosts, classes, what is applied, and the table rows."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.bisection import (
    plan_bounds,
    record_probe,
    start_state,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.host_class import class_key
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.summary import (
    build_report,
    class_rows,
    host_rows,
    probe_marks,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import not_returned_outcome, outcome_record

M = 1024 * 1024
G = 1024 * M
COLLECTOR = 'makedumpfile -l --message-level 7 -d 31'


def _outcome(captured):
    if captured:
        return dict(outcome_record('complete', 'complete', '/var/crash/1/dump.1'), returned_after=100)
    return dict(outcome_record('no_capture', 'no new capture directory'), returned_after=90)


def calibrated(ram, captures_from, upper=128 * M):
    state = start_state(plan_bounds(upper))
    while state['status'] == 'calibrating':
        size = state['next_probe_bytes']
        state = record_probe(state, size, _outcome(size >= captures_from), seconds=200)
    state.update({'class': class_key('x86_64', ram, '6.1.0-28-amd64', 'local', COLLECTOR),
                  'original': {'value': '384M-:128M', 'low': None}})
    return state


def test_hosts_of_one_class_share_the_largest_recommendation_and_two_rams_are_two_classes():
    report = build_report({'a': calibrated(2 * G, 112 * M), 'b': calibrated(3 * G, 80 * M),
                           'c': calibrated(1536 * M, 96 * M)})
    assert len(report['classes']) == 2
    big = report['classes']['x86_64 2G-4G 6.1.0-28-amd64 local makedumpfile -l -d 31']
    assert big['hosts'] == ['a', 'b'] and big['recommended'] == '144M' and big['recommended_bytes'] == 144 * M
    assert report['hosts']['b']['recommended'] == '112M' and report['hosts']['b']['apply'] == '144M'
    assert report['hosts']['c']['apply'] == '128M'
    assert report['hosts']['a']['seconds'] == 800 and report['hosts']['a']['class_id'] == big['id']
    assert json.loads(json.dumps(report)) == report


def test_a_class_with_an_upper_bound_that_fails_has_no_recommendation():
    failing = start_state(plan_bounds(128 * M))
    failing = record_probe(failing, 128 * M, _outcome(False))
    failing.update({'class': class_key('x86_64', 2 * G, '6.1.0-28-amd64', 'local', COLLECTOR), 'original': None})
    report = build_report({'a': calibrated(2 * G, 112 * M), 'b': failing})
    entry = list(report['classes'].values())[0]
    assert entry['recommended'] is None and 'does not capture on b' in entry['note']
    assert report['hosts']['a']['apply'] is None
    assert entry['hosts_without_result'] == {'b': 'upper_bound_fails'}


def test_a_stopped_host_does_not_block_its_class_and_is_not_applied_to():
    stopped = start_state(plan_bounds(128 * M))
    stopped = record_probe(stopped, 128 * M, _outcome(True))
    stopped = record_probe(stopped, stopped['next_probe_bytes'], not_returned_outcome(900))
    stopped.update({'class': class_key('x86_64', 2 * G, '6.1.0-28-amd64', 'local', COLLECTOR), 'original': None})
    report = build_report({'a': calibrated(2 * G, 112 * M), 'b': stopped})
    entry = list(report['classes'].values())[0]
    assert entry['recommended'] == '144M' and entry['note'] == 'from 1 of 2 hosts'
    assert report['hosts']['b']['status'] == 'stopped' and report['hosts']['b']['apply'] is None


def test_hosts_never_calibrated_or_lost_in_a_probe():
    lost = start_state(plan_bounds(128 * M))
    lost.update({'class': class_key('x86_64', 2 * G, '6.1.0-28-amd64', 'local', COLLECTOR), 'original': None})
    report = build_report({'gone': None, 'lost': lost})
    assert report['hosts']['gone']['status'] == 'not_calibrated' and report['hosts']['gone']['class'] is None
    assert report['hosts']['lost']['status'] == 'stopped' and 'stopped answering' in report['hosts']['lost']['detail']


def test_table_rows():
    report = build_report({'a': calibrated(2 * G, 112 * M), 'gone': None})
    classes = class_rows(report)
    assert classes[1][:7] == ['c1', 'x86_64', '2G-4G', '6.1.0-28-amd64', 'local', 'makedumpfile -l -d 31', 1]
    hosts = host_rows(report)
    assert hosts[1][:8] == ['a', 'c1', 'calibrated', '128M+ 80M- 96M- 112M+', '96M', '112M', '144M', '144M']
    assert hosts[2][:3] == ['gone', None, 'not_calibrated']


def test_probe_marks():
    assert probe_marks([{'size': '128M', 'verdict': 'captured'}, {'size': '96M', 'verdict': 'too_small'},
                        {'size': '112M', 'verdict': 'stop'}]) == '128M+ 96M- 112M!'
