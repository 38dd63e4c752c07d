# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait for a crashed host's next boot: argument checks, the poll, and the action's result."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.crashdump.kdump.plugins.action import wait_for_new_boot as plugin

OLD = '0b3c1d2e-0000-4000-8000-000000000001'
NEW = '8d6f3c1e-5b7a-4c2d-9e0f-1a2b3c4d5e6f'


class FakeClock(object):
    """Monotonic time that moves only when the code sleeps or a connection attempt takes time."""

    def __init__(self):
        self.now = 100.0
        self.pauses = []

    def clock(self):
        return self.now

    def pause(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


def answers(clock, script):
    """A read_boot_id that plays SCRIPT: a boot id string, or (exception, seconds the attempt took)."""
    replies = list(script)

    def read():
        reply = replies.pop(0)
        if isinstance(reply, tuple):
            clock.now += reply[1]
            raise reply[0]
        return reply
    return read


def test_read_args_defaults_and_checks():
    expected = {'boot_id': OLD, 'timeout': 900, 'connect_timeout': 5, 'sleep': 1}
    assert plugin.read_args({'boot_id': ' %s\n' % OLD}) == expected
    assert plugin.read_args({'boot_id': OLD, 'timeout': '30'})['timeout'] == 30


@pytest.mark.parametrize('args, message', [
    ({}, 'boot_id: the boot id the host had before the crash is required'),
    ({'boot_id': '  '}, 'boot_id: the boot id the host had before the crash is required'),
    ({'boot_id': OLD, 'timeout': 'soon'}, "timeout: 'soon' is not a number of seconds"),
    ({'boot_id': OLD, 'sleep': 0}, 'sleep: 0 is too small; allowed: 1 or more seconds'),
    ({'boot_id': OLD, 'delay': 10}, 'unsupported argument(s) delay; allowed: boot_id, timeout, connect_timeout, sleep'),
])
def test_read_args_names_the_bad_argument(args, message):
    with pytest.raises(ValueError) as error:
        plugin.read_args(args)
    assert str(error.value).startswith(message)


def test_the_old_boot_answering_means_not_crashed_yet_and_polling_goes_on():
    clock = FakeClock()
    down = (AnsibleConnectionFailure('ssh: connect to host port 22: Connection timed out'), 5)
    read = answers(clock, [OLD, OLD, down, down, down, NEW])
    boot_id, seconds, attempts, error = plugin.wait_for_new_boot(read, OLD, 900, 1, clock.clock, clock.pause)
    assert (boot_id, attempts, error) == (NEW, 6, None)
    # Two polls of the old boot and three failed connections (5 s each), one second apart: no fixed delay.
    assert seconds == 5 * 1 + 3 * 5
    assert clock.pauses == [1] * 5


def test_timeout_reports_the_last_reason():
    clock = FakeClock()
    read = answers(clock, [OLD] * 100)
    boot_id, seconds, attempts, error = plugin.wait_for_new_boot(read, OLD, 10, 1, clock.clock, clock.pause)
    assert boot_id is None
    assert seconds == 10 and attempts == 11  # at 0, 1, ... 10 s
    assert error == 'the host still answers from the boot it had before the crash'


def test_an_empty_answer_is_not_a_new_boot():
    clock = FakeClock()
    read = answers(clock, ['', NEW])
    assert plugin.wait_for_new_boot(read, OLD, 60, 2, clock.clock, clock.pause)[:3] == (NEW, 2, 2)


class FakeConnection(object):
    def __init__(self):
        self.options = {'timeout': 10}
        self.resets = 0

    def get_option(self, name):
        return self.options[name]

    def set_option(self, name, value):
        self.options[name] = value

    def reset(self):
        self.resets += 1


class FakeTask(object):
    def __init__(self, args, check_mode=False):
        self.args = args
        self.check_mode = check_mode
        self.async_val = 0
        self.action = 'crashdump.kdump.wait_for_new_boot'


def make_action(monkeypatch, args, outputs, check_mode=False):
    action = plugin.ActionModule.__new__(plugin.ActionModule)
    action._task = FakeTask(args, check_mode)
    action._connection = FakeConnection()
    commands = []

    def low_level(command, sudoable=True):
        commands.append((command, sudoable, action._connection.options['timeout']))
        reply = outputs.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply
    action._low_level_execute_command = low_level
    monkeypatch.setattr(plugin.ActionBase, 'run', lambda self, tmp=None, task_vars=None: {})
    monkeypatch.setattr(plugin.time, 'sleep', lambda seconds: None)
    return action, commands


def test_run_returns_the_new_boot_and_restores_the_connection_timeout(monkeypatch):
    outputs = [{'rc': 0, 'stdout': OLD + '\n'}, AnsibleConnectionFailure('timed out'), {'rc': 0, 'stdout': NEW + '\n'}]
    action, commands = make_action(monkeypatch, {'boot_id': OLD, 'connect_timeout': 3}, outputs)
    result = action.run(task_vars={})
    assert not result.get('failed')
    assert result['boot_id'] == NEW and result['old_boot_id'] == OLD and result['attempts'] == 3
    assert result['changed'] is False
    assert [call[0] for call in commands] == [plugin.BOOT_ID_COMMAND] * 3
    # Unprivileged reads, each with the short connect timeout; the original one is back afterwards.
    assert all(call[1:] == (False, 3) for call in commands)
    assert action._connection.options['timeout'] == 10
    assert action._connection.resets == 4


def test_run_fails_after_the_timeout_with_the_reason(monkeypatch):
    outputs = [{'rc': 1, 'stdout': '', 'stderr': 'cat: no such file'}] * 50
    action, _commands = make_action(monkeypatch, {'boot_id': OLD, 'timeout': 1}, outputs)
    result = action.run(task_vars={})
    assert result['failed'] is True and result['boot_id'] is None
    assert result['msg'].startswith('the host did not answer from a new boot within 1 s')
    assert 'cat: no such file' in result['msg']


def test_run_is_skipped_in_check_mode_and_refuses_bad_arguments(monkeypatch):
    action, commands = make_action(monkeypatch, {'boot_id': OLD}, [], check_mode=True)
    assert action.run(task_vars={})['skipped'] is True and commands == []
    action, commands = make_action(monkeypatch, {'boot_id': OLD, 'timeout': 0}, [])
    result = action.run(task_vars={})
    assert result['failed'] is True and result['msg'].startswith('timeout: 0 is too small') and commands == []
