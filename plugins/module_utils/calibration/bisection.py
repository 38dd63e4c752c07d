# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The smallest reservation that captures, found by bisection: bounds, next probe, status.

**Bounds** (``plan_bounds``), all in bytes:

* the upper bound is the platform default resolved for the host (what
  ``crashdump.kdump.crashkernel`` calls ``recommended_bytes``), or
  ``kdump_calibrate_max``;
* the lower bound is ``kdump_calibrate_min`` when given, else the larger of
  the platform estimate (``kdumpctl estimate``, ``kdump-config show``) and
  ``FLOOR_BYTES``, rounded up to the step and never above the upper bound;
* ``FLOOR_BYTES`` is 64M: ``kdumpctl estimate`` counts a runtime reservation
  of 64M for every capture kernel before its kernel image (30-50M in memory)
  and its initramfs are added, and no distribution default the collection
  knows is below 128M - a probe under 64M cannot capture and would cost a
  reboot and a crash for nothing;
* probes are on a grid of ``step`` (``DEFAULT_STEP_BYTES``, 16M) from the
  lower bound; the lower bound itself may be probed, so the bracket starts at
  ``lower - step`` (assumed too small) and the upper bound.

**Probes** (``record_probe``): the first probe is at the upper bound; when it
is too small the status is ``upper_bound_fails`` (the platform default does
not capture there - a finding of its own).  After that each probe halves the
grid points left between the largest size that was too small and the
smallest that captured; the calibration is ``calibrated`` when the two are
at most one step apart.  A probe whose verdict is ``stop``
(``calibration/probe.py``) ends the host's calibration as ``stopped`` and
moves neither end of the bracket.  ``max_probes`` is the number of probes
the worst case needs: ``1 + ceil(log2(grid points + 1))``.

**Probe limit** (``kdump_calibrate_probes``): at most that many probes.  When
fewer probes are left than the bisection still needs, each one goes one step
below the smallest size that captured instead of halving - a cut-short
bisection usually lands in the failing half and proves nothing, a step down
proves every size it reaches - and a host whose limit runs out before the
bracket closed is ``probe_limit``: its smallest capturing size is proven, only
maybe not the smallest there is.  ``kdump_calibrate_probes=2`` is the upper
bound and one step below it.

**State**: a JSON-able dict, kept as a host fact between probes::

    {"bounds": {"lower_bytes", "upper_bytes", "step_bytes", "lower_source", "upper_source"},
     "margin_percent": 25, "probe_limit": null, "max_probes": 4,
     "probes": [{"size", "size_bytes", "outcome", "verdict", "reason", "detail", "seconds"}],
     "status": "calibrating", "detail": "...", "next_probe": "192M", "next_probe_bytes": 201326592,
     "smallest_capturing_bytes": null, "largest_too_small_bytes": null,
     "recommended_bytes": null, "final": null}

