# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""RHEL family boot entries: grubby --info=ALL parsing, $kernelopts, entry selection, template files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader_grubby import (
    DEFAULT_GRUB,
    KERNEL_CMDLINE,
    annotate_entries,
    parse_grubby_info,
    parse_grubenv,
    plan_template_files,
    select_entries,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import CrashkernelError

EL9_DEFAULT = '1G-4G:192M,4G-64G:256M,64G-:512M'
EL8_MID = '5b8d9e2c1a7f4e3d9c6b0a1f2e3d4c5b'


def entries_of(fixture_text, name, default_kernel=None, grubenv=None):
    entries = parse_grubby_info(fixture_text('crashkernel/' + name))
    env = parse_grubenv(fixture_text('crashkernel/' + grubenv)) if grubenv else {}
    return annotate_entries(entries, env, default_kernel)


@pytest.mark.parametrize('name, kernels, crashkernel', [
    ('el8_grubby_info_all.txt', ['/boot/vmlinuz-4.18.0-513.5.1.el8_9.x86_64',
                                 '/boot/vmlinuz-4.18.0-477.27.1.el8_8.x86_64',
                                 '/boot/vmlinuz-0-rescue-' + EL8_MID], ['auto', 'auto', 'auto']),
    ('el9_grubby_info_all.txt', ['/boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64',
                                 '/boot/vmlinuz-5.14.0-284.30.1.el9_2.x86_64',
                                 '/boot/vmlinuz-0-rescue-2f1e0d9c8b7a46a5b4c3d2e1f0a9b8c7'], [EL9_DEFAULT] * 3),
    ('el10_grubby_info_all.txt', ['/boot/vmlinuz-6.12.0-55.12.1.el10_0.x86_64',
                                  '/boot/vmlinuz-0-rescue-8c7b6a5f4e3d42c1b0a9f8e7d6c5b4a3'],
     ['2G-64G:256M,64G-:512M'] * 2),
], ids=['rhel8', 'rhel9', 'rhel10'])
def test_grubby_info_all_gives_each_entry_and_its_crashkernel(fixture_text, name, kernels, crashkernel):
    entries = entries_of(fixture_text, name)
    assert [entry['kernel'] for entry in entries] == kernels
    assert [entry['crashkernel'] for entry in entries] == crashkernel
    assert [entry['index'] for entry in entries] == list(range(len(kernels)))
    assert entries[0]['title'].startswith('Red Hat Enterprise Linux (')
    assert entries[0]['root'] == '/dev/mapper/rhel-root'


def test_rhel8_tuned_params_left_unexpanded_are_ignored(fixture_text):
    entry = entries_of(fixture_text, 'el8_grubby_info_all.txt')[0]
    assert entry['args'].endswith('$tuned_params')
    assert entry['crashkernel_args'] == ['crashkernel=auto']


def test_rhel8_kernelopts_are_expanded_from_grubenv_per_entry(fixture_text):
    entries = entries_of(fixture_text, 'el8_grubby_info_all_kernelopts.txt', grubenv='el8_grubenv')
    # entry 0 was updated alone earlier: its literal args win over kernelopts
    assert [entry['crashkernel'] for entry in entries] == ['256M', 'auto', 'auto']


def test_rhel8_kernelopts_without_grubenv_mean_no_known_crashkernel(fixture_text):
    entries = entries_of(fixture_text, 'el8_grubby_info_all_kernelopts.txt')
    assert [entry['crashkernel'] for entry in entries] == ['256M', None, None]


def test_grubenv_padding_is_not_a_variable(fixture_text):
    env = parse_grubenv(fixture_text('crashkernel/el8_grubenv'))
    assert env['kernelopts'].startswith('root=/dev/mapper/rhel-root ro crashkernel=auto ')
    assert set(env) == set(['saved_entry', 'kernelopts', 'boot_success'])


