# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The detached crash command: constant programs, values only as separate arguments."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.trigger import (
    detached_command,
    trigger_program,
)


def test_sysrq_program_syncs_enables_sysrq_then_crashes():
    assert trigger_program('sysrq') == ['/bin/sh', '-c',
                                        'sync; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger']


def test_kdumpctl_test_program_passes_kdumpctl_as_an_argument():
    program = trigger_program('kdumpctl_test', '/usr/bin/kdumpctl')
    assert program[:3] == ['/bin/sh', '-c', 'sync; echo 1 > /proc/sys/kernel/sysrq; exec "$0" test --force']
    assert program[3] == '/usr/bin/kdumpctl'


def test_systemd_run_timer_owned_by_pid1():
    command = detached_command('/usr/bin/systemd-run', '/usr/bin/setsid', 5, ['/bin/sh', '-c', 'x'],
                               unit_suffix='1769424000')
    assert command == ['/usr/bin/systemd-run', '--unit=crashdump-kdump-crash-1769424000',
                       '--description=crashdump.kdump test crash', '--on-active=5s',
                       '--timer-property=AccuracySec=1s', '/bin/sh', '-c', 'x']


def test_without_systemd_a_new_session_detached_from_the_caller_streams_sleeps_first():
    command = detached_command(None, '/usr/bin/setsid', 7, ['/bin/sh', '-c', 'x'], unit_suffix='1')
    assert command == ['/usr/bin/setsid', '-f', '/bin/sh', '-c',
                       'exec </dev/null >/dev/null 2>&1; sleep "$0"; exec "$@"', '7', '/bin/sh', '-c', 'x']


def test_without_systemd_run_and_setsid_there_is_no_command():
    assert detached_command(None, None, 7, ['/bin/true'], unit_suffix='1') is None


def test_delay_must_be_an_integer():
    with pytest.raises(ValueError):
        detached_command(None, '/usr/bin/setsid', '5; reboot', ['/bin/true'], unit_suffix='1')
