# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wait until a host answers from a boot other than the one it crashed in.

The shape of ``ansible.builtin.reboot``'s wait, without its fixed delays: the
boot id the host had before the crash is known (kdump_crash's marker), so any
answer with another id is the new boot, and an answer with the same id means
the crash has not happened yet. Polling starts at once.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

BOOT_ID_COMMAND = 'cat /proc/sys/kernel/random/boot_id'
DEFAULTS = {'timeout': 900, 'connect_timeout': 5, 'sleep': 1}


def read_args(args):
    """The task's arguments, checked; raises ``ValueError`` naming the argument."""
    unknown = sorted(set(args) - set(DEFAULTS) - {'boot_id'})
    if unknown:
        raise ValueError('unsupported argument(s) %s; allowed: boot_id, %s' % (', '.join(unknown), ', '.join(DEFAULTS)))
    boot_id = args.get('boot_id')
    if not isinstance(boot_id, str) or not boot_id.strip():
        raise ValueError('boot_id: the boot id the host had before the crash is required (kdump_crash returns it '
                         'as marker.boot_id)')
    values = {'boot_id': boot_id.strip()}
    for name, default in DEFAULTS.items():
        value = args.get(name, default)
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValueError('%s: %r is not a number of seconds' % (name, value))
        if value < 1:
            raise ValueError('%s: %d is too small; allowed: 1 or more seconds' % (name, value))
        values[name] = value
    return values


def wait_for_new_boot(read_boot_id, old_boot_id, timeout, sleep, clock=time.monotonic, pause=time.sleep):
    """Poll ``read_boot_id()`` until it returns an id other than ``old_boot_id``.

    ``read_boot_id`` returns the id, or raises when the host does not answer.
    Returns ``(new_boot_id, seconds, attempts, last_error)``; ``new_boot_id`` is
    None when ``timeout`` passed first.
    """
    started = clock()
    attempts = 0
    last_error = None
    while True:
        attempts += 1
        try:
            boot_id = read_boot_id()
        except Exception as error:  # pylint: disable=broad-except  # any failure means "not back yet"
            last_error = to_text(error).strip() or type(error).__name__
        else:
            if boot_id and boot_id != old_boot_id:
                return boot_id, clock() - started, attempts, None
            last_error = 'the host still answers from the boot it had before the crash' if boot_id else \
                'the host answered without a boot id'
        if clock() - started + sleep > timeout:
            return None, clock() - started, attempts, last_error
        pause(sleep)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True

    def _read_boot_id(self):
        try:
            self._connection.reset()
        except AttributeError:
            pass
        result = self._low_level_execute_command(BOOT_ID_COMMAND, sudoable=False)
        if result.get('rc') != 0:
            reason = to_text(result.get('stderr', '')).strip()
            raise AnsibleError('%s failed (rc=%s): %s' % (BOOT_ID_COMMAND, result.get('rc'), reason))
        return to_text(result.get('stdout', '')).strip()

    def _set_connect_timeout(self, seconds):
        try:
            self._connection.set_option('timeout', seconds)
        except (AnsibleError, AttributeError, KeyError):
            display.vvv('wait_for_new_boot: the connection has no timeout option')

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        try:
            args = read_args(self._task.args)
        except ValueError as error:
            result.update(failed=True, msg=to_text(error))
            return result
        if self._task.check_mode:
            result.update(skipped=True, msg='check mode: no crash was triggered, so there is no new boot to wait for')
            return result

        original_timeout = None
        try:
            original_timeout = self._connection.get_option('timeout')
        except (AnsibleError, AttributeError, KeyError):
            pass
        self._set_connect_timeout(args['connect_timeout'])
        try:
            boot_id, seconds, attempts, last_error = wait_for_new_boot(
                self._read_boot_id, args['boot_id'], args['timeout'], args['sleep'])
        finally:
            if original_timeout is not None:
                self._set_connect_timeout(original_timeout)
                try:
                    self._connection.reset()
                except AttributeError:
                    pass
        result.update(changed=False, elapsed=int(round(seconds)), attempts=attempts,
                      old_boot_id=args['boot_id'], boot_id=boot_id)
        if boot_id is None:
            result.update(failed=True, msg='the host did not answer from a new boot within %d s (last attempt: %s)'
                                           % (args['timeout'], last_error))
        return result
