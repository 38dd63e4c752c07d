# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.crashdump.kdump.plugins.filter.crash_test import crash_outcome, crash_test_failure, crash_test_outcomes
from ansible_collections.crashdump.kdump.plugins.filter.survey import omit_empty, survey_int
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import OUTCOMES

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'kdump')


@pytest.mark.parametrize('value, expected', [('', 900), ('  ', 900), (None, 900), ('60', 60), (60, 60), (' 7 ', 7)])
def test_empty_survey_answer_means_the_default(value, expected):
    assert survey_int(value, 900, 'kdump_crash_test_timeout') == expected


@pytest.mark.parametrize('value', ['abc', '1.5', True, '-3'])
def test_bad_integer_names_the_variable(value):
    with pytest.raises(AnsibleFilterError, match='kdump_crash_test_timeout'):
        survey_int(value, 900, 'kdump_crash_test_timeout', 0)


def test_role_defaults_and_empty_answer_fallbacks_agree():
    with open(os.path.join(ROLE, 'defaults', 'main.yml')) as handle:
        defaults = yaml.safe_load(handle)
    with open(os.path.join(ROLE, 'vars', 'main.yml')) as handle:
        fallbacks = yaml.safe_load(handle)['__kdump_int_defaults']
    with open(os.path.join(ROLE, 'meta', 'argument_specs.yml')) as handle:
        specs = yaml.safe_load(handle)['argument_specs']['main']['options']
    for name, value in fallbacks.items():
        assert defaults[name] == value, name
        assert specs[name]['default'] == value, name


def test_refusal_keeps_kdump_crash_outcome_and_code():
    crash = {'failed': True, 'refusal': 'no_space', 'msg': 'no room',
             'outcome': {'outcome': 'refused', 'complete': False, 'detail': 'no room', 'dump': None}}
    record = crash_test_failure(crash, {}, {'msg': 'no room'}, 900)
    assert record['outcome'] == 'refused' and record['refusal'] == 'no_space'


def test_host_that_did_not_return_is_not_returned():
    record = crash_test_failure({'changed': True}, {'failed': True}, {'msg': 'timed out'}, '600')
    assert record['outcome'] == 'not_returned' and '600 s' in record['detail']


def test_failure_before_the_crash_is_an_error_with_the_message():
    record = crash_test_failure({}, {}, {'msg': 'dump user missing'}, 900)
    assert record['outcome'] == 'error' and 'dump user missing' in record['detail'] and not record['complete']


def test_a_judging_module_failing_with_its_verdict_keeps_it():
    verdict = {'outcome': 'not_crashed', 'complete': False, 'detail': 'same boot', 'dump': None}
    assert crash_test_failure({'changed': True}, {'elapsed': 70}, {'msg': 'x', 'outcome': verdict}, 900) == verdict


def test_kdump_crash_failing_without_outcome_is_an_error():
    record = crash_test_failure({'failed': True, 'msg': 'boom'}, None, None, 900)
    assert record['outcome'] == 'error' and 'boom' in record['detail']


def test_current_counts_as_proven_and_unknown_names_fail():
    assert crash_outcome('current', 'still covered', '/var/crash/x/dump')['complete'] is True
    assert crash_outcome('not_tested', 'budget spent')['complete'] is False
    with pytest.raises(AnsibleFilterError, match='complete'):
        crash_outcome('complete', 'decided from the dumps')
    with pytest.raises(AnsibleFilterError):
        crash_outcome('crashed', 'no such outcome')
    assert crash_outcome('skipped', 'check mode')['complete'] is False
    assert set(['current', 'not_tested', 'error', 'skipped']) <= set(OUTCOMES)


def test_outcomes_of_the_run_default_to_not_tested():
    hostvars = {'web1': {'kdump_crash_test_result': {'outcome': 'complete', 'complete': True, 'dump': '/d', 'detail': 'ok'}},
                'web2': {}}
    outcomes = crash_test_outcomes(['web1', 'web2', 'gone'], hostvars)
    assert outcomes['web1']['outcome'] == 'complete'
    assert outcomes['web2']['outcome'] == 'not_tested' and outcomes['gone']['outcome'] == 'not_tested'


OMIT = '__omit_place_holder__0123456789abcdef'


@pytest.mark.parametrize('value', [None, '', '   ', '\n', [], {}])
def test_an_empty_answer_leaves_the_option_unset(value):
    assert omit_empty(value, OMIT) == OMIT


@pytest.mark.parametrize('value', [0, False, '0', 31, '31', 'lzo', ['-d', '31'], {'type': 'ssh'}, ' nr_cpus=1 '])
def test_a_given_value_passes_unchanged(value):
    assert omit_empty(value, OMIT) is value