``recommended_bytes`` is the smallest capturing size plus ``margin_percent``
(default 25), rounded up to a multiple of the step.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.probe import (
    CAPTURED,
    STOP,
    TOO_SMALL,
    probe_verdict,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import format_size

MIB = 1024 * 1024
DEFAULT_STEP_BYTES = 16 * MIB
DEFAULT_MARGIN_PERCENT = 25
FLOOR_BYTES = 64 * MIB

STATUS_CALIBRATING = 'calibrating'
STATUS_CALIBRATED = 'calibrated'
STATUS_PROBE_LIMIT = 'probe_limit'
STATUS_UPPER_BOUND_FAILS = 'upper_bound_fails'
STATUS_STOPPED = 'stopped'
STATUS_NOT_CALIBRATED = 'not_calibrated'
STATUSES = (STATUS_CALIBRATING, STATUS_CALIBRATED, STATUS_PROBE_LIMIT, STATUS_UPPER_BOUND_FAILS, STATUS_STOPPED,
            STATUS_NOT_CALIBRATED)
# A proven smallest capturing size, hence a recommendation.
RESULT_STATUSES = (STATUS_CALIBRATED, STATUS_PROBE_LIMIT)
# Hosts that count against kdump_max_failures.
FAILED_STATUSES = (STATUS_UPPER_BOUND_FAILS, STATUS_STOPPED)


class CalibrationError(Exception):
    """The calibration cannot start; the message names the value and what is allowed."""


def round_up(size, step):
    """``size`` rounded up to a multiple of ``step``."""
    return -(-int(size) // int(step)) * int(step)


def _ceil_log2(number):
    """Smallest k with 2**k >= number (number >= 1)."""
    return (int(number) - 1).bit_length()


def recommended_size(smallest_bytes, margin_percent=DEFAULT_MARGIN_PERCENT, step_bytes=DEFAULT_STEP_BYTES):
    """``smallest_bytes`` plus ``margin_percent`` percent, rounded up to a multiple of ``step_bytes``."""
    with_margin = -(-int(smallest_bytes) * (100 + int(margin_percent)) // 100)
    return round_up(with_margin, step_bytes)


def plan_bounds(upper_bytes, step_bytes=DEFAULT_STEP_BYTES, estimate_bytes=None, floor_bytes=FLOOR_BYTES,
                min_bytes=None, max_bytes=None):
    """The bracket of a host's calibration (see the module docstring); raises ``CalibrationError``."""
    step_bytes = int(step_bytes)
    if step_bytes <= 0:
        raise CalibrationError('kdump_calibrate_step: %s is not a size above 0' % step_bytes)
    if max_bytes:
        upper, upper_source = int(max_bytes), 'kdump_calibrate_max'
    elif upper_bytes:
        upper, upper_source = int(upper_bytes), 'platform default'
    else:
        raise CalibrationError('the platform has no default reservation for this host, so there is no upper bound; '
                               'set kdump_calibrate_max')
    if min_bytes:
        lower, lower_source = int(min_bytes), 'kdump_calibrate_min'
    elif estimate_bytes and int(estimate_bytes) > floor_bytes:
        lower, lower_source = int(estimate_bytes), 'platform estimate'
    else:
        lower, lower_source = int(floor_bytes), 'floor'
    lower = round_up(lower, step_bytes)
    if lower > upper:
        lower, lower_source = upper, '%s, above the upper bound' % lower_source
    return {'lower_bytes': lower, 'upper_bytes': upper, 'step_bytes': step_bytes,
            'lower_source': lower_source, 'upper_source': upper_source}


def _grid_points_between(too_small, captured, step):
    """Untested probe sizes strictly between ``too_small`` and ``captured``."""
    return max(0, (captured - too_small - 1) // step)


def max_probes(bounds, probe_limit=None):
    """Probes the worst case needs, at most ``probe_limit``."""
    points = _grid_points_between(bounds['lower_bytes'] - bounds['step_bytes'], bounds['upper_bytes'],
                                  bounds['step_bytes'])
    needed = 1 + _ceil_log2(points + 1)
    return min(needed, int(probe_limit)) if probe_limit else needed


def start_state(bounds, margin_percent=DEFAULT_MARGIN_PERCENT, probe_limit=None):
    """The state before the first probe."""
    if int(margin_percent) < 0:
        raise CalibrationError('kdump_calibrate_margin: %s is below 0; allowed: a percentage of 0 or more'
                               % margin_percent)
    if probe_limit is not None and int(probe_limit) < 1:
        raise CalibrationError('kdump_calibrate_probes: %s is below 1; allowed: 1 or more, or empty for as many as '
                               'the bisection needs' % probe_limit)
    state = {'bounds': dict(bounds), 'margin_percent': int(margin_percent),
             'probe_limit': int(probe_limit) if probe_limit else None,
             'max_probes': max_probes(bounds, probe_limit), 'probes': [], 'final': None}
    return _advance(state)


def stopped_state(detail, outcome=None):
    """The state of a host whose calibration could not start."""
    return {'bounds': None, 'margin_percent': None, 'probe_limit': None, 'max_probes': 0, 'probes': [],
            'final': None, 'status': STATUS_STOPPED, 'detail': detail, 'next_probe_bytes': None, 'next_probe': None,
            'smallest_capturing_bytes': None, 'largest_too_small_bytes': None, 'recommended_bytes': None,
            'start_outcome': outcome}


def _advance(state):
    """Fill in ``status``, ``detail``, ``next_probe_bytes`` and the bracket from the probes so far."""
    bounds = state['bounds']
    step = bounds['step_bytes']
    probes = state['probes']
    captured = [probe['size_bytes'] for probe in probes if probe['verdict'] == CAPTURED]
    smallest = min(captured) if captured else None
    too_small = [probe['size_bytes'] for probe in probes
                 if probe['verdict'] == TOO_SMALL and (smallest is None or probe['size_bytes'] < smallest)]
    largest_too_small = max(too_small) if too_small else None
    state.update(smallest_capturing_bytes=smallest, largest_too_small_bytes=largest_too_small,
                 recommended_bytes=recommended_size(smallest, state['margin_percent'], step) if smallest else None,
                 next_probe_bytes=None, next_probe=None)
    if not probes:
        state.update(status=STATUS_CALIBRATING, next_probe_bytes=bounds['upper_bytes'],
                     next_probe=format_size(bounds['upper_bytes']),
                     detail='first probe at the upper bound %s' % format_size(bounds['upper_bytes']))
        return state
    last = probes[-1]
    if last['verdict'] == STOP:
        state.update(status=STATUS_STOPPED, detail='stopped at the probe of %s: %s' % (last['size'], last['reason']))
        return state
    if smallest is None:
        state.update(status=STATUS_UPPER_BOUND_FAILS,
                     detail='the upper bound %s (%s) does not capture: %s'
                            % (format_size(bounds['upper_bytes']), bounds['upper_source'], last['reason']))
        return state
    bottom = largest_too_small if largest_too_small is not None else bounds['lower_bytes'] - step
    points = _grid_points_between(bottom, smallest, step)
    if points == 0:
        if largest_too_small is not None:
            detail = '%s captures, %s does not' % (format_size(smallest), format_size(largest_too_small))
        else:
            detail = '%s captures and is the lower bound (%s)' % (format_size(smallest), bounds['lower_source'])
        state.update(status=STATUS_CALIBRATED, detail=detail)
        return state
    left = state['probe_limit'] - len(probes) if state['probe_limit'] else None
    if left is not None and left <= 0:
        state.update(status=STATUS_PROBE_LIMIT,
                     detail='%s captures; the probe limit of %d was reached before the sizes from %s to %s were '
                            'tried' % (format_size(smallest), state['probe_limit'], format_size(bottom + step),
                                       format_size(smallest - step)))
        return state
    if left is not None and left < _ceil_log2(points + 1):
        next_probe = bottom + step * points
    else:
        next_probe = bottom + step * ((points + 1) // 2)
    state.update(status=STATUS_CALIBRATING, next_probe_bytes=next_probe, next_probe=format_size(next_probe),
                 detail='between %s (too small) and %s (captures)' % (format_size(bottom), format_size(smallest)))
    return state


def probe_record(size_bytes, outcome, seconds=None, reserved_bytes=None):
    """One probe as the state and the report keep it."""
    verdict, reason = probe_verdict(outcome, size_bytes, reserved_bytes)
    outcome = outcome if isinstance(outcome, dict) else {}
    return {'size': format_size(int(size_bytes)), 'size_bytes': int(size_bytes), 'outcome': outcome.get('outcome'),
            'verdict': verdict, 'reason': reason, 'detail': outcome.get('detail'), 'dump': outcome.get('dump'),
            'seconds': seconds}


def record_probe(state, size_bytes, outcome, seconds=None, reserved_bytes=None):
    """A new state with the probe of ``size_bytes`` and its crash-test ``outcome`` record added."""
    if state.get('status') != STATUS_CALIBRATING or state.get('next_probe_bytes') is None:
        raise CalibrationError('the calibration of this host is %s; no probe is due' % state.get('status'))
    if int(size_bytes) != state['next_probe_bytes']:
        raise CalibrationError('the probe due is %s, not %s' % (format_size(state['next_probe_bytes']),
                                                                format_size(int(size_bytes))))
    new = copy.deepcopy(state)
    new['probes'].append(probe_record(size_bytes, outcome, seconds, reserved_bytes))
    return _advance(new)


def record_final(state, size_bytes, outcome, seconds=None, reserved_bytes=None):
    """A new state with the final crash test at the applied size ``size_bytes``."""
    new = copy.deepcopy(state)
    new['final'] = probe_record(size_bytes, outcome, seconds, reserved_bytes)
    return new
