# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.crashdump.kdump.plugins.module_utils.config.kdump_conf import (
    KdumpConf,
    split_directive,
    split_lines,
)

FIXTURES = ['el8_kdump.conf', 'el9_kdump.conf', 'el10_kdump.conf']


@pytest.mark.parametrize('name', FIXTURES)
def test_shipped_default_renders_back_byte_for_byte(fixture_text, name):
    text = fixture_text(name)
    assert KdumpConf.parse(text).render() == text


@pytest.mark.parametrize('name, expected', [
    ('el8_kdump.conf', {'path': '/var/crash', 'core_collector': 'makedumpfile -l --message-level 7 -d 31'}),
    ('el9_kdump.conf', {'auto_reset_crashkernel': 'yes', 'path': '/var/crash',
                        'core_collector': 'makedumpfile -l --message-level 7 -d 31'}),
    ('el10_kdump.conf', {'auto_reset_crashkernel': 'yes', 'path': '/var/crash',
                         'core_collector': 'makedumpfile -l --message-level 7 -d 31'}),
])
def test_shipped_default_active_directives_are_read(fixture_text, name, expected):
    assert KdumpConf.parse(fixture_text(name)).as_dict() == expected


@pytest.mark.parametrize('line, expected', [
    ('path /var/crash\n', ('path', '/var/crash')),
    ('  path\t/var/crash  # trailing comment\n', ('path', '/var/crash')),
    ('#path /var/crash\n', None),
    ('   # indented comment\n', None),
    ('\n', None),
    ('force_rebuild\n', ('force_rebuild', '')),
    ('dracut_args --omit-drivers "cfg80211 snd"\r\n', ('dracut_args', '--omit-drivers "cfg80211 snd"')),
], ids=['plain', 'indented-with-inline-comment', 'comment', 'indented-comment', 'blank',
        'directive-without-value', 'crlf-and-quotes-inside'])
def test_split_directive_reads_like_kdumpctl(line, expected):
    assert split_directive(line) == expected


@pytest.mark.parametrize('text, name, value, expected', [
    ('a 1\npath /x\nb 2\n', 'path', '/y', 'a 1\npath /y\nb 2\n'),
    ('# head\npath /x\n# tail\n', 'sshkey', '/k', '# head\npath /x\nsshkey /k\n# tail\n'),
    ('# only comments\n', 'path', '/y', '# only comments\npath /y\n'),
    ('path /x', 'core_collector', 'cp', 'path /x\ncore_collector cp\n'),
    ('path /x\r\nb 1\r\n', 'path', '/y', 'path /y\r\nb 1\r\n'),
    ('path /a\nb 1\npath /b\n', 'path', '/c', 'path /c\nb 1\n'),
    ('  path /x # old\n', 'path', '/x', 'path /x\n'),
    ('', 'path', '/x', 'path /x\n'),
], ids=['replace-in-place', 'insert-after-last-directive', 'append-when-no-directive',
        'missing-final-newline-is-added-before-new-line', 'crlf-kept', 'duplicates-collapse-to-first',
        'managed-line-normalised-to-column-0', 'empty-file'])
def test_set_changes_only_the_directive(text, name, value, expected):
    conf = KdumpConf.parse(text)
    conf.set(name, value)
    assert conf.render() == expected


def test_set_same_value_reports_no_change():
    conf = KdumpConf.parse('# c\npath /var/crash\n')
    assert conf.set('path', '/var/crash') is False
    assert conf.render() == '# c\npath /var/crash\n'


def test_set_with_replaces_renames_old_spelling_in_place():
    conf = KdumpConf.parse('path /x\ndefault shell\ncore_collector cp\n')
    conf.set('failure_action', 'reboot', replaces=('default',))
    assert conf.render() == 'path /x\nfailure_action reboot\ncore_collector cp\n'


def test_remove_and_keep_only():
    conf = KdumpConf.parse('# c\nnfs a:/b\npath /x\nssh u@h\n')
    assert conf.remove('nfs') is True
    assert conf.remove('nfs') is False
    conf.keep_only(['path'])
    assert conf.render() == 'path /x\n'


_LINE = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=40),
    st.sampled_from(['path /var/crash', '#ssh user@host', '  ', '\t# x', 'core_collector makedumpfile -d 31 # c',
                     'ext4 UUID=1234', '\r']),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=12), st.sampled_from(['\n', '\r\n']), st.booleans())
def test_parse_then_render_is_lossless(lines, newline, final_newline):
    text = newline.join(lines) + (newline if final_newline else '')
    assert KdumpConf.parse(text).render() == text


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=12))
def test_setting_a_directive_keeps_every_other_line(lines):
    text = '\n'.join(lines) + '\n'
    conf = KdumpConf.parse(text)
    others = [line for line in split_lines(text) if (split_directive(line) or ('',))[0] != 'sshkey']
    conf.set('sshkey', '/root/.ssh/kdump_id_ed25519')
    assert conf.get('sshkey') == '/root/.ssh/kdump_id_ed25519'
    assert [line for line in split_lines(conf.render()) if (split_directive(line) or ('',))[0] != 'sshkey'] == others
