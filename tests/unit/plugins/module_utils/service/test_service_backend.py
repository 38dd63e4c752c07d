# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The service plan: steps per state and host, and the refusals that name the cause."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.service.backend import (
    DebianServiceBackend,
    RhelServiceBackend,
    ServiceError,
    as_after_install,
    plan_service,
)

UNIT = 'kdump.service'
LOADED = {'enabled': True, 'active': True, 'operational': True, 'reserved_bytes': 256 << 20}
STALE = {'enabled': True, 'active': True, 'operational': False, 'reserved_bytes': 256 << 20}
OFF = {'enabled': False, 'active': False, 'operational': False, 'reserved_bytes': 256 << 20}
LOADED_BY_HAND = {'enabled': False, 'active': False, 'operational': True, 'reserved_bytes': 256 << 20}

PLANS = [
    ('started and loaded: nothing', 'started', None, LOADED, []),
    ('started, unit active but nothing loaded: restart', 'started', None, STALE, ['restart']),
    ('started from off', 'started', None, OFF, ['start']),
    ('started and enabled from off', 'started', True, OFF, ['enable', 'start']),
    ('stopped from loaded', 'stopped', None, LOADED, ['stop']),
    ('stopped, loaded outside systemd', 'stopped', None, LOADED_BY_HAND, ['unload']),
    ('stopped and disabled', 'stopped', False, LOADED, ['stop', 'disable']),
    ('stopped when off', 'stopped', None, OFF, []),
    ('restarted always', 'restarted', None, LOADED, ['restart']),
    ('reloaded when loaded', 'reloaded', None, LOADED, ['reload']),
    ('reloaded when off starts', 'reloaded', None, OFF, ['start']),
    ('rebuilt', 'rebuilt', None, LOADED, ['rebuild', 'restart']),
    ('only enabled', None, True, OFF, ['enable']),
    ('already enabled', None, True, LOADED, []),
    ('only disabled', None, False, LOADED, ['disable']),
]


@pytest.mark.parametrize('state, enabled, current, steps', [case[1:] for case in PLANS], ids=[c[0] for c in PLANS])
def test_plan(state, enabled, current, steps):
    assert plan_service(UNIT, state, enabled, current) == steps


REFUSALS = [
    ('masked', 'started', None, dict(OFF, masked=True), 'kdump.service is masked; unmask it with systemctl unmask'),
    ('masked enable', None, True, dict(OFF, masked=True), 'is masked'),
    ('missing', 'restarted', None, dict(OFF, missing=True), 'is not installed'),
    ('no kexec', 'started', None,
     dict(OFF, operational=None,
          kexec_reason='the kernel has no /sys/kernel/kexec_crash_loaded: it was built without kexec/crash dump support'),
     'without kexec/crash dump support'),
    ('no reservation', 'started', None, dict(OFF, reserved_bytes=0),
     'no memory reserved for the crash kernel (/sys/kernel/kexec_crash_size is 0); set it with '
     'crashdump.kdump.crashkernel and reboot'),
    ('unreadable reservation', 'rebuilt', None, dict(LOADED, reserved_bytes=None), 'no memory reserved'),
]


@pytest.mark.parametrize('state, enabled, current, message', [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_refusals_name_the_cause(state, enabled, current, message):
    with pytest.raises(ServiceError) as error:
        plan_service(UNIT, state, enabled, current)
    assert message in str(error.value)


def test_stopping_a_masked_unit_is_allowed():
    assert plan_service(UNIT, 'stopped', None, dict(LOADED_BY_HAND, masked=True)) == ['unload']


@pytest.mark.parametrize('backend, step, expected', [
    (RhelServiceBackend(), 'start', [['/bin/systemctl', 'start', 'kdump.service']]),
    (RhelServiceBackend(), 'enable', [['/bin/systemctl', 'enable', 'kdump.service']]),
    (RhelServiceBackend(), 'reload', [['/usr/bin/kdumpctl', 'reload']]),
    (RhelServiceBackend(), 'rebuild', [['/usr/bin/kdumpctl', 'rebuild']]),
    (RhelServiceBackend(), 'unload', [['/usr/bin/kdumpctl', 'stop']]),
    (DebianServiceBackend(), 'restart', [['/bin/systemctl', 'restart', 'kdump-tools.service']]),
    (DebianServiceBackend(), 'reload', [['/usr/sbin/kdump-config', 'reload']]),
    (DebianServiceBackend(), 'unload', [['/usr/sbin/kdump-config', 'unload']]),
    (DebianServiceBackend(), 'rebuild', [['/etc/kernel/postinst.d/kdump-tools', '6.1.0-18-amd64']]),
], ids=lambda value: value if isinstance(value, str) else None)
def test_backend_commands(backend, step, expected):
    tool = '/usr/sbin/kdump-config' if backend.family == 'debian' else '/usr/bin/kdumpctl'
    assert backend.commands(step, tool, '/bin/systemctl', kernel_release='6.1.0-18-amd64') == expected


def test_after_install_the_unit_is_known_disabled_and_idle_the_kernel_as_read():
    current = {'masked': False, 'missing': True, 'enabled': False, 'active': False, 'unit_file_state': None,
               'operational': True, 'kexec_reason': None, 'reserved_bytes': 256 << 20, 'reserved_reason': None}
    assumed = as_after_install(current)
    assert assumed == dict(current, missing=False, operational=False)
    assert current['missing'] is True
    assert plan_service('kdump-tools.service', 'started', True, assumed) == ['enable', 'start']
    assert as_after_install(dict(current, operational=None))['operational'] is None
