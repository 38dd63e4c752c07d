# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which kdump platform a host is: the one place that decides it.

Public API (reused by every module of the collection)::

    platform = probe_platform(module, requested='auto')
    platform.name          # 'el8' | 'el9' | 'el10' | 'debian'
    platform.family        # 'rhel' | 'debian'
    platform.major         # int major release from os-release VERSION_ID, or None
    platform.backend       # 'kdumpctl' | 'kdump-config'
    platform.tool_path     # path of kdumpctl / kdump-config, or None when absent
    platform.package_version  # (1, 0, 60)-style tuple of kdump-utils, or None
    platform.has_feature('auto_reset_crashkernel')  # see FEATURES below

``requested`` other than ``'auto'`` is taken as given (no probing at all), so
tests and users can force a platform.  ``auto`` decides from os-release
``ID``/``ID_LIKE``/``VERSION_ID`` and which tools are installed - never from a
list of distribution names: Rocky, Alma, CentOS Stream, Oracle Linux and
Fedora are RHEL family because ``rhel``/``fedora`` is in ``ID_LIKE`` (or is
the ``ID``); Ubuntu because ``debian`` is in its ``ID_LIKE``.

The pure helpers ``parse_os_release``, ``classify`` and
``parse_rpm_version`` take text and return plain values; they are what the
unit tests exercise.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

PLATFORMS = ('el8', 'el9', 'el10', 'debian')
# The 'platform' option of every module (documented by the crashdump.kdump.platform doc fragment).
PLATFORM_ARGUMENT_SPEC = dict(type='str', default='auto', choices=['auto'] + list(PLATFORMS))
OS_RELEASE_PATHS = ('/etc/os-release', '/usr/lib/os-release')
_RHEL_FAMILY_IDS = frozenset(['rhel', 'fedora', 'centos'])
_DEBIAN_FAMILY_IDS = frozenset(['debian', 'ubuntu'])

# kdump.conf features per platform, as shipped by the oldest supported minor
# release of each (EL8 = kexec-tools 2.0.26-8.el8, EL9 = 2.0.26-8.el9,
# EL10 = kdump-utils).  EL8 spells the failure action 'default' (the
# spelling every EL8 minor accepts).  'kdump_emergency' needs kdump-utils >= 1.0.60 and is
# added by the probe when the installed package is new enough.
FEATURES = {
    'el8': frozenset(['failure_action_spelled_default']),
    'el9': frozenset(['auto_reset_crashkernel', 'virtiofs', 'reset-crashkernel']),
    'el10': frozenset(['auto_reset_crashkernel', 'virtiofs', 'reset-crashkernel',
                       'test', 'vmcore_creation_notification']),
    'debian': frozenset(),
}
KDUMP_EMERGENCY_MIN_VERSION = (1, 0, 60)


class PlatformError(Exception):
    """The platform could not be decided; the message says why."""


class Platform(object):
    """What the collection needs to know about a host's kdump implementation."""

    def __init__(self, name, major=None, tool_path=None, package_version=None):
        if name not in PLATFORMS:
            raise PlatformError('platform %r is not one of %s' % (name, ', '.join(PLATFORMS)))
        self.name = name
        self.family = 'debian' if name == 'debian' else 'rhel'
        self.backend = 'kdump-config' if name == 'debian' else 'kdumpctl'
        self.major = major
        self.tool_path = tool_path
        self.package_version = package_version
        features = set(FEATURES[name])
        if name == 'el10' and package_version and package_version >= KDUMP_EMERGENCY_MIN_VERSION:
            features.add('kdump_emergency')
        self.features = frozenset(features)

    def has_feature(self, feature):
        return feature in self.features

    def as_dict(self):
        return {
            'name': self.name, 'family': self.family, 'major': self.major,
            'backend': self.backend, 'tool_path': self.tool_path,
            'package_version': '.'.join(str(part) for part in self.package_version)
            if self.package_version else None,
            'features': sorted(self.features),
        }

    def __repr__(self):
        return 'Platform(%r, major=%r)' % (self.name, self.major)


def parse_os_release(text):
    """os-release text to a dict of unquoted values."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, raw = line.split('=', 1)
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in '"\'':
            raw = raw[1:-1]
        values[key.strip()] = raw
    return values


def _major(version_id):
    match = re.match(r'(\d+)', version_id or '')
    return int(match.group(1)) if match else None


def classify(os_release, has_kdumpctl=False, has_kdump_config=False, has_kdump_utils=False):
    """Decide the platform name from os-release values and installed tools.

    Returns ``(name, major)``; raises ``PlatformError`` when undecidable.
    """
    ids = set([os_release.get('ID', '').lower()])
    ids.update(os_release.get('ID_LIKE', '').lower().split())
    major = _major(os_release.get('VERSION_ID'))
    if ids & _DEBIAN_FAMILY_IDS or (has_kdump_config and not has_kdumpctl):
        return 'debian', major
    if ids & _RHEL_FAMILY_IDS or has_kdumpctl:
        if has_kdump_utils:
            return 'el10', major
        if os_release.get('ID', '').lower() == 'fedora':
            return 'el9', major
        if major is None:
            raise PlatformError('cannot tell the RHEL-family release: os-release has no VERSION_ID; '
                                'set platform to one of %s' % ', '.join(PLATFORMS))
        if major <= 8:
            return 'el8', major
        if major == 9:
            return 'el9', major
        return 'el10', major
    raise PlatformError('neither a RHEL-family nor a Debian-family host (os-release ID=%r ID_LIKE=%r) '
                        'and neither kdumpctl nor kdump-config is installed; set platform to one of %s'
                        % (os_release.get('ID', ''), os_release.get('ID_LIKE', ''), ', '.join(PLATFORMS)))


def parse_rpm_version(text):
    """``rpm -q --qf '%{VERSION}'`` output to a tuple of ints, or None."""
    match = re.match(r'\s*(\d+(?:\.\d+)*)', text or '')
    if not match:
        return None
    return tuple(int(part) for part in match.group(1).split('.'))


def _read_os_release():
    for path in OS_RELEASE_PATHS:
        try:
            with open(path) as handle:
                return parse_os_release(handle.read())
        except (IOError, OSError):
            continue
    return {}


def _kdump_utils_version(module):
    rpm = module.get_bin_path('rpm')
    if not rpm:
        return None
    rc, out, _err = module.run_command([rpm, '-q', '--qf', '%{VERSION}', 'kdump-utils'])
    return parse_rpm_version(out) if rc == 0 else None


def probe_platform(module, requested='auto'):
    """Return the ``Platform`` of the managed host.

    ``requested`` is the module's ``platform`` option; anything but
    ``'auto'`` is used as given.  Raises ``PlatformError``.
    """
    if requested != 'auto':
        return Platform(requested)
    kdumpctl = module.get_bin_path('kdumpctl')
    kdump_config = module.get_bin_path('kdump-config')
    os_release = _read_os_release()
    package_version = _kdump_utils_version(module) if kdumpctl else None
    name, major = classify(os_release, has_kdumpctl=bool(kdumpctl),
                           has_kdump_config=bool(kdump_config),
                           has_kdump_utils=package_version is not None)
    tool_path = kdump_config if name == 'debian' else kdumpctl
    return Platform(name, major=major, tool_path=tool_path, package_version=package_version)
