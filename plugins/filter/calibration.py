# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The calibrate playbook's controller side: settings, one host's bisection, the report.

The logic lives in ``module_utils/calibration/``; these filters turn the
playbook's variables and module results into its arguments, keep each host's
state as the fact ``__kdump_calibration_state`` and render the report.
Pure functions of their arguments: the probe's times come in as arguments.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import time

from ansible.errors import AnsibleFilterError
from ansible_collections.crashdump.kdump.plugins.filter.tables import text_table
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.bisection import (
    DEFAULT_MARGIN_PERCENT,
    DEFAULT_STEP_BYTES,
    FAILED_STATUSES,
    STATUS_CALIBRATING,
    CalibrationError,
    plan_bounds,
    record_final,
    record_probe,
    start_state,
    stopped_state,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.host_class import class_key
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.probe import (
    CAPTURED,
    STAGE_START,
    stage_failure_outcome,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.summary import (
    build_report,
    class_rows,
    host_rows,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    format_size,
    parse_size,
)

STATE_FACT = '__kdump_calibration_state'
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def _empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _size_setting(value, name, default=None):
    if _empty(value):
        return default
    try:
        size = parse_size(str(value).strip(), name)
    except CrashkernelError as error:
        raise AnsibleFilterError(str(error))
    if size <= 0:
        raise AnsibleFilterError('%s: %s is not a size above 0' % (name, value))
    return size


def _int_setting(value, name, default, minimum):
    if _empty(value):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise AnsibleFilterError('%s: %r is not a whole number' % (name, value))
    if number < minimum:
        raise AnsibleFilterError('%s: %d is below the minimum %d' % (name, number, minimum))
    return number


def calibration_settings(step, margin='', minimum='', maximum='', probes=''):
    """The calibration variables checked and with their defaults: an empty answer means the default."""
    settings = {
        'step_bytes': _size_setting(step, 'kdump_calibrate_step', DEFAULT_STEP_BYTES),
        'margin_percent': _int_setting(margin, 'kdump_calibrate_margin', DEFAULT_MARGIN_PERCENT, 0),
        'min_bytes': _size_setting(minimum, 'kdump_calibrate_min'),
        'max_bytes': _size_setting(maximum, 'kdump_calibrate_max'),
        'probe_limit': _int_setting(probes, 'kdump_calibrate_probes', None, 1),
    }
    if settings['min_bytes'] and settings['max_bytes'] and settings['min_bytes'] > settings['max_bytes']:
        raise AnsibleFilterError('kdump_calibrate_min (%s) is above kdump_calibrate_max (%s)'
                                 % (format_size(settings['min_bytes']), format_size(settings['max_bytes'])))
    return settings


def _original(crashkernel):
    """The reservation the host runs with. Not ``configured``: the host is read by a
    check-mode call asking for the platform default, whose ``configured`` is the plan."""
    return {'value': crashkernel.get('running'), 'low': crashkernel.get('running_low')}


def _estimate_bytes(crashkernel):
    estimate = crashkernel.get('estimate') or {}
    try:
        return parse_size(str(estimate.get('recommended') or ''))
    except CrashkernelError:
        return None


def calibration_start(crashkernel, kdump_info, architecture, kernel_release, settings):
    """A host's state before its first probe.

    ``crashkernel``: crashdump.kdump.crashkernel's result for ``value: default``
    in check mode; ``kdump_info``: crashdump.kdump.kdump_info's result.
    """
    crashkernel = crashkernel or {}
    config = (kdump_info or {}).get('config') or {}
    key = class_key(architecture, crashkernel.get('system_ram_bytes'), kernel_release, config.get('type'),
                    config.get('core_collector'))
    try:
        bounds = plan_bounds(crashkernel.get('recommended_bytes'), settings['step_bytes'], _estimate_bytes(crashkernel),
                             min_bytes=settings['min_bytes'], max_bytes=settings['max_bytes'])
        state = start_state(bounds, settings['margin_percent'], settings['probe_limit'])
    except CalibrationError as error:
        state = stopped_state(str(error))
    state.update({'class': key, 'original': _original(crashkernel)})
    return state


def calibration_not_started(message):
    """The state of a host that could not be read (``message``: the failed task's)."""
    return stopped_state('stopped before the first probe: %s' % (message or 'no message'),
                         stage_failure_outcome(STAGE_START, message))


def _seconds(started_at, ended_at):
    try:
        return int(calendar.timegm(time.strptime(ended_at, TIME_FORMAT))
                   - calendar.timegm(time.strptime(started_at, TIME_FORMAT)))
    except (TypeError, ValueError):
        return None


def calibration_probe(state, probe):
    """``state`` with one probe recorded.

    ``probe``: ``size`` (``112M``); ``result``, the crash test's outcome record
    (``kdump_crash_test_result``, empty when the probe broke off earlier);
    ``stage`` and ``message``, where and why it broke off; ``started_at`` and
    ``ended_at`` (``%Y-%m-%dT%H:%M:%SZ``); ``reserved_bytes``, what the host
    reserved; ``final``, true for the crash test after applying the
    recommendation.
    """
    result = probe.get('result')
    if not (isinstance(result, dict) and result.get('outcome')):
        result = stage_failure_outcome(probe.get('stage'), probe.get('message'))
    seconds = _seconds(probe.get('started_at'), probe.get('ended_at'))
    record = record_final if probe.get('final') else record_probe
    try:
        return record(state, parse_size(str(probe.get('size') or '')), result, seconds, probe.get('reserved_bytes'))
    except (CalibrationError, CrashkernelError, ValueError) as error:
        raise AnsibleFilterError('calibration_probe: %s' % error)


def _states(hosts, hostvars):
    states = {}
    for host in hosts:
        state = hostvars[host].get(STATE_FACT) if host in hostvars else None
        states[host] = state if isinstance(state, dict) else None
    return states


def calibration_rounds(hosts, hostvars):
    """The most probes any of ``hosts`` may still need (the bound of the probe loop)."""
    return max([state['max_probes'] for state in _states(hosts, hostvars).values()
                if state and state.get('status') == STATUS_CALIBRATING] or [0])


def calibration_failed_hosts(hosts, hostvars):
    """Hosts that count against kdump_max_failures: the calibration stopped or the upper bound fails, the final
    test did not capture, or the host stopped answering in the middle of a probe."""
    failed = []
    for host, state in sorted(_states(hosts, hostvars).items()):
        if state is None:
            continue
        # Still calibrating when asked between batches or at the end: the host dropped out of the play.
        final = state.get('final')
        if (state.get('status') in FAILED_STATUSES + (STATUS_CALIBRATING,) or state.get('restore_error')
                or (final and not final.get('verdict') == CAPTURED)):
            failed.append(host)
    return failed


def calibration_report(hosts, hostvars):
    """The run's report (``module_utils/calibration/summary.py``) from every host's state."""
    return build_report(_states(hosts, hostvars))


def calibration_class_table(report):
    """The classes of a report as lines."""
    return text_table(class_rows(report))


def calibration_host_table(report):
    """The hosts of a report as lines."""
    return text_table(host_rows(report))


class FilterModule(object):
    def filters(self):
        return {'calibration_settings': calibration_settings, 'calibration_start': calibration_start,
                'calibration_not_started': calibration_not_started, 'calibration_probe': calibration_probe,
                'calibration_rounds': calibration_rounds, 'calibration_failed_hosts': calibration_failed_hosts,
                'calibration_report': calibration_report, 'calibration_class_table': calibration_class_table,
                'calibration_host_table': calibration_host_table}
