# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Package versions from rpm and dpkg-query output."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.service.packages import (
    PACKAGES,
    missing_packages,
    parse_dpkg_query,
    parse_rpm_query,
)


def test_rpm_versions_and_absent_package(fixture_text):
    assert parse_rpm_query(fixture_text('kdump_status/rpm_query.txt'), PACKAGES['rhel']) == {
        'kexec-tools': '2.0.26-8.el9', 'kdump-utils': '1.0.54-1.el10', 'makedumpfile': None}


def test_dpkg_on_debian12(fixture_text):
    assert parse_dpkg_query(fixture_text('kdump_status/dpkg_query_debian12.txt'), PACKAGES['debian']) == {
        'kdump-tools': '1:1.8.1', 'kexec-tools': '1:2.0.25-3+deb12u3', 'makedumpfile': '1:1.7.2-1'}


def test_dpkg_counts_only_installed_packages(fixture_text):
    assert parse_dpkg_query(fixture_text('kdump_status/dpkg_query.txt'), PACKAGES['debian']) == {
        'kdump-tools': '1:1.8.1', 'kexec-tools': '1:2.0.25-3+b1', 'makedumpfile': None}


@pytest.mark.parametrize('family, versions, has_tool, missing', [
    ('debian', {'kdump-tools': '1:1.8.1', 'kexec-tools': '1:2.0.25', 'makedumpfile': '1:1.7.2-1'}, True, []),
    ('debian', {'kdump-tools': None, 'kexec-tools': '1:2.0.25', 'makedumpfile': None}, False,
     ['kdump-tools', 'makedumpfile']),
    ('rhel', {'kexec-tools': '2.0.26-8.el9', 'kdump-utils': None, 'makedumpfile': None}, True, []),
    # EL10: kexec-tools no longer brings kdumpctl.
    ('rhel', {'kexec-tools': '2.0.29-1.el10', 'kdump-utils': None, 'makedumpfile': None}, False, ['kdump-utils']),
    ('rhel', {'kexec-tools': None, 'kdump-utils': None, 'makedumpfile': None}, False, ['kexec-tools']),
])
def test_missing_packages(family, versions, has_tool, missing):
    assert missing_packages(family, versions, has_tool) == missing
