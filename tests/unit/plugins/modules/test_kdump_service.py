# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kdump_service module through main(): commands run, operational from the kernel, refusals."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.modules import kdump_service

RESERVED = 256 << 20
BINARIES = {'systemctl': '/bin/systemctl', 'kdump-config': '/usr/sbin/kdump-config', 'kdumpctl': '/usr/bin/kdumpctl',
            'journalctl': '/bin/journalctl'}


def state(operational, active=True, enabled=True, **extra):
    current = {'masked': False, 'missing': False, 'enabled': enabled, 'active': active, 'unit_file_state': None,
               'operational': operational, 'kexec_reason': None, 'reserved_bytes': RESERVED, 'reserved_reason': None}
    current.update(extra)
    return current


class Host(object):
    def __init__(self, fixture_text):
        self.fixture_text = fixture_text
        self.states = []
        self.commands = []
        self.outputs = {}
        self.loaded_after_wait = True

    def observe(self, module, backend, systemctl):
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def run_command(self, argv, **kwargs):
        self.commands.append(' '.join(argv))
        return self.outputs.get(' '.join(argv), (0, '', ''))


@pytest.fixture
def host(monkeypatch, fixture_text):
    host = Host(fixture_text)
    monkeypatch.setattr(kdump_service, 'observe', host.observe)
    monkeypatch.setattr(kdump_service, 'read_crash_loaded', lambda: (host.loaded_after_wait, None))
    monkeypatch.setattr(kdump_service, 'POLL_INTERVAL', 0)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, required=False, opt_dirs=None: BINARIES.get(name))
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, argv, **kwargs: host.run_command(argv))
    host.outputs['/usr/sbin/kdump-config status'] = (0, fixture_text('kdump_status/kdump-config_status_ready.txt'), '')
    return host


def test_restart_after_a_config_change_is_operational(run_module, host):
    host.states = [state(True), state(True)]
    result, failed = run_module(kdump_service.main, {'state': 'restarted', 'platform': 'debian'})
    assert not failed and result['changed']
    assert result['actions'] == ['/bin/systemctl restart kdump-tools.service']
    assert host.commands == ['/bin/systemctl restart kdump-tools.service', '/usr/sbin/kdump-config status']
    assert result['operational'] is True and result['service_active'] is True
    assert result['reserved_bytes'] == RESERVED and result['unit'] == 'kdump-tools.service'
    assert result['messages'] == ['current state   : ready to kdump']
    assert 'last_test' not in result


def test_started_when_already_loaded_changes_nothing(run_module, host):
    host.states = [state(True)]
    result, failed = run_module(kdump_service.main, {'state': 'started', 'platform': 'debian'})
    assert not failed and not result['changed'] and result['actions'] == []
    assert host.commands == ['/usr/sbin/kdump-config status']


def test_active_unit_without_a_loaded_kernel_is_restarted(run_module, host):
    host.states = [state(False, active=True), state(True)]
    result, failed = run_module(kdump_service.main, {'state': 'started', 'platform': 'debian'})
    assert not failed and result['changed'] and result['operational']
    assert result['actions'] == ['/bin/systemctl restart kdump-tools.service']


def test_check_mode_reports_actions_and_runs_none(run_module, host):
    host.states = [state(False, active=False, enabled=False)]
    result, failed = run_module(kdump_service.main, {'state': 'started', 'enabled': True, 'platform': 'el9'},
                                check_mode=True)
    assert not failed and result['changed']
    assert result['actions'] == ['/bin/systemctl enable kdump.service', '/bin/systemctl start kdump.service']
    assert host.commands == ['/usr/bin/kdumpctl status']
    assert result['service_enabled'] is True and result['operational'] is False


@pytest.fixture
def not_installed(host, monkeypatch):
    """No kdump-tools: systemd does not know the unit and kdump-config is nowhere."""
    binaries = dict(BINARIES, **{'kdump-config': None})
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, required=False, opt_dirs=None: binaries.get(name))
    host.states = [state(False, active=False, enabled=False, missing=True)]
    return host


def test_check_mode_before_installation_plans_as_after_it(run_module, not_installed):
    result, failed = run_module(kdump_service.main, {'state': 'started', 'enabled': True, 'platform': 'debian'},
                                check_mode=True)
    assert not failed and result['changed'] and result['installed'] is False
    assert result['actions'] == ['/bin/systemctl enable kdump-tools.service', '/bin/systemctl start kdump-tools.service']
    assert not_installed.commands == []
    assert result['messages'] == ['kdump is not installed (kdump-tools.service, kdump-config): planned as right after '
                                  'its installation']


def test_without_check_mode_a_missing_kdump_is_an_error(run_module, not_installed):
    result, failed = run_module(kdump_service.main, {'state': 'started', 'enabled': True, 'platform': 'debian'})
    assert failed and 'kdump-tools.service is not installed' in result['msg'] and 'install kdump first' in result['msg']
    assert result['installed'] is False and not result['changed']
    assert not_installed.commands == []


