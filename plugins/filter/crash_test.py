# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Outcome records for the crash test's controller side.

The role and the playbooks name an outcome only through these filters, so
every outcome the collection reports comes from one list
(``module_utils/capture/outcome.py``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import (
    caller_outcome,
    crash_test_failed,
    not_returned_outcome,
)


def crash_test_failure(crash, returned, failed_result, timeout):
    """The outcome of a crash test that broke off.

    ``crash``: kdump_crash's result ({} when it did not run); ``returned``:
    wait_for_connection's result ({} when it did not run); ``failed_result``:
    the failed task's result; ``timeout``: seconds the host had to return.
    """
    crash = crash or {}
    returned = returned or {}
    if crash.get('failed'):
        if crash.get('outcome'):
            record = dict(crash['outcome'])
            record['refusal'] = crash.get('refusal')
            return record
        return caller_outcome('error', 'kdump_crash failed: %s' % (crash.get('msg') or 'no message'))
    if returned.get('failed'):
        return not_returned_outcome(int(timeout))
    failed_result = failed_result or {}
    if isinstance(failed_result.get('outcome'), dict) and failed_result['outcome'].get('outcome'):
        # A judging module that failed with its own verdict (capture_proof: not_crashed).
        return dict(failed_result['outcome'])
    message = failed_result.get('msg') or 'no message'
    return caller_outcome('error', 'the crash test broke off before a verdict: %s' % message)


def crash_outcome(outcome, detail, dump=None):
    """A record for an outcome the playbooks decide (``not_tested``, ``current``, ``error``...)."""
    try:
        return caller_outcome(outcome, detail, dump)
    except ValueError as error:
        raise AnsibleFilterError(str(error))


NOT_TESTED_DETAIL = 'no crash test ran (failure budget spent, or the host was unreachable)'


def crash_test_outcomes(hosts, hostvars):
    """``{host: outcome record}`` for every host of the run: the host's
    ``kdump_crash_test_result``, or ``not_tested`` when it has none."""
    outcomes = {}
    for host in hosts:
        record = hostvars[host].get('kdump_crash_test_result') if host in hostvars else None
        outcomes[host] = dict(record) if isinstance(record, dict) else caller_outcome('not_tested', NOT_TESTED_DETAIL)
    return outcomes


class FilterModule(object):
    def filters(self):
        return {'crash_test_failure': crash_test_failure, 'crash_outcome': crash_outcome,
                'crash_test_outcomes': crash_test_outcomes, 'crash_test_failed': crash_test_failed}