def test_default_entry_follows_grubby_default_kernel(fixture_text):
    entries = entries_of(fixture_text, 'el9_grubby_info_all.txt',
                         default_kernel='/boot/vmlinuz-5.14.0-284.30.1.el9_2.x86_64')
    assert [entry['default'] for entry in entries] == [False, True, False]
    entries = entries_of(fixture_text, 'el9_grubby_info_all.txt', default_kernel=None)
    assert [entry['default'] for entry in entries] == [True, False, False]


@pytest.mark.parametrize('kernel, indexes', [
    ('ALL', [0, 1, 2]),
    ('DEFAULT', [1]),
    ('/boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64', [0]),
    ('5.14.0-284.30.1.el9_2.x86_64', [1]),
], ids=['all', 'default', 'path', 'release'])
def test_kernel_selects_entries(fixture_text, kernel, indexes):
    entries = entries_of(fixture_text, 'el9_grubby_info_all.txt',
                         default_kernel='/boot/vmlinuz-5.14.0-284.30.1.el9_2.x86_64')
    assert [entry['index'] for entry in select_entries(entries, kernel)] == indexes


@pytest.mark.parametrize('kernel', ['/boot/vmlinuz-5.14.0-1.el9.x86_64', '5.14.0-1.el9.x86_64', '5.14.0'],
                         ids=['unknown-path', 'unknown-release', 'release-prefix-is-not-enough'])
def test_unknown_kernel_is_an_error_listing_the_known_ones(fixture_text, kernel):
    entries = entries_of(fixture_text, 'el9_grubby_info_all.txt')
    with pytest.raises(CrashkernelError, match='matches no boot entry; grubby lists: /boot/vmlinuz-5.14.0-362'):
        select_entries(entries, kernel)


def test_template_files_get_the_new_value_and_keep_everything_else(fixture_text):
    grub = fixture_text('crashkernel/el9_default_grub')
    cmdline = fixture_text('crashkernel/el9_kernel_cmdline')
    afters, warnings = plan_template_files({DEFAULT_GRUB: grub, KERNEL_CMDLINE: cmdline}, ['crashkernel=256M'])
    assert warnings == []
    assert afters[DEFAULT_GRUB] == grub.replace(
        'GRUB_CMDLINE_LINUX="crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rhel-swap '
        'rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet"',
        'GRUB_CMDLINE_LINUX="resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet '
        'crashkernel=256M"')
    assert afters[KERNEL_CMDLINE] == ('root=/dev/mapper/rhel-root ro resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root '
                                      'rd.lvm.lv=rhel/swap rhgb quiet crashkernel=256M\n')


def test_template_files_already_right_are_left_byte_for_byte(fixture_text):
    grub = fixture_text('crashkernel/el9_default_grub')
    cmdline = fixture_text('crashkernel/el9_kernel_cmdline')
    afters, _warnings = plan_template_files({DEFAULT_GRUB: grub, KERNEL_CMDLINE: cmdline},
                                            ['crashkernel=' + EL9_DEFAULT])
    assert afters == {DEFAULT_GRUB: grub, KERNEL_CMDLINE: cmdline}


def test_absent_kernel_cmdline_stays_absent_and_removal_empties_crashkernel(fixture_text):
    grub = fixture_text('crashkernel/el9_default_grub')
    afters, _warnings = plan_template_files({DEFAULT_GRUB: grub, KERNEL_CMDLINE: None}, [])
    assert KERNEL_CMDLINE not in afters
    assert 'crashkernel' not in afters[DEFAULT_GRUB]
    assert 'GRUB_DISTRIBUTOR="$(sed \'s, release .*$,,g\' /etc/system-release)"' in afters[DEFAULT_GRUB]


def test_grub_cmdline_with_shell_expansion_is_left_with_a_warning():
    grub = 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX_EXTRA crashkernel=auto"\n'
    afters, warnings = plan_template_files({DEFAULT_GRUB: grub, KERNEL_CMDLINE: None}, ['crashkernel=256M'])
    assert afters[DEFAULT_GRUB] == grub
    assert 'uses shell quoting or expansion' in warnings[0]
