# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How much memory the capture kernel of this host is estimated to need.

* RHEL family: ``kdumpctl estimate`` prints to stdout::

      Reserved crashkernel:    256M
      Recommended crashkernel: 192M

      Kernel image size:   47M
      Kernel modules size: 8M
      Initramfs size:      20M
      Runtime reservation: 64M
      Large modules: <none>

  optionally followed by ``WARNING: Current crashkernel size is lower than
  recommended size <N>M.``  RHEL 8/9 fail with "kdump initramfs is not built
  yet" before the first ``kdumpctl start``; kdump-utils (RHEL 10) builds the
  initramfs first when needed, so it is not run in check mode there.
* Debian family: ``kdump-config show`` prints ``crashkernel suggested size:
  <N>M`` (or ``Unknown (<reason>)``) with kdump-tools versions that have the
  memory estimator.

Either way the result is ``(estimate dict, None)`` or ``(None, reason)``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

_KEY = re.compile(r'[^a-z0-9]+')


def _key(label):
    return _KEY.sub('_', label.strip().lower()).strip('_')


def parse_kdumpctl_estimate(text):
    """``kdumpctl estimate`` stdout -> dict, or None when it has no recommendation."""
    estimate = {}
    large_modules = []
    in_large_modules = False
    for line in (text or '').splitlines():
        stripped = line.strip()
        if not stripped:
            in_large_modules = False
            continue
        if stripped.startswith('WARNING:'):
            estimate['warning'] = stripped[len('WARNING:'):].strip()
            continue
        if in_large_modules and line[:1].isspace():
            large_modules.append(stripped)
            continue
        if ':' not in stripped:
            continue
        label, value = stripped.split(':', 1)
        key = _key(label)
        value = value.strip()
        if key == 'large_modules':
            in_large_modules = True
            if value and value != '<none>':
                large_modules.append(value)
            continue
        estimate[key] = value
    if 'recommended_crashkernel' not in estimate:
        return None
    estimate['large_modules'] = large_modules
    return {
        'source': 'kdumpctl estimate',
        'recommended': estimate.pop('recommended_crashkernel'),
        'reserved': estimate.pop('reserved_crashkernel', None),
        'details': estimate,
    }


def parse_kdump_config_show(text):
    """``kdump-config show`` stdout -> ``(estimate, reason)``."""
    match = re.search(r'^crashkernel suggested size:\s*(.+?)\s*$', text or '', re.MULTILINE)
    if not match:
        return None, 'kdump-config show prints no "crashkernel suggested size" (kdump-tools without the estimator)'
    value = match.group(1)
    if not re.match(r'^\d+[KMG]$', value):
        return None, 'kdump-config show: crashkernel suggested size: %s' % value
    return {'source': 'kdump-config show', 'recommended': value, 'reserved': None, 'details': {}}, None


def run_estimate(module, platform):
    """Ask the host's kdump tool for its estimate; ``(estimate, reason)``."""
    if platform.family == 'rhel':
        kdumpctl = platform.tool_path or module.get_bin_path('kdumpctl')
        if not kdumpctl:
            return None, 'kdumpctl is not installed'
        if module.check_mode and platform.has_feature('test'):
            return None, 'kdumpctl estimate of kdump-utils may build the kdump initramfs, so it is not run in check mode'
        rc, out, err = module.run_command([kdumpctl, 'estimate'])
        estimate = parse_kdumpctl_estimate(out) if rc == 0 else None
        if estimate is None:
            reason = (err or out or '').strip().splitlines()
            return None, 'kdumpctl estimate (rc=%s): %s' % (rc, reason[-1] if reason else 'no recommendation printed')
        return estimate, None
    kdump_config = platform.tool_path or module.get_bin_path('kdump-config')
    if not kdump_config:
        return None, 'kdump-config is not installed'
    rc, out, err = module.run_command([kdump_config, 'show'])
    if rc != 0:
        return None, 'kdump-config show (rc=%s): %s' % (rc, (err or out or '').strip())
    return parse_kdump_config_show(out)
