# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Parsing the kdump tools' size estimates."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.estimate import (
    parse_kdump_config_show,
    parse_kdumpctl_estimate,
)


def test_el9_estimate_is_parsed(fixture_text):
    estimate = parse_kdumpctl_estimate(fixture_text('crashkernel/el9_kdumpctl_estimate.txt'))
    assert estimate['source'] == 'kdumpctl estimate'
    assert (estimate['recommended'], estimate['reserved']) == ('192M', '192M')
    assert estimate['details']['kernel_image_size'] == '47M'
    assert estimate['details']['runtime_reservation'] == '64M'
    assert estimate['details']['large_modules'] == []
    assert 'warning' not in estimate['details']


def test_estimate_with_large_modules_and_a_warning(fixture_text):
    estimate = parse_kdumpctl_estimate(fixture_text('crashkernel/el10_kdumpctl_estimate_low.txt'))
    assert (estimate['recommended'], estimate['reserved']) == ('256M', '160M')
    assert estimate['details']['large_modules'] == ['xfs: 2318336', 'nvme_core: 1662976']
    assert estimate['details']['warning'] == 'Current crashkernel size is lower than recommended size 256M.'


def test_estimate_failure_text_is_not_an_estimate():
    assert parse_kdumpctl_estimate('kdump: kdumpctl estimate: kdump initramfs is not built yet.\n') is None


def test_kdump_config_show_suggested_size():
    text = ('DUMP_MODE:\t\tkdump\nUSE_KDUMP:\t\t1\nKDUMP_COREDIR:\t\t/var/crash\ncrashkernel addr: 0x77000000\n'
            'current state:    ready to kdump\ncrashkernel suggested size: 224M\n')
    assert parse_kdump_config_show(text) == ({'source': 'kdump-config show', 'recommended': '224M',
                                              'reserved': None, 'details': {}}, None)


def test_kdump_config_show_without_estimator_gives_a_reason():
    estimate, reason = parse_kdump_config_show('DUMP_MODE:\t\tkdump\ncurrent state:    ready to kdump\n')
    assert estimate is None and 'no "crashkernel suggested size"' in reason
    estimate, reason = parse_kdump_config_show('crashkernel suggested size: Unknown (no kdump initrd)\n')
    assert estimate is None and 'Unknown (no kdump initrd)' in reason
