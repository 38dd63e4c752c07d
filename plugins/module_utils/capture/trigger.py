# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The command that crashes the host a few seconds after the module has returned.

The programs are constants; the only values put into them are the delay (an
integer) and the path of ``kdumpctl`` found by ``get_bin_path``, both passed
as separate arguments, never spliced into shell text.

* ``trigger_program('sysrq')`` enables SysRq (``/proc/sys/kernel/sysrq``; the
  upstream test harnesses do the same) and writes ``c`` to
  ``/proc/sysrq-trigger``.
* ``trigger_program('kdumpctl_test', kdumpctl)`` enables SysRq and runs
  ``kdumpctl test --force`` (which records the test for ``kdumpctl status``
  and crashes the same way).
* Both first ``sync``: a crash loses whatever is still only in the page
  cache, the crash marker written a moment earlier included.
* ``detached_command`` wraps it: with ``systemd-run`` a transient timer
  (``--on-active=<delay>s``) owned by PID 1, so the module's exit and the
  closing SSH session cannot take it down; without systemd, ``setsid -f``
  starts ``sleep <delay>`` and the program in a new session with its
  standard streams on ``/dev/null``, so the caller returns at once.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


SYSRQ_ENABLE_PATH = '/proc/sys/kernel/sysrq'
SYSRQ_TRIGGER_PATH = '/proc/sysrq-trigger'
TRIGGER_UNIT_PREFIX = 'crashdump-kdump-crash-'
_SYSRQ_SCRIPT = 'sync; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger'
_KDUMPCTL_TEST_SCRIPT = 'sync; echo 1 > /proc/sys/kernel/sysrq; exec "$0" test --force'
_SLEEP_SCRIPT = 'exec </dev/null >/dev/null 2>&1; sleep "$0"; exec "$@"'


def trigger_program(method, kdumpctl=None):
    """Argument list that crashes the host now."""
    if method == 'kdumpctl_test':
        return ['/bin/sh', '-c', _KDUMPCTL_TEST_SCRIPT, kdumpctl]
    return ['/bin/sh', '-c', _SYSRQ_SCRIPT]


def detached_command(systemd_run, setsid, delay, program, unit_suffix):
    """Argument list that runs ``program`` after ``delay`` seconds, detached from the caller.

    None when neither ``systemd-run`` nor ``setsid`` is available.
    """
    delay = int(delay)
    if systemd_run:
        return [systemd_run, '--unit=%s%s' % (TRIGGER_UNIT_PREFIX, unit_suffix),
                '--description=crashdump.kdump test crash', '--on-active=%ds' % delay,
                '--timer-property=AccuracySec=1s'] + list(program)
    if setsid:
        return [setsid, '-f', '/bin/sh', '-c', _SLEEP_SCRIPT, str(delay)] + list(program)
    return None
