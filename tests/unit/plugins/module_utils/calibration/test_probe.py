# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a probe's crash-test outcome says about its size: captured, too small, or stop."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.probe import (
    CAPTURED,
    STAGES,
    STOP,
    TOO_SMALL,
    probe_verdict,
    stage_failure_outcome,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import (
    OUTCOMES,
    caller_outcome,
    not_returned_outcome,
    outcome_record,
    refused_outcome,
)

M = 1024 * 1024


def returned(record, seconds=90):
    return dict(record, returned_after=seconds)


def refused_with(code, reason):
    return dict(refused_outcome(reason), refusal=code)


@pytest.mark.parametrize('outcome, verdict', [
    (returned(outcome_record('complete', 'complete', '/var/crash/1/dump.1')), CAPTURED),
    (returned(outcome_record('no_capture', 'the host rebooted but the capture left no new capture directory')),
     TOO_SMALL),
    (returned(outcome_record('incomplete', 'the capture in /var/crash/1 is incomplete: marker left')), TOO_SMALL),
    (refused_with('not_operational', 'kdump is not operational'), TOO_SMALL),
    # Came back, but not known to have come back by itself.
    (outcome_record('no_capture', 'no new capture directory'), STOP),
    (not_returned_outcome(900), STOP),
    (refused_with('no_space', '/var/crash has 1024 bytes free'), STOP),
    (refused_with('test_pending', 'a test crash was already scheduled'), STOP),
    (refused_outcome('kdump_crash_test_confirm must be the word crash'), STOP),
    (caller_outcome('error', 'the crash test broke off before a verdict: vmcore_info failed'), STOP),
    (outcome_record('not_crashed', 'the host still runs the boot'), STOP),
    (caller_outcome('not_tested', 'no crash test ran'), STOP),
    (caller_outcome('current', 'the last test still covers the host'), STOP),
    ({}, STOP),
    (None, STOP),
    ({'outcome': 'too_small'}, STOP),
])
def test_verdict_of_each_outcome(outcome, verdict):
    assert probe_verdict(outcome, 96 * M)[0] == verdict


def test_every_outcome_has_a_verdict():
    for name in OUTCOMES:
        assert probe_verdict(returned(outcome_record(name, 'x')), 96 * M)[0] in (CAPTURED, TOO_SMALL, STOP)


def test_a_host_that_reserved_another_size_tested_another_size_and_stops():
    verdict, reason = probe_verdict(returned(outcome_record('complete', 'ok', '/d')), 96 * M, reserved_bytes=128 * M)
    assert verdict == STOP and "reserved 128M, not the probe's 96M" in reason
    assert probe_verdict(returned(outcome_record('complete', 'ok', '/d')), 96 * M, reserved_bytes=96 * M)[0] == CAPTURED


@pytest.mark.parametrize('stage, outcome, verdict', [
    ('start', 'error', STOP),
    ('reservation', 'error', STOP),
    ('reboot', 'not_returned', STOP),
    ('load', 'refused', TOO_SMALL),
    ('crash', 'refused', STOP),
])
def test_a_probe_that_broke_off_early(stage, outcome, verdict):
    record = stage_failure_outcome(stage, 'the message')
    assert record['outcome'] == outcome and 'the message' in record['detail']
    assert probe_verdict(record, 96 * M)[0] == verdict


def test_unknown_stage_is_an_error():
    assert 'crash' in STAGES
    with pytest.raises(ValueError, match='stage'):
        stage_failure_outcome('judging', 'x')
