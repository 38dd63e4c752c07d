# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Validation of the wanted value against platform and RAM, and the reboot verdict."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.plan import (
    assess_reboot,
    check_kernel_selector,
    reservation_warning,
    resolve_request,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import CrashkernelError

M, G = 1024 ** 2, 1024 ** 3
QEMU_2G = 2146954240  # /proc/iomem System RAM of a 2 GiB QEMU guest
EL9_DEFAULT = '1G-4G:192M,4G-64G:256M,64G-:512M'
EL10_DEFAULT = '2G-64G:256M,64G-:512M'
DEBIAN12_DEFAULT = '384M-:128M'
EL8_DEFAULT = '1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M'


def request(value='default', state='present', low=None, platform='el9', ram=QEMU_2G, default=EL9_DEFAULT,
            machine='x86_64'):
    family = 'debian' if platform == 'debian' else 'rhel'
    return resolve_request(state, value, low, platform, family, machine, ram, default)


def test_default_resolves_to_the_distribution_value_for_this_ram():
    wanted = request('default')
    assert wanted.value == EL9_DEFAULT
    assert wanted.effective_bytes == 192 * M and wanted.recommended_bytes == 192 * M
    assert not wanted.custom and wanted.warnings == []
    assert wanted.args == ['crashkernel=' + EL9_DEFAULT]


def test_explicit_size_above_the_default_is_custom_without_warning():
    wanted = request('256M', platform='debian', default=DEBIAN12_DEFAULT)
    assert (wanted.value, wanted.effective_bytes, wanted.recommended_bytes) == ('256M', 256 * M, 128 * M)
    assert wanted.custom and wanted.warnings == []


def test_size_below_the_default_for_this_ram_is_a_warning_not_an_error():
    wanted = request('96M', platform='debian', default=DEBIAN12_DEFAULT)
    assert wanted.value == '96M'
    assert len(wanted.warnings) == 1
    assert 'less than the distribution default 384M-:128M (128M for this RAM)' in wanted.warnings[0]


def test_auto_is_accepted_on_el8_and_resolved_with_the_rhel8_kernel_table():
    wanted = request('auto', platform='el8', default=EL8_DEFAULT)
    assert wanted.value == 'auto' and wanted.effective_bytes == 160 * M and not wanted.warnings


@pytest.mark.parametrize('platform', ['el9', 'el10', 'debian'])
def test_auto_outside_el8_is_an_error_that_says_why(platform):
    with pytest.raises(CrashkernelError, match='only understood by RHEL 8 kernels'):
        request('auto', platform=platform)


@pytest.mark.parametrize('value, ram, message', [
    ('2G-64G:256M', int(1.5 * G), 'reserves nothing on this host: its RAM is 1536M'),
    ('default', 1536 * M, 'reserves nothing'),
    ('1100M', QEMU_2G, r'reserves 1100M, more than half of this host\'s RAM \(2047.5M \(counted as 2G'),
    ('1G-:1100M', QEMU_2G, 'more than half'),
    ('1G-4G', QEMU_2G, 'has no size'),
    ('4G-1G:128M', QEMU_2G, 'is empty'),
], ids=['range-below-ram', 'el10-default-on-1.5G', 'size-half-of-ram', 'range-above-half', 'malformed-range',
        'unordered-range'])
def test_values_that_cannot_work_on_this_host_are_errors(value, ram, message):
    with pytest.raises(CrashkernelError, match=message):
        request(value, platform='el10', ram=ram, default=EL10_DEFAULT)


def test_exactly_half_of_ram_is_allowed():
    assert request('1G', ram=2 * G).effective_bytes == G


def test_high_with_low_counts_both_against_half_of_ram():
    wanted = request('512M,high', low='256M', platform='debian', ram=4 * G, default=DEBIAN12_DEFAULT)
    assert wanted.args == ['crashkernel=512M,high', 'crashkernel=256M,low']
    with pytest.raises(CrashkernelError, match='plus 1G low, more than half'):
        request('512M,high', low='1G', platform='debian', ram=2 * G, default=DEBIAN12_DEFAULT)


