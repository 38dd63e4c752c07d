# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Installed versions of the packages kdump is made of, per family.

``installed_versions(module, family)`` asks rpm or dpkg-query once and
returns ``{package: version or None}``; the ``parse_*`` functions take the
command output and are what the unit tests feed.  ``missing_packages`` says
what the install stage still has to install, so a configured host costs no
package manager run.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

PACKAGES = {
    'rhel': ('kexec-tools', 'kdump-utils', 'makedumpfile'),
    'debian': ('kdump-tools', 'kexec-tools', 'makedumpfile'),
}
# What a host of the family needs before kdump can be configured. The RHEL
# family needs kexec-tools and kdumpctl, which EL10 moved to kdump-utils:
# whether kdumpctl is there is probed, never decided by a release list.
REQUIRED = {
    'rhel': ('kexec-tools',),
    'debian': ('kdump-tools', 'kexec-tools', 'makedumpfile'),
}
RPM_FORMAT = '%{NAME} %{VERSION}-%{RELEASE}\\n'
DPKG_FORMAT = '${Package} ${Version} ${db:Status-Status}\\n'


def parse_rpm_query(text, names):
    """``rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\\n' <names>`` output; absent packages give None."""
    versions = dict((name, None) for name in names)
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] in versions:
            versions[fields[0]] = fields[1]
    return versions


def parse_dpkg_query(text, names):
    """``dpkg-query -W -f '${Package} ${Version} ${db:Status-Status}\\n' <names>`` output.

    Only packages whose status is ``installed`` count.
    """
    versions = dict((name, None) for name in names)
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] in versions and fields[2] == 'installed':
            versions[fields[0]] = fields[1]
    return versions


def installed_versions(module, family):
    names = PACKAGES[family]
    if family == 'rhel':
        rpm = module.get_bin_path('rpm')
        if not rpm:
            return dict((name, None) for name in names)
        _rc, out, _err = module.run_command([rpm, '-q', '--qf', RPM_FORMAT] + list(names))
        return parse_rpm_query(out, names)
    dpkg_query = module.get_bin_path('dpkg-query')
    if not dpkg_query:
        return dict((name, None) for name in names)
    _rc, out, _err = module.run_command([dpkg_query, '-W', '-f', DPKG_FORMAT] + list(names))
    return parse_dpkg_query(out, names)


def missing_packages(family, versions, has_tool):
    """Names of the packages kdump still needs on a host of ``family``.

    ``versions`` is ``installed_versions``' answer; ``has_tool`` whether the
    family's tool (kdumpctl, kdump-config) is on the host.  On the RHEL
    family a missing kdumpctl beside an installed kexec-tools means kdump-utils.
    """
    missing = [name for name in REQUIRED[family] if not versions.get(name)]
    if family == 'rhel' and not has_tool and not missing:
        missing.append('kdump-utils')
    return missing
