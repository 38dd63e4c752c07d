# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    Platform,
    PlatformError,
    classify,
    parse_os_release,
    parse_rpm_version,
)

ROCKY_8 = 'NAME="Rocky Linux"\nVERSION="8.10 (Green Obsidian)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.10"\n'
ALMA_9 = 'NAME="AlmaLinux"\nVERSION="9.4 (Seafoam Ocelot)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n'
RHEL_9 = 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.3"\nPLATFORM_ID="platform:el9"\n'
STREAM_10 = 'NAME="CentOS Stream"\nVERSION="10 (Coughlan)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="10"\n'
FEDORA_41 = 'NAME="Fedora Linux"\nVERSION="41 (Server Edition)"\nID=fedora\nVERSION_ID=41\n'
DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n'
UBUNTU_2404 = 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n'


@pytest.mark.parametrize('os_release, tools, expected', [
    (ROCKY_8, dict(has_kdumpctl=True), ('el8', 8)),
    (ALMA_9, dict(has_kdumpctl=True), ('el9', 9)),
    (RHEL_9, dict(has_kdumpctl=True), ('el9', 9)),
    (STREAM_10, dict(has_kdumpctl=True, has_kdump_utils=True), ('el10', 10)),
    (STREAM_10, dict(), ('el10', 10)),
    (FEDORA_41, dict(has_kdumpctl=True, has_kdump_utils=True), ('el10', 41)),
    (FEDORA_41, dict(has_kdumpctl=True), ('el9', 41)),
    (DEBIAN_12, dict(has_kdump_config=True), ('debian', 12)),
    (UBUNTU_2404, dict(), ('debian', 24)),
    ('ID=someos\nVERSION_ID=3\n', dict(has_kdump_config=True), ('debian', 3)),
], ids=['rocky8-by-id-like', 'alma9-by-id-like', 'rhel9', 'stream10-kdump-utils', 'stream10-before-install',
        'fedora-with-kdump-utils', 'fedora-with-kexec-tools', 'debian12', 'ubuntu-by-id-like',
        'unknown-os-with-kdump-config'])
def test_classify_by_family_and_tools(os_release, tools, expected):
    assert classify(parse_os_release(os_release), **tools) == expected


def test_classify_unknown_host_names_the_platform_option():
    with pytest.raises(PlatformError, match='set platform'):
        classify(parse_os_release('ID=plan9\n'))


@pytest.mark.parametrize('out, expected', [('1.0.60', (1, 0, 60)), ('2.0.26', (2, 0, 26)),
                                           ('package kdump-utils is not installed\n', None), ('', None)])
def test_parse_rpm_version(out, expected):
    assert parse_rpm_version(out) == expected


@pytest.mark.parametrize('name, version, feature, expected', [
    ('el8', None, 'auto_reset_crashkernel', False),
    ('el9', None, 'auto_reset_crashkernel', True),
    ('el8', None, 'virtiofs', False),
    ('el10', (1, 0, 59), 'kdump_emergency', False),
    ('el10', (1, 0, 60), 'kdump_emergency', True),
    ('el10', None, 'kdump_emergency', False),
])
def test_features_per_platform(name, version, feature, expected):
    assert Platform(name, package_version=version).has_feature(feature) is expected


def test_unknown_platform_name_is_rejected():
    with pytest.raises(PlatformError):
        Platform('suse')
