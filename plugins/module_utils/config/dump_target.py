# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the next dump will go, as the kdump configuration says.

``summarize_rhel(conf_text, mounts)`` reads ``/etc/kdump.conf``;
``summarize_debian(defaults_text)`` reads ``/etc/default/kdump-tools``.  Both
return the same dict:

* ``type``: ``local`` (no target; the root filesystem), a filesystem type
  (``xfs``, ``ext4``...), ``nfs``, ``ssh``, ``raw``, ``virtiofs``,
  ``ftp`` (Debian) or ``dracut-mount`` (a ``dracut_args --mount``);
* ``location``: the target's device, export or ``user@host`` (None for local);
* ``path``: the dump directory as configured (default ``/var/crash``);
* ``core_collector`` and ``dump_level`` (the first ``-d`` level, or None);
* ``local_dir``: the directory on this host where captures appear, or None
  when they go elsewhere (remote targets, raw devices, an unmounted
  filesystem target) - free space and vmcores can then not be checked here.

``read_dump_target(platform)`` does the file reading for a module.

``parse_ssh_location(location)`` splits an ssh target ``user@host`` and
refuses what kdump would hand to ssh as something else than a user and a
host: an empty part, whitespace, or a part starting with ``-`` (ssh would read
``-oProxyCommand=...`` as an option).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_dir import (
    PROC_MOUNTS,
    dump_dir_path,
    parse_proc_mounts,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import PlatformError, probe_platform
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_debian import (
    DEFAULT_CONFIG_FILE as DEBIAN_CONFIG_FILE,
    DEFAULT_COREDIR,
    DEFAULT_MAKEDUMP_ARGS,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_rhel import (
    DEFAULT_CONFIG_FILE as RHEL_CONFIG_FILE,
    DEFAULT_PATH,
    TARGET_DIRECTIVES,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.kdump_conf import KdumpConf
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import (  # noqa: F401 pylint: disable=unused-import
    FS_TARGET_TYPES,
    SSH_LOCATION_FORM,
    parse_ssh_location,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import ShellVarsFile

# The collector kdumpctl's capture uses when kdump.conf has no core_collector line.
RHEL_DEFAULT_COLLECTOR = 'makedumpfile -l --message-level 7 -d 31'
_DUMP_LEVEL = re.compile(r'(?:^|\s)-d\s*(\d+)')


def dump_level_of(collector):
    """The (first) ``-d`` level of a makedumpfile command line, or None."""
    match = _DUMP_LEVEL.search(collector or '')
    return int(match.group(1)) if match else None


def summarize_rhel(conf_text, mounts):
    """Target summary of a kdump.conf text; ``mounts`` from ``parse_proc_mounts``."""
    conf = KdumpConf.parse(conf_text or '')
    path = conf.get('path') or DEFAULT_PATH
    collector = conf.get('core_collector') or RHEL_DEFAULT_COLLECTOR
    summary = {'type': 'local', 'location': None, 'path': path, 'core_collector': collector,
               'dump_level': dump_level_of(collector), 'local_dir': path}
    targets = [(name, value) for name, value in conf.directives() if name in TARGET_DIRECTIVES]
    if targets:
        name, value = targets[0]
        summary.update(type=name, location=value, local_dir=None)
        if name in FS_TARGET_TYPES:
            summary['local_dir'] = dump_dir_path(path, value, mounts)
    elif '--mount' in (conf.get('dracut_args') or ''):
        summary.update(type='dracut-mount', location=conf.get('dracut_args'), local_dir=None)
    return summary


def summarize_debian(defaults_text):
    """Target summary of an ``/etc/default/kdump-tools`` text."""
    values = ShellVarsFile.parse(defaults_text or '').as_dict()
    path = values.get('KDUMP_COREDIR') or DEFAULT_COREDIR
    collector = 'makedumpfile %s' % (values.get('MAKEDUMP_ARGS') or DEFAULT_MAKEDUMP_ARGS)
    summary = {'type': 'local', 'location': None, 'path': path, 'core_collector': collector,
               'dump_level': dump_level_of(collector), 'local_dir': path}
    for key, kind in (('SSH', 'ssh'), ('NFS', 'nfs'), ('FTP', 'ftp')):
        if values.get(key):
            summary.update(type=kind, location=values[key], local_dir=None)
            break
    return summary


def _mounts():
    text = read_text(PROC_MOUNTS)
    return parse_proc_mounts(text) if text else []


def read_dump_target(platform, config_file=None):
    """Target summary of this host (see the module docstring) plus ``config_file`` read."""
    if platform.family == 'debian':
        config_file = config_file or DEBIAN_CONFIG_FILE
        summary = summarize_debian(read_text(config_file))
    else:
        config_file = config_file or RHEL_CONFIG_FILE
        summary = summarize_rhel(read_text(config_file), _mounts())
    summary['config_file'] = config_file
    return summary


def configured_local_dir(platform, config_file=None):
    """``(directory, None)`` for the local directory the kdump configuration
    saves captures in, or ``(None, why)`` when the captures go elsewhere."""
    target = read_dump_target(platform, config_file)
    if target['local_dir'] is None:
        return None, 'dumps go to %s target %s (%s), not to a directory on this host' % (
            target['type'], target['location'] or target['path'], target['config_file'])
    return target['local_dir'], None


def local_dump_dir(module, path=None, config_file=None, platform='auto'):
    """``(directory, None)``: ``path`` when given, else the local directory the host's kdump
    configuration saves captures in; ``(None, why)`` when neither names one."""
    if path:
        return path, None
    try:
        found = probe_platform(module, platform)
    except PlatformError as error:
        return None, '%s; or give path' % error
    directory, why_not = configured_local_dir(found, config_file)
    if directory is None:
        return None, '%s; give path' % why_not
    return directory, None
