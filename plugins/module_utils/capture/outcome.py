# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a test crash ended, in one record.

Every outcome has the same shape (``outcome_record``)::

    {"outcome": "<one of OUTCOMES>", "complete": <bool>,
     "detail": "<one plain sentence>", "dump": "<path>" or None}

``complete`` is True only for ``complete``.  ``dump`` is the complete dump,
or for ``incomplete`` the partial dump or the marker file the capture left.

``classify_outcome`` decides from what ``crashdump.kdump.vmcore_info`` found
after the crash (``boot_changed`` and the new capture directories, as
``capture_verdict.inspect_capture`` describes them):

* ``not_crashed`` - the boot id is unchanged: the crash never happened;
* ``complete`` - a new capture holds a complete dump (the newest such);
* ``incomplete`` - new captures exist but none is complete; the detail names
  the reasons of the newest one (marker left, incomplete bit, cut stream...);
* ``no_capture`` - the host rebooted but left no new capture directory.

The caller decides the others, because no module runs on the host then;
``caller_outcome`` builds their record:

* ``not_returned`` - the host did not come back within the timeout;
* ``refused`` - the preflight of ``crashdump.kdump.kdump_crash`` refused;
* ``error`` - the test broke off for another reason (a module failed, the
  dump server could not be read), the detail says which;
* ``not_tested`` - no test ran (the failure budget was spent before the
  host's batch, or the host was unreachable);
* ``current`` - no test was needed: the last complete test still covers the
  host as it is now (``kdump_verify_only_stale``); counts as proven;
* ``skipped`` - check mode: nothing was crashed (the preflight passed, or the
  run would first change the host, so a preflight now would judge the old
  state); proves nothing and fails nothing.

``OK_OUTCOMES`` are the ones that prove capture; ``PASSING_OUTCOMES`` the ones
that do not fail the host (``crash_test_failed``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

OUTCOMES = ('complete', 'incomplete', 'no_capture', 'not_crashed', 'not_returned', 'refused', 'error',
            'not_tested', 'current', 'skipped')
CALLER_OUTCOMES = ('not_returned', 'refused', 'error', 'not_tested', 'current', 'skipped')
OK_OUTCOMES = ('complete', 'current')
PASSING_OUTCOMES = OK_OUTCOMES + ('skipped',)


def outcome_record(outcome, detail, dump=None):
    """The one shape of an outcome; raises ValueError for an unknown ``outcome``."""
    if outcome not in OUTCOMES:
        raise ValueError('outcome %r is not one of %s' % (outcome, ', '.join(OUTCOMES)))
    return {'outcome': outcome, 'complete': outcome in OK_OUTCOMES, 'detail': detail, 'dump': dump}


def crash_test_failed(record):
    """Whether the outcome ``record`` fails its host: anything but a proven
    capture or a check-mode skip, a missing or malformed record included."""
    return not isinstance(record, dict) or record.get('outcome') not in PASSING_OUTCOMES


def caller_outcome(outcome, detail, dump=None):
    """Record for an outcome the caller decides (``detail`` says why)."""
    if outcome not in CALLER_OUTCOMES:
        raise ValueError('outcome %r is decided from the dumps, not by the caller; the caller decides %s'
                         % (outcome, ', '.join(CALLER_OUTCOMES)))
    return outcome_record(outcome, detail, dump)


def refused_outcome(reason):
    """``refused``: the crash was not triggered; ``reason`` is the refusal message."""
    return caller_outcome('refused', 'the test crash was refused and the host not crashed: %s' % reason)


def not_returned_outcome(timeout_seconds):
    """``not_returned``: the host did not answer within ``timeout_seconds`` after the crash."""
    return caller_outcome('not_returned', 'the host did not come back within %d s after the test crash; it may '
                                          'hang in the capture kernel' % timeout_seconds)


def _partial_file(verdict):
    if verdict.get('dump_file'):
        return verdict['dump_file']
    markers = verdict.get('incomplete_markers') or []
    if markers:
        return os.path.join(verdict['path'], markers[0])
    return None


def classify_outcome(boot_changed, dumps, dump_path=None):
    """The outcome record of a test crash from ``vmcore_info``'s view of the host.

    ``boot_changed`` is True/False when a marker told the boot id, None when
    unknown (``since`` was a time).  ``dumps`` are the new capture
    directories' verdicts, oldest first.
    """
    if boot_changed is False:
        return outcome_record('not_crashed', 'the host still runs the boot in which the test crash was scheduled, '
                                             'so the crash has not happened')
    complete = [verdict for verdict in dumps if verdict.get('complete')]
    if complete:
        newest = complete[-1]
        return outcome_record('complete', 'the capture left a complete %s dump in %s'
                              % (newest.get('format') or 'crash', newest['path']), newest.get('dump_file'))
    if dumps:
        newest = dumps[-1]
        return outcome_record('incomplete', 'the capture in %s is incomplete: %s'
                              % (newest['path'], newest.get('reason') or 'no reason recorded'),
                              _partial_file(newest))
    where = ' in %s' % dump_path if dump_path else ''
    if boot_changed is None:
        return outcome_record('no_capture', 'no new capture directory%s; whether the host crashed is not known '
                                            'without the marker of the test crash' % where)
    return outcome_record('no_capture', 'the host rebooted but the capture left no new capture directory%s' % where)
