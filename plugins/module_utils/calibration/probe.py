# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What one probe of a calibration says about its reservation.

A probe sets a reservation, reboots into it, loads kdump, crashes the host
and judges the capture with the crash test's own outcome records
(``capture/outcome.py``; no other outcome names exist).  ``probe_verdict``
reads one such record as one of three verdicts:

* ``captured`` - ``complete``: the reservation is big enough;
* ``too_small`` - the reservation is too small, so the next probe is larger:

  - ``no_capture`` or ``incomplete`` from a host that came back by itself
    (the record has ``returned_after``, the seconds until the host answered
    from its new boot, which only the judged path of the crash test sets):
    the capture kernel ran out of memory or could not write the dump, and
    the capture ``panic=`` timeout and failure action rebooted the host;
  - ``refused`` with the refusal ``not_operational``: the capture kernel
    could not be loaded into the reservation at all (kexec needs room for
    the kernel image and initramfs inside it) - the first thing a smaller
    reservation breaks;

* ``stop`` - anything else says nothing about the size and ends the host's
  calibration: ``not_returned`` (the host did not come back, or did not
  answer - unreachable), ``refused`` for any other reason (no space on the
  target, a pending test...), ``error``, ``not_crashed`` (the crash never
  happened), ``not_tested`` and ``current`` (no crash ran), a record without
  ``returned_after``, and a host that did not reserve the probe's size.

Reading a failure as "too small" can only make the recommendation larger;
reading it as "captured" would make it smaller.  So only a complete dump
counts as captured, and a failure that is not known to be about the size
stops rather than moving the bracket at all.

``stage_failure_outcome`` builds the record of a probe that broke off before
the crash test had its say (``STAGES``: reading the host, setting the
reservation, rebooting into it, loading kdump).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import OUTCOMES, caller_outcome
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import format_size

CAPTURED = 'captured'
TOO_SMALL = 'too_small'
STOP = 'stop'
VERDICTS = (CAPTURED, TOO_SMALL, STOP)

TOO_SMALL_OUTCOMES = ('no_capture', 'incomplete')
# kdump_crash's refusal code when no crash kernel is loaded.
NOT_LOADED_REFUSAL = 'not_operational'

STAGE_START = 'start'
STAGE_RESERVATION = 'reservation'
STAGE_REBOOT = 'reboot'
STAGE_LOAD = 'load'
STAGE_CRASH = 'crash'
STAGES = (STAGE_START, STAGE_RESERVATION, STAGE_REBOOT, STAGE_LOAD, STAGE_CRASH)

_STOP_REASONS = {
    'not_returned': 'the host did not come back by itself, so the probe says nothing about the size',
    'refused': 'the crash test was refused for a reason other than the size',
    'error': 'the probe broke off with an error',
    'not_crashed': 'the host never crashed',
    'not_tested': 'no crash test ran',
    'current': 'no crash test ran',
    'skipped': 'check mode crashed nothing',
}


def probe_verdict(outcome, size_bytes=None, reserved_bytes=None):
    """``(verdict, reason)`` of a probe whose crash test ended with the record ``outcome``.

    ``reserved_bytes`` is what the host really reserved during the probe (None
    when unknown); a host that reserved something else than ``size_bytes``
    tested another size, so the probe stops.
    """
    outcome = outcome if isinstance(outcome, dict) else {}
    name = outcome.get('outcome')
    if name not in OUTCOMES:
        return STOP, 'the probe has no known outcome (%r)' % (name,)
    if reserved_bytes not in (None, '') and size_bytes and int(reserved_bytes) != int(size_bytes):
        reason = "the host reserved %s, not the probe's %s" % (format_size(int(reserved_bytes)),
                                                               format_size(int(size_bytes)))
        return STOP, reason
    if name == 'complete':
        return CAPTURED, 'the capture left a complete dump'
    if name in TOO_SMALL_OUTCOMES:
        if outcome.get('returned_after') is None:
            return STOP, ('%s, but whether the host came back by itself is not known, so the probe says nothing '
                          'about the size' % name)
        return TOO_SMALL, '%s from a host that came back by itself' % name
    if name == 'refused' and outcome.get('refusal') == NOT_LOADED_REFUSAL:
        return TOO_SMALL, 'the capture kernel could not be loaded into the reservation'
    return STOP, '%s: %s' % (name, _STOP_REASONS[name])


def stage_failure_outcome(stage, message):
    """The outcome record of a probe that broke off in ``stage`` before the crash test judged it."""
    message = message or 'no message'
    if stage == STAGE_REBOOT:
        return caller_outcome('not_returned', 'the host did not come back from the reboot into the probe\'s '
                                              'reservation: %s' % message)
    if stage == STAGE_LOAD:
        record = caller_outcome('refused', 'the test crash was refused and the host not crashed: the capture '
                                           'kernel was not loaded with this reservation: %s' % message)
        record['refusal'] = NOT_LOADED_REFUSAL
        return record
    if stage == STAGE_CRASH:
        return caller_outcome('refused', 'the test crash was refused and the host not crashed: %s' % message)
    if stage in (STAGE_START, STAGE_RESERVATION):
        what = 'reading the host' if stage == STAGE_START else 'setting the probe\'s reservation'
        return caller_outcome('error', '%s failed: %s' % (what, message))
    raise ValueError('stage %r is not one of %s' % (stage, ', '.join(STAGES)))