def test_installed_kdump_says_so(run_module, host):
    host.states = [state(True)]
    result, failed = run_module(kdump_service.main, {'state': 'started', 'platform': 'debian'}, check_mode=True)
    assert not failed and result['installed'] is True and not result['changed']


@pytest.mark.parametrize('current, message', [
    (state(False, masked=True, active=False), 'kdump.service is masked; unmask it with systemctl unmask kdump.service'),
    (state(None, kexec_reason='the kernel has no /sys/kernel/kexec_crash_loaded: it was built without kexec/crash '
                              'dump support'), 'built without kexec/crash dump support'),
    (state(False, reserved_bytes=0), 'no memory reserved for the crash kernel'),
], ids=['masked', 'no-kexec', 'no-reservation'])
def test_refusals_name_the_cause_and_run_nothing(run_module, host, current, message):
    host.states = [current]
    result, failed = run_module(kdump_service.main, {'state': 'restarted', 'platform': 'el9'})
    assert failed and message in result['msg'] and not result['changed']
    assert host.commands == []


def test_no_reservation_points_to_the_crashkernel_module(run_module, host):
    host.states = [state(False, reserved_bytes=0)]
    result, failed = run_module(kdump_service.main, {'state': 'started', 'platform': 'debian'})
    assert failed and 'set it with crashdump.kdump.crashkernel and reboot' in result['msg']


def test_failed_command_returns_the_tool_lines_and_the_journal(run_module, host):
    host.states = [state(False, active=False)]
    host.outputs['/bin/systemctl start kdump.service'] = (
        1, '', 'Job for kdump.service failed because the control process exited with error code.\n')
    host.outputs['/bin/journalctl --no-pager -o cat -n 30 -u kdump.service'] = (
        0, 'kdump: No memory reserved for crash kernel\nkdump: Starting kdump: [FAILED]\n', '')
    result, failed = run_module(kdump_service.main, {'state': 'started', 'platform': 'el9'})
    assert failed and '/bin/systemctl start kdump.service failed (rc=1)' in result['msg']
    assert result['messages'][-1] == 'kdump: Starting kdump: [FAILED]'
    assert 'Starting kdump: [FAILED]' in result['msg']


def test_not_operational_after_the_wait_is_a_failure(run_module, host):
    host.states = [state(False, active=False), state(False, active=True)]
    host.loaded_after_wait = False
    result, failed = run_module(kdump_service.main, {'state': 'started', 'platform': 'debian', 'timeout': 0})
    assert failed and 'kdump is not operational 0 s after /bin/systemctl start kdump-tools.service' in result['msg']
    assert result['operational'] is False and result['service_active'] is True


def test_without_waiting_the_result_reports_the_kernel_state(run_module, host):
    host.states = [state(False, active=False), state(False, active=True)]
    result, failed = run_module(kdump_service.main, {'state': 'started', 'platform': 'debian',
                                                     'wait_operational': False})
    assert not failed and result['operational'] is False


def test_el10_returns_the_last_vmcore_creation_test(run_module, host, fixture_text):
    host.states = [state(True), state(True)]
    host.outputs['/usr/bin/kdumpctl status'] = (
        0, '', fixture_text('kdump_status/kdumpctl_status_el10_operational_tested.txt'))
    result, failed = run_module(kdump_service.main, {'state': 'reloaded', 'platform': 'el10'})
    assert not failed and result['actions'] == ['/usr/bin/kdumpctl reload']
    assert result['last_test']['state'] == 'success'
    assert result['messages'][-1].endswith('Last successful vmcore creation test on Tue Jan  2 10:00:00 UTC 2024')


def test_debian_rebuild_runs_the_kernel_hook_then_restarts(run_module, host, monkeypatch):
    host.states = [state(True), state(True)]
    monkeypatch.setattr(kdump_service.os, 'uname', lambda: ('Linux', 'h', '6.1.0-18-amd64', '#1', 'x86_64'))
    result, failed = run_module(kdump_service.main, {'state': 'rebuilt', 'platform': 'debian'})
    assert not failed
    assert result['actions'] == ['/etc/kernel/postinst.d/kdump-tools 6.1.0-18-amd64',
                                 '/bin/systemctl restart kdump-tools.service']


@pytest.mark.parametrize('args, message', [
    ({'platform': 'debian'}, 'one of the following is required: state, enabled'),
    ({'state': 'started', 'timeout': -1, 'platform': 'debian'}, 'timeout: -1 is negative'),
    ({'state': 'running', 'platform': 'debian'}, 'value of state must be one of'),
])
def test_bad_input_fails_before_anything_runs(run_module, host, args, message):
    host.states = [state(True)]
    result, failed = run_module(kdump_service.main, args)
    assert failed and message in result['msg'] and host.commands == []
