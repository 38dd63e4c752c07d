# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The distributions' recommended ``crashkernel=`` values.

The host's own tool is asked first (``kdumpctl get-default-crashkernel``,
which exists on RHEL 9 and later and includes per-machine additions such as
the AMD SME/SEV and arm64 64k-page increments).  When the tool cannot answer
(RHEL 8 has no such subcommand, Debian has none at all) these tables stand in;
they are the values the packages ship:

* RHEL 8: what ``crashkernel=auto`` means to the RHEL 8 kernel (the same
  strings RHEL 8's ``kdumpctl estimate`` uses as its baseline).
* RHEL 9 (kexec-tools) and RHEL 10 (kdump-utils, which moved the x86_64 floor
  from 1G to 2G and the arm64 one likewise).
* Debian: the grub drop-in ``kdump-tools`` installs; amd64 and everything
  except arm64/ppc64el share one value, which went from ``384M-:128M`` to
  ``512M-:192M`` in kdump-tools 1:1.9.

Keys of the tables are ``uname -m`` machine names.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    parse_crashkernel,
)

_PPC64LE = '2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G'

EL8_AUTO = {
    'x86_64': '1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M',
    's390x': '1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M',
    'aarch64': '2G-:448M',
    'ppc64le': _PPC64LE,
}
EL9 = {
    'x86_64': '1G-4G:192M,4G-64G:256M,64G-:512M',
    's390x': '1G-4G:192M,4G-64G:256M,64G-:512M',
    'aarch64': '1G-4G:256M,4G-64G:320M,64G-:576M',
    'ppc64le': _PPC64LE,
}
EL10 = {
    'x86_64': '2G-64G:256M,64G-:512M',
    's390x': '2G-64G:256M,64G-:512M',
    'aarch64': '2G-4G:256M,4G-64G:320M,64G-:576M',
    'ppc64le': _PPC64LE,
}
_DEBIAN_LARGE_PAGES = '2G-4G:320M,4G-32G:512M,32G-64G:1024M,64G-128G:2048M,128G-:4096M'
DEBIAN_BEFORE_1_9 = {'aarch64': _DEBIAN_LARGE_PAGES, 'ppc64le': _DEBIAN_LARGE_PAGES, None: '384M-:128M'}
DEBIAN_1_9 = {'aarch64': _DEBIAN_LARGE_PAGES, 'ppc64le': _DEBIAN_LARGE_PAGES, None: '512M-:192M'}
DEBIAN_NEW_DEFAULT_VERSION = (1, 1, 9)

TABLES = {'el8': EL8_AUTO, 'el9': EL9, 'el10': EL10}


def parse_debian_version(text):
    """``'1:1.8.1+b1'`` -> ``(1, 1, 8, 1)`` (epoch first, 0 when absent); None if unreadable."""
    text = (text or '').strip()
    if not text:
        return None
    epoch, _sep, rest = text.rpartition(':')
    match = re.match(r'(\d+(?:\.\d+)*)', rest)
    if not match or (epoch and not epoch.isdigit()):
        return None
    return (int(epoch or 0),) + tuple(int(part) for part in match.group(1).split('.'))


def table_default(platform_name, machine, kdump_tools_version=None, os_major=None):
    """The recommended value from the tables, or None for an unknown architecture.

    On Debian the kdump-tools package version decides; without it, the OS
    major release (13 and later ship kdump-tools 1:1.9 or newer).
    """
    if platform_name == 'debian':
        if kdump_tools_version is not None:
            newer = kdump_tools_version >= DEBIAN_NEW_DEFAULT_VERSION
        else:
            newer = os_major is not None and os_major >= 13
        table = DEBIAN_1_9 if newer else DEBIAN_BEFORE_1_9
        return table.get(machine, table[None])
    return TABLES[platform_name].get(machine)


def parse_default_output(text):
    """Output of ``kdumpctl get-default-crashkernel`` -> the value, or None when it is not one."""
    value = (text or '').strip()
    if not value or len(value.split()) != 1:
        return None
    try:
        parse_crashkernel(value)
    except CrashkernelError:
        return None
    return value


def distro_default(module, platform, machine):
    """``(value, source)`` of the distribution's recommendation for this host.

    ``source`` says where it came from, for the result.  ``value`` is None
    when neither the tool nor the tables know the architecture.
    """
    if platform.family == 'rhel':
        kdumpctl = platform.tool_path or module.get_bin_path('kdumpctl')
        if kdumpctl:
            rc, out, _err = module.run_command([kdumpctl, 'get-default-crashkernel'])
            value = parse_default_output(out) if rc == 0 else None
            if value:
                return value, 'kdumpctl get-default-crashkernel'
        value = table_default(platform.name, machine)
        return value, 'built-in table for %s %s' % (platform.name, machine)
    version = None
    dpkg_query = module.get_bin_path('dpkg-query')
    if dpkg_query:
        rc, out, _err = module.run_command([dpkg_query, '-W', '-f=${Version}', 'kdump-tools'],
                                           expand_user_and_vars=False)
        version = parse_debian_version(out) if rc == 0 else None
    value = table_default('debian', machine, kdump_tools_version=version, os_major=platform.major)
    return value, 'kdump-tools %s grub drop-in default for %s' % (
        'package' if version else 'release', machine)
