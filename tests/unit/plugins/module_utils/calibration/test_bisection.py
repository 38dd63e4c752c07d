# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bisection: bounds, the next probe, when it is done, the probe limit, stop versus shrink."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.bisection import (
    FLOOR_BYTES,
    STATUS_CALIBRATED,
    STATUS_CALIBRATING,
    STATUS_PROBE_LIMIT,
    STATUS_STOPPED,
    STATUS_UPPER_BOUND_FAILS,
    CalibrationError,
    max_probes,
    plan_bounds,
    record_final,
    record_probe,
    recommended_size,
    round_up,
    start_state,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import (
    caller_outcome,
    not_returned_outcome,
    outcome_record,
    refused_outcome,
)

M = 1024 * 1024


def complete():
    return dict(outcome_record('complete', 'the capture left a complete dump', '/var/crash/1/dump.1'),
                returned_after=120)


def no_capture():
    return dict(outcome_record('no_capture', 'the host rebooted but the capture left no new capture directory'),
                returned_after=95)


def run(state, captures_from):
    """Probe until done, as a host whose smallest capturing size is ``captures_from``; the sizes probed."""
    probed = []
    while state['status'] == STATUS_CALIBRATING:
        size = state['next_probe_bytes']
        probed.append(size // M)
        state = record_probe(state, size, complete() if size >= captures_from else no_capture(), seconds=180)
    return state, probed


# --- bounds -------------------------------------------------------------------

def test_lower_bound_is_the_floor_when_there_is_no_estimate_and_the_upper_the_platform_default():
    bounds = plan_bounds(128 * M)
    assert bounds == {'lower_bytes': FLOOR_BYTES, 'upper_bytes': 128 * M, 'step_bytes': 16 * M,
                      'lower_source': 'floor', 'upper_source': 'platform default'}


def test_an_estimate_above_the_floor_is_the_lower_bound_rounded_up_to_the_step():
    bounds = plan_bounds(256 * M, estimate_bytes=150 * M)
    assert (bounds['lower_bytes'], bounds['lower_source']) == (160 * M, 'platform estimate')


def test_an_estimate_below_the_floor_leaves_the_floor():
    assert plan_bounds(256 * M, estimate_bytes=48 * M)['lower_bytes'] == FLOOR_BYTES


def test_kdump_calibrate_max_and_min_replace_the_platform_bounds():
    bounds = plan_bounds(192 * M, estimate_bytes=150 * M, min_bytes=80 * M, max_bytes=512 * M)
    assert (bounds['lower_bytes'], bounds['upper_bytes']) == (80 * M, 512 * M)
    assert (bounds['lower_source'], bounds['upper_source']) == ('kdump_calibrate_min', 'kdump_calibrate_max')


def test_a_lower_bound_above_the_upper_is_the_upper():
    bounds = plan_bounds(192 * M, estimate_bytes=320 * M)
    assert bounds['lower_bytes'] == 192 * M and 'above the upper bound' in bounds['lower_source']


def test_no_platform_default_and_no_maximum_cannot_start():
    with pytest.raises(CalibrationError, match='kdump_calibrate_max'):
        plan_bounds(None)


@pytest.mark.parametrize('lower, upper, step, expected', [
    (64, 128, 16, 4),     # 5 sizes (64..128) -> 1 + ceil(log2(5))
    (64, 192, 16, 5),     # 9 sizes
    (192, 192, 16, 1),    # nothing below the upper bound to try
    (176, 192, 16, 2),
    (64, 512, 16, 6),
])
def test_max_probes_is_one_more_than_ceil_log2_of_the_sizes_to_try(lower, upper, step, expected):
    assert max_probes(plan_bounds(upper * M, step * M, min_bytes=lower * M)) == expected


# --- the bisection --------------------------------------------------------------

def test_first_probe_is_the_upper_bound():
    state = start_state(plan_bounds(128 * M))
    assert (state['status'], state['next_probe_bytes']) == (STATUS_CALIBRATING, 128 * M)


@pytest.mark.parametrize('captures_from', [64, 72, 80, 96, 100, 112, 128])
def test_bisection_finds_the_boundary_within_max_probes(captures_from):
    state = start_state(plan_bounds(128 * M))
    final, probed = run(state, captures_from * M)
    assert final['status'] == STATUS_CALIBRATED
    assert len(probed) <= state['max_probes']
    smallest = final['smallest_capturing_bytes']
    assert smallest >= captures_from * M and smallest - 16 * M < captures_from * M
    if final['largest_too_small_bytes'] is not None:
        assert smallest - final['largest_too_small_bytes'] == 16 * M


def test_the_lab_guest_96m_fails_112m_captures():
    final, probed = run(start_state(plan_bounds(128 * M)), 112 * M)
    assert probed == [128, 80, 96, 112]
    assert (final['smallest_capturing_bytes'], final['largest_too_small_bytes']) == (112 * M, 96 * M)
    assert final['detail'] == '112M captures, 96M does not'
    assert final['recommended_bytes'] == 144 * M    # 112M + 25% = 140M, rounded up to 16M
    assert final['next_probe_bytes'] is None


def test_a_host_that_captures_at_the_lower_bound_is_calibrated_there():
    final, _probed = run(start_state(plan_bounds(128 * M)), 1)
    assert final['smallest_capturing_bytes'] == FLOOR_BYTES and final['largest_too_small_bytes'] is None
    assert 'lower bound' in final['detail']


def test_upper_bound_that_does_not_capture_ends_the_calibration_as_upper_bound_fails():
    state = record_probe(start_state(plan_bounds(192 * M)), 192 * M, no_capture())
    assert state['status'] == STATUS_UPPER_BOUND_FAILS and state['next_probe_bytes'] is None
    assert state['recommended_bytes'] is None and 'does not capture' in state['detail']


@pytest.mark.parametrize('outcome', [
    not_returned_outcome(900),
    refused_outcome('/var/crash has 1024 bytes free but the dump needs up to 2147483648'),
    caller_outcome('error', 'vmcore_info failed'),
    outcome_record('not_crashed', 'the host still runs the boot'),
    dict(outcome_record('no_capture', 'no new capture directory')),  # not known to have come back by itself
])
def test_a_probe_that_fails_for_another_reason_stops_and_does_not_shrink_or_grow(outcome):
    state = record_probe(start_state(plan_bounds(128 * M)), 128 * M, complete())
    before = (state['smallest_capturing_bytes'], state['largest_too_small_bytes'], state['recommended_bytes'])
    stopped = record_probe(state, state['next_probe_bytes'], outcome)
    assert stopped['status'] == STATUS_STOPPED and stopped['next_probe_bytes'] is None
    assert (stopped['smallest_capturing_bytes'], stopped['largest_too_small_bytes'],
            stopped['recommended_bytes']) == before
    assert stopped['probes'][-1]['verdict'] == 'stop'


def test_a_first_probe_that_fails_for_another_reason_is_stopped_not_upper_bound_fails():
    state = record_probe(start_state(plan_bounds(128 * M)), 128 * M, not_returned_outcome(900))
    assert state['status'] == STATUS_STOPPED


def test_only_the_due_probe_can_be_recorded():
    state = start_state(plan_bounds(128 * M))
    with pytest.raises(CalibrationError, match='the probe due is 128M'):
        record_probe(state, 96 * M, complete())
    done = record_probe(state, 128 * M, no_capture())
    with pytest.raises(CalibrationError, match='upper_bound_fails'):
        record_probe(done, 96 * M, complete())


def test_recording_does_not_change_the_state_given():
    state = start_state(plan_bounds(128 * M))
    record_probe(state, 128 * M, complete())
    assert state['probes'] == [] and state['next_probe_bytes'] == 128 * M


# --- probe limit ----------------------------------------------------------------

def test_two_probes_are_the_upper_bound_and_one_step_below():
    state = start_state(plan_bounds(192 * M), probe_limit=2)
    assert state['max_probes'] == 2
    final, probed = run(state, 112 * M)
    assert probed == [192, 176]
    assert final['status'] == STATUS_PROBE_LIMIT and final['smallest_capturing_bytes'] == 176 * M
    # Untried: from the lower bound (the 64M floor) up to one step below the smallest size that captured.
    assert final['detail'] == '176M captures; the probe limit of 2 was reached before the sizes from 64M to 160M were tried'


def test_a_limited_run_that_finds_the_boundary_is_calibrated():
    final, probed = run(start_state(plan_bounds(192 * M), probe_limit=2), 192 * M)
    assert probed == [192, 176] and final['status'] == STATUS_CALIBRATED


def test_a_limit_the_bisection_fits_in_changes_nothing():
    assert run(start_state(plan_bounds(128 * M), probe_limit=4), 112 * M)[1] == [128, 80, 96, 112]


def test_a_limit_between_halves_first_then_steps_down():
    # 9 sizes to try need 5 probes; with 3 the first after the upper bound still halves when enough are left.
    final, probed = run(start_state(plan_bounds(192 * M), probe_limit=3), 64 * M)
    assert probed == [192, 176, 160]
    assert final['status'] == STATUS_PROBE_LIMIT


@pytest.mark.parametrize('margin, step, smallest, expected', [
    (25, 16, 112, 144), (25, 16, 128, 160), (0, 16, 112, 112), (25, 16, 100, 128), (10, 8, 96, 112),
    (50, 16, 64, 96),
])
def test_recommended_is_smallest_plus_margin_rounded_up_to_the_step(margin, step, smallest, expected):
    assert recommended_size(smallest * M, margin, step * M) == expected * M


def test_round_up():
    assert [round_up(value, 16) for value in (1, 16, 17, 32)] == [16, 16, 32, 32]


@pytest.mark.parametrize('kwargs, message', [
    ({'margin_percent': -1}, 'kdump_calibrate_margin'),
    ({'probe_limit': 0}, 'kdump_calibrate_probes'),
])
def test_bad_settings_name_the_variable(kwargs, message):
    with pytest.raises(CalibrationError, match=message):
        start_state(plan_bounds(128 * M), **kwargs)


def test_the_final_test_is_kept_apart_from_the_probes():
    state, _probed = run(start_state(plan_bounds(128 * M)), 112 * M)
    final = record_final(state, 144 * M, complete(), seconds=200)
    assert final['final']['verdict'] == 'captured' and final['final']['size'] == '144M'
    assert len(final['probes']) == len(state['probes']) and final['status'] == STATUS_CALIBRATED
