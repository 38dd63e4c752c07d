# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import (
    ShellVarsFile,
    check_value,
    unquote,
)

FIXTURES = ['el8_sysconfig_kdump', 'el9_sysconfig_kdump', 'el10_sysconfig_kdump', 'debian_kdump-tools']


@pytest.mark.parametrize('name', FIXTURES)
def test_shipped_default_renders_back_byte_for_byte(fixture_text, name):
    text = fixture_text(name)
    assert ShellVarsFile.parse(text).render() == text


def test_debian_template_values_are_read(fixture_text):
    values = ShellVarsFile.parse(fixture_text('debian_kdump-tools')).as_dict()
    assert values == {'USE_KDUMP': '1', 'KDUMP_KERNEL': '/var/lib/kdump/vmlinuz',
                      'KDUMP_INITRD': '/var/lib/kdump/initrd.img', 'KDUMP_COREDIR': '/var/crash'}


def test_el9_sysconfig_append_is_read(fixture_text):
    values = ShellVarsFile.parse(fixture_text('el9_sysconfig_kdump'))
    assert values.get('KDUMP_COMMANDLINE_APPEND').split()[:3] == ['irqpoll', 'nr_cpus=1', 'reset_devices']
    assert values.get('KEXEC_ARGS') == '-s'


@pytest.mark.parametrize('raw, expected', [
    ('plain', 'plain'),
    ('"double quoted"', 'double quoted'),
    ("'single # quoted'", 'single # quoted'),
    ('"a" # comment', 'a'),
    ('"esc \\" aped"', 'esc " aped'),
    ('', ''),
    ('pre"mid"post', 'premidpost'),
], ids=['bare', 'double', 'single-keeps-hash', 'trailing-comment', 'escaped-quote', 'empty', 'concatenated'])
def test_unquote_matches_shell_assignment(raw, expected):
    assert unquote(raw) == expected


@pytest.mark.parametrize('value, bad', [('ok value', None), ('a"b', '"'), ('$HOME', '$'), ('`x`', '`'),
                                        ('a\\b', '\\')])
def test_check_value_names_unsafe_character(value, bad):
    assert check_value(value) == bad


@pytest.mark.parametrize('text, key, value, expected', [
    ('A="1"\nB=2\n', 'B', '3', 'A="1"\nB="3"\n'),
    ('# c\n#SSH="<user at server>"\n#SSH_KEY=""\n', 'SSH', 'root@h',
     '# c\n#SSH="<user at server>"\nSSH="root@h"\n#SSH_KEY=""\n'),
    ('A=1', 'B', 'x y', 'A=1\nB="x y"\n'),
    ('A=1\nA=2\n', 'A', '3', 'A=1\nA="3"\n'),
    ('A="same"\n', 'A', 'same', 'A="same"\n'),
], ids=['replace', 'insert-after-commented-template', 'append-adds-missing-newline',
        'last-assignment-wins', 'same-value-untouched'])
def test_set_rewrites_only_that_key(text, key, value, expected):
    shell_vars = ShellVarsFile.parse(text)
    shell_vars.set(key, value)
    assert shell_vars.render() == expected
    assert shell_vars.get(key) == value


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(['A="1"', "B='x y' # c", 'export C=3', '#D=4'])),
                max_size=10), st.booleans())
def test_parse_then_render_is_lossless(lines, final_newline):
    text = '\n'.join(lines) + ('\n' if final_newline else '')
    assert ShellVarsFile.parse(text).render() == text
