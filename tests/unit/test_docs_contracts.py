# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection promises its users outside the code, checked against the code.

- meta/runtime.yml's action group ``kdump`` lists exactly the modules present;
- the role's argument specs offer the same choices as the modules they feed;
- every AWX survey in docs/surveys/ is a valid survey spec, and asks only for
  variables the role or the playbook documents, with a compatible type;
- every filter has its documentation file, matching its signature.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import importlib
import inspect
import json
import os

import pytest
import yaml

from ansible_collections.crashdump.kdump.plugins.modules import crashkernel, kdump_conf

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _yaml(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return yaml.safe_load(handle)


ROLE_SPECS = _yaml('roles', 'kdump', 'meta', 'argument_specs.yml')['argument_specs']
ROLE_DEFAULTS = _yaml('roles', 'kdump', 'defaults', 'main.yml')
MODULES = sorted(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py'))
                 if not os.path.basename(path).startswith('_'))


# --- meta/runtime.yml ------------------------------------------------------

# Modules that run on the host; an action plugin alone (no module code) has no
# platform option for module_defaults to set, so it stays out of the group.
HOST_MODULES = [name for name in MODULES
                if not os.path.exists(os.path.join(ROOT, 'plugins', 'action', name + '.py'))]


def test_action_group_kdump_lists_exactly_the_modules_present():
    groups = _yaml('meta', 'runtime.yml')['action_groups']
    assert 'wait_for_new_boot' not in HOST_MODULES and 'kdump_conf' in HOST_MODULES
    assert sorted(groups['kdump']) == HOST_MODULES
    assert len(groups['kdump']) == len(set(groups['kdump']))


# --- role argument specs against the modules --------------------------------

def _module_choices(spec, *path):
    for name in path[:-1]:
        spec = spec[name]['options']
    return list(spec[path[-1]]['choices'])


ROLE_TO_MODULE_CHOICES = [
    # (role variable path, module argument spec, module option path)
    (('kdump_target', 'type'), kdump_conf.ARGUMENT_SPEC, ('target', 'type')),
    (('kdump_compression',), kdump_conf.ARGUMENT_SPEC, ('compression',)),
    (('kdump_failure_action',), kdump_conf.ARGUMENT_SPEC, ('failure_action',)),
    (('kdump_final_action',), kdump_conf.ARGUMENT_SPEC, ('final_action',)),
    (('kdump_state',), crashkernel.ARGUMENT_SPEC, ('state',)),
]


def _role_choice_cases():
    for entry_point in sorted(ROLE_SPECS):
        for role_path, module_spec, module_path in ROLE_TO_MODULE_CHOICES:
            if role_path[0] in ROLE_SPECS[entry_point]['options']:
                yield pytest.param(entry_point, role_path, module_spec, module_path,
                                   id='%s-%s' % (entry_point, '.'.join(role_path)))


@pytest.mark.parametrize('entry_point, role_path, module_spec, module_path', list(_role_choice_cases()))
def test_role_choices_are_the_module_choices(entry_point, role_path, module_spec, module_path):
    option = {'options': ROLE_SPECS[entry_point]['options']}
    for name in role_path:
        option = option['options'][name]
    role_choices = list(option['choices'])
    module_choices = _module_choices(module_spec, *module_path)
    # An empty string is the role's "keep the platform's" and is never passed to the module.
    if option.get('default') == '' or '' in role_choices:
        assert option.get('default') in role_choices
        role_choices = [choice for choice in role_choices if choice != '']
    assert role_choices == module_choices


def test_every_role_default_is_documented_with_the_same_value():
    options = ROLE_SPECS['main']['options']
    assert sorted(options) == sorted(ROLE_DEFAULTS)
    for name, value in ROLE_DEFAULTS.items():
        assert options[name].get('default') == value, name


@pytest.mark.parametrize('name', ['kdump_reboot_timeout', 'kdump_reboot_batch', 'kdump_crash_test_timeout',
                                  'kdump_crash_test_delay'])
def test_integers_a_survey_may_leave_empty_are_raw(name):
    # An unanswered survey field arrives as "": type int would reject it, raw lets
    # the role turn it into the default (crashdump.kdump.survey_int / batch_count).
    for entry_point in ROLE_SPECS.values():
        if name in entry_point['options']:
            assert entry_point['options'][name]['type'] == 'raw'


def _role_validator(entry_point):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    return ArgumentSpecValidator(ROLE_SPECS[entry_point]['options'])


def test_role_defaults_pass_the_argument_spec():
    assert _role_validator('main').validate(dict(ROLE_DEFAULTS)).error_messages == []


@pytest.mark.parametrize('target, error', [
    ({}, None),
    ({'type': 'ssh', 'location': 'kdump@dumpserver'}, None),
    ({'type': 'xfs', 'location': 'UUID=0f3c'}, None),
    ({'type': 'scp', 'location': 'kdump@dumpserver'}, 'value of type must be one of'),
    ({'type': 'nfs', 'server': 'nfs1'}, 'kdump_target.server'),
])
def test_kdump_target_suboptions_are_checked(target, error):
    values = dict(ROLE_DEFAULTS, kdump_target=target)
    messages = _role_validator('main').validate(values).error_messages
    if error is None:
        assert messages == []
    else:
        assert len(messages) == 1 and error in messages[0]


# --- AWX surveys --------------------------------------------------------------

# Variables the playbooks read themselves (documented in each playbook's header
# and in the README), with the kind of value they take.
PLAYBOOK_VARIABLES = {
    'kdump_hosts': 'str',
    'kdump_batch_size': 'int_or_percent',
    'kdump_max_failures': 'int',
    'kdump_max_fail_percentage': 'int',
    'kdump_capture_file': 'str',
    'kdump_report_file': 'str',
}
# The role entry point each playbook runs (None: the playbook runs no role).
SURVEYS = {
    'configure': 'main',
    'verify_capture': 'capture',
    'report': None,
}
AWX_TYPES = {
    'text': str, 'textarea': str, 'password': str, 'multiplechoice': str, 'multiselect': str,
    'integer': int, 'float': (float, int),
}
BOOLEAN_ANSWERS = ('true', 'false', 'yes', 'no')


def _survey(template):
    with open(os.path.join(ROOT, 'docs', 'surveys', template + '.json')) as handle:
        return json.load(handle)


def _survey_questions():
    for template in sorted(SURVEYS):
        for question in _survey(template)['spec']:
            yield pytest.param(template, question, id='%s-%s' % (template, question['variable']))


def test_every_playbook_has_a_survey_and_no_more():
    files = sorted(os.path.basename(path)[:-5] for path in glob.glob(os.path.join(ROOT, 'docs', 'surveys', '*.json')))
    assert files == sorted(SURVEYS)


@pytest.mark.parametrize('template', sorted(SURVEYS))
def test_survey_is_a_valid_awx_survey_spec(template):
    # The checks AWX's survey_spec endpoint makes before it accepts a spec.
    survey = _survey(template)
    assert isinstance(survey['name'], str) and survey['name']
    assert isinstance(survey['description'], str)
    assert isinstance(survey['spec'], list) and survey['spec']
    variables = [question['variable'] for question in survey['spec']]
    assert len(variables) == len(set(variables))
    for question in survey['spec']:
        for field in ('type', 'question_name', 'variable'):
            assert isinstance(question[field], str) and question[field], field
        assert isinstance(question['required'], bool)
        assert question['type'] in AWX_TYPES
        default = question.get('default', '')
        if default != '':
            assert isinstance(default, AWX_TYPES[question['type']]) and not isinstance(default, bool), question
        for limit in ('min', 'max'):
            if limit in question:
                assert isinstance(question[limit], int) and not isinstance(question[limit], bool)
        if question['type'] in ('multiplechoice', 'multiselect'):
            assert isinstance(question['choices'], list) and question['choices']
            if default != '':
                assert default in question['choices']
        if question['type'] == 'integer' and default != '':
            assert question.get('min', default) <= default <= question.get('max', default)


def _argument(template, variable):
    """(type, choices, default) the survey's variable has where it is documented."""
    entry_point = SURVEYS[template]
    if entry_point is not None and variable in ROLE_SPECS[entry_point]['options']:
        option = ROLE_SPECS[entry_point]['options'][variable]
        return option['type'], option.get('choices'), option.get('default')
    assert variable in PLAYBOOK_VARIABLES, '%s is neither a role option nor a playbook variable' % variable
    with open(os.path.join(ROOT, 'playbooks', template + '.yml')) as handle:
        assert variable in handle.read(), 'playbook %s does not read %s' % (template, variable)
    return PLAYBOOK_VARIABLES[variable], None, None


@pytest.mark.parametrize('template, question', list(_survey_questions()))
def test_survey_variable_is_documented_with_a_compatible_type(template, question):
    kind, choices, default = _argument(template, question['variable'])
    survey_type = question['type']
    if survey_type == 'integer':
        # raw: the role's integers that accept "" for the default (an int default tells them).
        assert kind in ('int', 'int_or_percent') or (kind == 'raw' and (isinstance(default, int) or default == ''))
    elif survey_type == 'float':
        assert kind in ('float', 'raw')
    elif survey_type == 'multiselect':
        assert kind == 'list'
    elif survey_type == 'multiplechoice':
        if kind == 'bool':
            assert set(question['choices']) <= set(BOOLEAN_ANSWERS)
        else:
            assert kind in ('str', 'raw')
            if choices is not None:
                assert set(question['choices']) <= set(choices)
        if not question['required']:
            # An unanswered optional question arrives as "": the role must take it as "the platform's".
            assert choices is None or '' in choices
    else:
        assert kind in ('str', 'raw', 'path', 'int_or_percent')


# --- filter documentation -----------------------------------------------------

def _filters():
    for path in sorted(glob.glob(os.path.join(ROOT, 'plugins', 'filter', '*.py'))):
        plugin = importlib.import_module('ansible_collections.crashdump.kdump.plugins.filter.'
                                         + os.path.basename(path)[:-3])
        for name, function in sorted(plugin.FilterModule().filters().items()):
            yield pytest.param(name, function, id=name)


@pytest.mark.parametrize('name, function', list(_filters()))
def test_every_filter_has_documentation_matching_its_signature(name, function):
    docs = _yaml('plugins', 'filter', name + '.yml')
    documentation = docs['DOCUMENTATION']
    assert documentation['name'] == name
    assert docs['EXAMPLES'].strip() and docs['RETURN']['_value']['description']
    parameters = list(inspect.signature(function).parameters)
    documented = ['_input'] + parameters[1:]
    assert sorted(documentation['options']) == sorted(documented)
    assert [part.strip() for part in documentation['positional'].split(',')] == documented
    for parameter in inspect.signature(function).parameters.values():
        option = documentation['options']['_input' if parameter.name == parameters[0] else parameter.name]
        assert option.get('required', False) == (parameter.default is inspect.Parameter.empty), parameter.name
        if parameter.default not in (inspect.Parameter.empty, None):
            assert option['default'] == parameter.default, parameter.name
