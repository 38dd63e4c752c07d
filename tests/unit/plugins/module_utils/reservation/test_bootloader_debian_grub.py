# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Debian family: the kdump-tools grub drop-in, the other GRUB files and grub.cfg."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader_debian_grub import (
    DEFAULT_GRUB,
    DROPIN,
    parse_grub_cfg,
    plan_files,
    rewrite_cmdline_vars,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import CrashkernelError


@pytest.mark.parametrize('args, expected', [
    (['crashkernel=256M'], 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M"\n'),
    (['crashkernel=384M-:128M'], None),
    ([], 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT"\n'),
    (['crashkernel=512M,high', 'crashkernel=128M,low'],
     'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=512M,high crashkernel=128M,low"\n'),
], ids=['set-256M', 'unchanged-is-byte-identical', 'absent-keeps-the-line', 'high-and-low'])
def test_debian12_dropin_is_rewritten(fixture_text, args, expected):
    text = fixture_text('crashkernel/debian12_kdump-tools.cfg')
    assert rewrite_cmdline_vars(text, DROPIN, args) == (text if expected is None else expected)


def test_dropin_keeps_other_content_and_only_the_last_assignment_gets_the_value():
    text = ('# local additions\nGRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=1G"\n'
            'GRUB_TIMEOUT=3\nGRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT mitigations=auto"\n')
    assert rewrite_cmdline_vars(text, DROPIN, ['crashkernel=256M']) == (
        '# local additions\nGRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT"\n'
        'GRUB_TIMEOUT=3\nGRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT mitigations=auto crashkernel=256M"\n')


def test_missing_dropin_is_created_only_when_there_is_a_value():
    assert plan_files({DROPIN: None}, ['crashkernel=256M']) == {
        DROPIN: 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M"\n'}
    assert plan_files({DROPIN: None}, []) == {DROPIN: None}


def test_crashkernel_elsewhere_in_grub_files_is_removed(fixture_text):
    grub = fixture_text('crashkernel/debian12_default_grub').replace(
        'GRUB_CMDLINE_LINUX="console=ttyS0,115200n8"', 'GRUB_CMDLINE_LINUX="console=ttyS0,115200n8 crashkernel=96M"')
    cloud = 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=512M"\n'
    afters = plan_files({DEFAULT_GRUB: grub, '/etc/default/grub.d/50-cloud.cfg': cloud,
                         DROPIN: fixture_text('crashkernel/debian12_kdump-tools.cfg')}, ['crashkernel=256M'])
    assert afters[DEFAULT_GRUB] == fixture_text('crashkernel/debian12_default_grub')
    assert afters['/etc/default/grub.d/50-cloud.cfg'] == 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT"\n'
    assert afters[DROPIN].endswith('crashkernel=256M"\n')


def test_default_grub_without_crashkernel_is_untouched(fixture_text):
    grub = fixture_text('crashkernel/debian12_default_grub')
    assert plan_files({DEFAULT_GRUB: grub}, ['crashkernel=256M']) == {DEFAULT_GRUB: grub}


@pytest.mark.parametrize('line', [
    "GRUB_CMDLINE_LINUX='crashkernel=1G quiet'\n",
    'GRUB_CMDLINE_LINUX="`cat /etc/cmdline` crashkernel=1G"\n',
], ids=['single-quotes', 'backquotes'])
def test_values_with_quoting_the_module_cannot_rewrite_are_errors(line):
    with pytest.raises(CrashkernelError, match='edit crashkernel= there by hand'):
        rewrite_cmdline_vars(line, DEFAULT_GRUB)


def test_grub_cfg_entries_with_recovery_and_submenu(fixture_text):
    entries = parse_grub_cfg(fixture_text('crashkernel/debian12_grub.cfg'))
    assert [(entry['index'], entry['title'], entry['crashkernel'], entry['recovery'], entry['default'])
            for entry in entries] == [
        (0, 'Debian GNU/Linux', '384M-:128M', False, True),
        (1, 'Debian GNU/Linux, with Linux 6.1.0-28-amd64', '384M-:128M', False, False),
        (2, 'Debian GNU/Linux, with Linux 6.1.0-28-amd64 (recovery mode)', None, True, False),
    ]
    assert entries[0]['kernel'] == '/boot/vmlinuz-6.1.0-28-amd64'