@pytest.mark.parametrize('value, low, platform, message', [
    ('256M', '128M', 'debian', 'needs a "<size>,high" value'),
    ('512M,high', '128M', 'el9', 'not supported yet on the RHEL family'),
    ('512M,high', '12Q', 'debian', 'low size'),
    ('512M,high', '0', 'debian', 'reserves 0 bytes'),
], ids=['low-without-high', 'low-on-rhel', 'low-malformed', 'low-zero'])
def test_low_errors(value, low, platform, message):
    with pytest.raises(CrashkernelError, match=message):
        request(value, low=low, platform=platform, ram=8 * G, default=DEBIAN12_DEFAULT)


def test_default_without_a_known_value_is_an_error():
    with pytest.raises(CrashkernelError, match='no distribution default is known'):
        request('default', default=None, machine='riscv64')


def test_absent_wants_no_arguments_and_rejects_low():
    assert request(state='absent').args == []
    with pytest.raises(CrashkernelError, match='only used with state=present'):
        request(state='absent', low='128M')


def test_unknown_ram_skips_the_ram_checks_with_a_warning():
    wanted = request('2G-64G:256M', ram=None)
    assert wanted.effective_bytes is None
    assert 'could not be read' in wanted.warnings[0]


@pytest.mark.parametrize('kernel', ['ALL', 'DEFAULT', '/boot/vmlinuz-6.1.0-28-amd64', '5.14.0-362.el9.x86_64'])
def test_kernel_selectors_that_are_accepted(kernel):
    assert check_kernel_selector(kernel) == kernel


@pytest.mark.parametrize('kernel', ['', 'two words'])
def test_kernel_selectors_that_are_rejected(kernel):
    with pytest.raises(CrashkernelError, match='is not ALL, DEFAULT'):
        check_kernel_selector(kernel)


WHERE = 'the default boot entry (/boot/vmlinuz-6.1.0-28-amd64)'


@pytest.mark.parametrize('next_value, next_low, running, running_low, reserved, required, reason', [
    ('256M', None, '256M', None, 256 * M, False, None),
    ('256M', None, '262144K', None, 256 * M, False, None),
    (None, None, None, None, 0, False, None),
    ('256M', None, '384M-:128M', None, 128 * M, True,
     WHERE + ' has crashkernel=256M but the running kernel was booted with crashkernel=384M-:128M and reserved 128M'),
    ('256M', None, None, None, 0, True,
     WHERE + ' has crashkernel=256M but the running kernel was booted without crashkernel= and reserved no memory'),
    (None, None, '256M', None, 256 * M, True,
     WHERE + ' has no crashkernel= but the running kernel was booted with crashkernel=256M and reserved 256M'),
    ('512M,high', '128M', '512M,high', None, 512 * M, True,
     WHERE + ' has crashkernel=512M,high crashkernel=128M,low but the running kernel was booted with '
             'crashkernel=512M,high and reserved 512M'),
    ('256M', None, '192M', None, None, True,
     WHERE + ' has crashkernel=256M but the running kernel was booted with crashkernel=192M'),
], ids=['same', 'same-in-other-units', 'both-absent', 'changed-size', 'added', 'removed', 'low-added',
        'reservation-unknown'])
def test_reboot_verdict_and_reason(next_value, next_low, running, running_low, reserved, required, reason):
    assert assess_reboot(next_value, next_low, running, running_low, reserved, WHERE) == (required, reason)


def test_a_reservation_smaller_than_asked_is_a_warning():
    warning = reservation_warning('256M', 0, QEMU_2G, 'x86_64')
    assert 'crashkernel=256M, which means 256M on this host, but it reserved 0' in warning
    assert reservation_warning('256M', 256 * M, QEMU_2G, 'x86_64') is None
    assert reservation_warning(DEBIAN12_DEFAULT, 128 * M, QEMU_2G, 'x86_64') is None
    assert reservation_warning(None, 0, QEMU_2G, 'x86_64') is None
