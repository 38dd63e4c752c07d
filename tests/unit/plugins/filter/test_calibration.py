# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The calibration filters: settings, a host's start from its module results, probes, the budget."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.crashdump.kdump.plugins.filter.calibration import (
    calibration_failed_hosts,
    calibration_not_started,
    calibration_probe,
    calibration_report,
    calibration_rounds,
    calibration_settings,
    calibration_start,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import outcome_record

M = 1024 * 1024

# crashdump.kdump.crashkernel with value=default in check mode on a 2 GiB Debian 12 guest.
CRASHKERNEL = {
    'changed': True, 'crashkernel': '384M-:128M', 'running': '256M', 'running_low': None,
    'configured': [{'index': 0, 'kernel': '/boot/vmlinuz-6.1.0-28-amd64', 'title': 'Debian GNU/Linux',
                    'crashkernel': '384M-:128M', 'crashkernel_low': None, 'default': True}],
    'reserved_bytes': 268435456, 'system_ram_bytes': 2146938880, 'effective': '128M', 'effective_bytes': 134217728,
    'recommended': '128M', 'recommended_bytes': 134217728, 'default_value': '384M-:128M',
    'estimate': None, 'estimate_reason': 'kdump-config show prints no "crashkernel suggested size"',
}
INFO = {'config': {'type': 'local', 'location': None, 'path': '/var/crash', 'dump_level': 31,
                   'core_collector': 'makedumpfile -c -d 31', 'local_dir': '/var/crash'}}
SETTINGS = calibration_settings('')


def test_empty_settings_are_the_defaults():
    assert SETTINGS == {'step_bytes': 16 * M, 'margin_percent': 25, 'min_bytes': None, 'max_bytes': None,
                        'probe_limit': None}
    assert calibration_settings('8M', '10', '64M', '512M', '2') == {
        'step_bytes': 8 * M, 'margin_percent': 10, 'min_bytes': 64 * M, 'max_bytes': 512 * M, 'probe_limit': 2}


@pytest.mark.parametrize('args, name', [
    (('16 MB',), 'kdump_calibrate_step'), (('0',), 'kdump_calibrate_step'), (('', 'x'), 'kdump_calibrate_margin'),
    (('', '-5'), 'kdump_calibrate_margin'), (('', '', '', '', '0'), 'kdump_calibrate_probes'),
    (('', '', '512M', '256M'), 'kdump_calibrate_min'),
])
def test_bad_settings_name_the_variable(args, name):
    with pytest.raises(AnsibleFilterError, match=name):
        calibration_settings(*args)


def test_start_from_the_module_results():
    state = calibration_start(CRASHKERNEL, INFO, 'x86_64', '6.1.0-28-amd64', SETTINGS)
    assert state['bounds']['upper_bytes'] == 128 * M and state['bounds']['lower_source'] == 'floor'
    assert (state['status'], state['next_probe'], state['max_probes']) == ('calibrating', '128M', 4)
    assert state['original'] == {'value': '256M', 'low': None}
    assert state['class'] == {'architecture': 'x86_64', 'ram': '2G-4G', 'kernel_release': '6.1.0-28-amd64',
                              'target': 'local', 'collector': 'makedumpfile -c -d 31'}


def test_an_estimate_raises_the_lower_bound():
    state = calibration_start(dict(CRASHKERNEL, estimate={'recommended': '100M'}), INFO, 'x86_64', 'r', SETTINGS)
    assert state['bounds']['lower_bytes'] == 112 * M


def test_a_host_without_a_default_stops_before_probing():
    state = calibration_start(dict(CRASHKERNEL, recommended_bytes=None), INFO, 'x86_64', 'r', SETTINGS)
    assert state['status'] == 'stopped' and 'kdump_calibrate_max' in state['detail']


def _probe(size, result=None, **extra):
    probe = {'size': size, 'result': result or {}, 'stage': 'crash', 'message': '',
             'started_at': '2026-01-26T10:00:00Z', 'ended_at': '2026-01-26T10:03:05Z', 'reserved_bytes': None}
    probe.update(extra)
    return probe


def test_probes_are_recorded_with_their_time_and_a_load_failure_is_too_small():
    state = calibration_start(CRASHKERNEL, INFO, 'x86_64', 'r', SETTINGS)
    state = calibration_probe(state, _probe('128M', dict(outcome_record('complete', 'ok', '/d'), returned_after=90),
                                            reserved_bytes=128 * M))
    assert state['probes'][0]['seconds'] == 185 and state['next_probe'] == '80M'
    state = calibration_probe(state, _probe('80M', stage='load', message='kexec: not enough memory'))
    assert state['probes'][1]['verdict'] == 'too_small' and 'not enough memory' in state['probes'][1]['detail']
    state = calibration_probe(state, _probe('96M', stage='reboot', message='timed out'))
    assert state['status'] == 'stopped' and state['probes'][2]['outcome'] == 'not_returned'


def test_a_probe_of_another_size_than_due_fails():
    state = calibration_start(CRASHKERNEL, INFO, 'x86_64', 'r', SETTINGS)
    with pytest.raises(AnsibleFilterError, match='the probe due is 128M'):
        calibration_probe(state, _probe('96M'))


def test_rounds_budget_and_report_over_hostvars():
    fresh = calibration_start(CRASHKERNEL, INFO, 'x86_64', 'r', SETTINGS)
    hostvars = {'a': {'__kdump_calibration_state': fresh}, 'b': {'__kdump_calibration_state': calibration_not_started('no python')},
                'c': {}}
    assert calibration_rounds(['a', 'b', 'c'], hostvars) == 4
    assert calibration_rounds(['b', 'c'], hostvars) == 0
    # a is still calibrating when asked between batches: it dropped out in the middle of a probe.
    assert calibration_failed_hosts(['a', 'b', 'c'], hostvars) == ['a', 'b']
    report = calibration_report(['a', 'b', 'c'], hostvars)
    assert [report['hosts'][host]['status'] for host in 'abc'] == ['stopped', 'stopped', 'not_calibrated']
    assert 'no python' in report['hosts']['b']['detail']
