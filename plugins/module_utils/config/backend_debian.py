# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Debian family backend: settings -> ``/etc/default/kdump-tools``.

Pure: it receives the file text and returns a ``Plan``.

How kdump-tools uses the file (kdump-config, kdump-tools.service and
kdump-tools-dump.service): it is sourced as shell by ``kdump-config`` and read
as ``EnvironmentFile=`` by systemd, so values are written ``KEY="value"``
without ``"``, ``\\``, ``$`` or backquotes.  The capture kernel boots the
real root filesystem and reads the file again at dump time, so the dump
settings (``KDUMP_COREDIR``, ``SSH``, ``NFS``, ``MAKEDUMP_ARGS``...) need no
rebuild; only the settings used when loading the crash kernel
(``LOAD_TIME_KEYS``) need ``kdump-config reload``, reported as
``reload_required``.  ``rebuild_required`` is always false.

``KDUMP_CMDLINE_APPEND``: kdump-config uses the built-in default
(``reset_devices systemd.unit=kdump-tools-dump.service`` plus per-arch tokens)
only when the variable is unset or empty; a value in the file *replaces* it.
``commandline_append`` therefore merges into the current value, or into the
built-in default when the file has none, so the capture boot keeps
``systemd.unit=kdump-tools-dump.service``.  ``capture_panic_timeout`` takes
the same path and adds ``panic=<n>`` (the built-in default has none, so a
capture kernel that panics would wait forever) unless a ``panic=`` is
already there.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import (
    SAFE_VALUE,
    ShellVarsFile,
    check_value,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import (
    FileChange,
    Plan,
    SettingsError,
    add_capture_panic,
    check_ssh_location,
    compose_makedumpfile_args,
    makedumpfile_args,
    merge_tokens,
    reject_unsupported,
    structured_collector_given,
)

DEFAULT_CONFIG_FILE = '/etc/default/kdump-tools'
DEFAULT_COREDIR = '/var/crash'
DEFAULT_MAKEDUMP_ARGS = '-F -c -d 31'
_CMDLINE_APPEND_BASE = 'reset_devices systemd.unit=kdump-tools-dump.service'
# Per-architecture additions from the kdump-tools package build (keyed by uname -m).
_CMDLINE_APPEND_ARCH = {
    'aarch64': 'nr_cpus=1',
    'ppc64le': 'maxcpus=1 irqpoll noirqdistrib usbcore.nousb',
}
_CMDLINE_APPEND_OTHER = 'nr_cpus=1 irqpoll usbcore.nousb'

# Variables kdump-config reads from /etc/default/kdump-tools.
KNOWN_KEYS = ('USE_KDUMP', 'KDUMP_KERNEL', 'KDUMP_INITRD', 'KDUMP_COREDIR', 'KDUMP_FAIL_CMD',
              'KDUMP_DUMP_DMESG', 'KDUMP_NUM_DUMPS', 'KDUMP_COMPRESSION', 'MAKEDUMP_ARGS',
              'KDUMP_KEXEC_ARGS', 'KDUMP_CMDLINE', 'KDUMP_CMDLINE_APPEND', 'HOSTTAG', 'NFS', 'NFS_TIMEO',
              'NFS_RETRANS', 'NFS_MOUNT_RETRY', 'FTP', 'FTP_USER', 'FTP_PASSWORD', 'FTP_PORT', 'SSH',
              'SSH_KEY', 'SSH_KDUMP_RETRY')
LOAD_TIME_KEYS = ('USE_KDUMP', 'KDUMP_KERNEL', 'KDUMP_INITRD', 'KDUMP_KEXEC_ARGS', 'KDUMP_CMDLINE',
                  'KDUMP_CMDLINE_APPEND')
# Package plumbing kept by ``exclusive`` unless given in ``directives``.
PLUMBING_KEYS = ('USE_KDUMP', 'KDUMP_KERNEL', 'KDUMP_INITRD')
REMOTE_KEYS = ('SSH', 'NFS', 'FTP')
FAIL_COMMANDS = {'reboot': 'reboot -f', 'halt': 'halt -f', 'poweroff': 'poweroff -f'}
PARAMETER_KEYS = {'path': 'KDUMP_COREDIR', 'sshkey': 'SSH_KEY', 'failure_action': 'KDUMP_FAIL_CMD',
                  'commandline_append': 'KDUMP_CMDLINE_APPEND', 'capture_panic_timeout': 'KDUMP_CMDLINE_APPEND',
                  'core_collector': 'MAKEDUMP_ARGS', 'dump_level': 'MAKEDUMP_ARGS', 'compression': 'MAKEDUMP_ARGS',
                  'message_level': 'MAKEDUMP_ARGS', 'target': 'SSH/NFS'}

_WHY = 'kdump-tools has no equivalent'
UNSUPPORTED = {
    'dracut_args': 'kdump-tools builds its initrd with initramfs-tools, not dracut',
    'extra_modules': _WHY, 'extra_bins': _WHY, 'kdump_pre': _WHY, 'kdump_post': _WHY,
    'fence_kdump_args': _WHY, 'fence_kdump_nodes': _WHY, 'force_rebuild': _WHY,
    'force_no_rebuild': _WHY, 'auto_reset_crashkernel': _WHY,
    'commandline_remove': 'kdump-tools only appends to the kdump command line (KDUMP_CMDLINE_APPEND)',
}


def default_cmdline_append(machine):
    """kdump-config's built-in KDUMP_CMDLINE_APPEND for ``uname -m`` ``machine``."""
    return '%s %s' % (_CMDLINE_APPEND_BASE, _CMDLINE_APPEND_ARCH.get(machine, _CMDLINE_APPEND_OTHER))


def _check_supported(settings):
    reject_unsupported(settings, UNSUPPORTED, 'debian')
    target = settings.get('target')
    if target and target['type'] not in ('local', 'ssh', 'nfs'):
        raise SettingsError("target.type: %r cannot be honoured on platform debian (kdump-tools dumps to a local "
                            "directory, over ssh or to nfs); allowed: local, ssh, nfs" % target['type'])
    if settings.get('failure_action') not in (None,) + tuple(FAIL_COMMANDS):
        raise SettingsError('failure_action: %r cannot be honoured on platform debian (kdump-tools runs '
                            'KDUMP_FAIL_CMD after a failed dump); allowed: %s'
                            % (settings['failure_action'], ', '.join(sorted(FAIL_COMMANDS))))
    if settings.get('final_action') not in (None, 'reboot'):
        raise SettingsError('final_action: %r cannot be honoured on platform debian (kdump-tools always '
                            'reboots after saving the dump); allowed: reboot' % settings['final_action'])
    for key in settings['directives']:
        if key not in KNOWN_KEYS:
            raise SettingsError('directives: %r is not a kdump-tools variable; allowed: %s'
                                % (key, ', '.join(KNOWN_KEYS)))
        owners = [name for name, owned in PARAMETER_KEYS.items()
                  if key in owned.split('/') and settings.get(name) is not None]
        if owners:
            raise SettingsError('directives: %r duplicates the %s option; give it once' % (key, owners[0]))


def _cmdline_append_base(settings, current, machine):
    """The KDUMP_CMDLINE_APPEND the options are merged into: the file's value,
    or kdump-config's built-in default when the file has none (and always with
    ``exclusive``)."""
    base = current.get('KDUMP_CMDLINE_APPEND')
    if settings.get('exclusive') or not base:
        base = default_cmdline_append(machine)
    return base


def _desired(settings, current, machine, warnings):
    """Dict of key -> value (None = unset) for the given settings; warnings are appended to ``warnings``."""
    desired = {'USE_KDUMP': '1'}
    target = settings.get('target')
    if target is not None:
        for key in REMOTE_KEYS:
            desired[key] = None
        if target['type'] == 'ssh':
            desired['SSH'] = target['location']
        elif target['type'] == 'nfs':
            desired['NFS'] = target['location']
    if settings.get('path') is not None:
        desired['KDUMP_COREDIR'] = settings['path']
    if settings.get('sshkey') is not None:
        desired['SSH_KEY'] = settings['sshkey']
    if settings.get('failure_action') is not None:
        desired['KDUMP_FAIL_CMD'] = FAIL_COMMANDS[settings['failure_action']]
    if settings.get('core_collector') is not None:
        args = makedumpfile_args(settings['core_collector'])
        if args is None:
            raise SettingsError('core_collector: %r cannot be honoured on platform debian (kdump-tools always '
                                'runs makedumpfile and takes only its arguments); allowed: a makedumpfile command'
                                % settings['core_collector'])
        desired['MAKEDUMP_ARGS'] = ' '.join(['-F'] + [arg for arg in args if arg != '-F'])
    elif structured_collector_given(settings):
        existing = (current.get('MAKEDUMP_ARGS') or DEFAULT_MAKEDUMP_ARGS).split()
        desired['MAKEDUMP_ARGS'] = ' '.join(compose_makedumpfile_args(
            existing, settings.get('compression'), settings.get('dump_level'), settings.get('message_level'),
            flatten=True))
    if settings.get('commandline_append') is not None:
        desired['KDUMP_CMDLINE_APPEND'] = merge_tokens(_cmdline_append_base(settings, current, machine),
                                                       settings['commandline_append'])
    panic_seconds = settings.get('capture_panic_timeout')
    if panic_seconds is not None:
        append = desired.get('KDUMP_CMDLINE_APPEND') or _cmdline_append_base(settings, current, machine)
        desired['KDUMP_CMDLINE_APPEND'] = add_capture_panic('KDUMP_CMDLINE_APPEND', append, panic_seconds, warnings)
    desired.update(settings['directives'])
    return desired


def _parameter_of(settings, key, character):
    """The parameter that set ``key`` - the one whose own value holds ``character`` when several did."""
    if key in settings['directives']:
        return 'directives.%s' % key
    owners = sorted(name for name, owned in PARAMETER_KEYS.items()
                    if key in owned.split('/') and settings.get(name) is not None)
    for name in owners:
        if character in str(settings[name]):
            return name
    return owners[0] if owners else key


def plan_debian(settings, config_file, config_text, machine):
    """Build the ``Plan`` for a Debian-family host (``machine`` = ``uname -m``)."""
    _check_supported(settings)
    shell_vars = ShellVarsFile.parse(config_text or '')
    foreign = shell_vars.foreign_lines()
    if foreign:
        raise SettingsError('config_file %s: line %r is not a KEY=value assignment; is this a kdump-tools '
                            'defaults file (platform debian)?' % (config_file, foreign[0]))
    before = shell_vars.as_dict()
    warnings = []
    desired = _desired(settings, before, machine, warnings)
    for key in sorted(desired):
        value = desired[key]
        if value is None:
            shell_vars.unset(key)
            continue
        bad = check_value(value)
        if bad:
            raise SettingsError('%s: %r contains %r, which cannot be written to %s for both the shell and systemd '
                                '(as %s); allowed: %s'
                                % (_parameter_of(settings, key, bad), value, bad, config_file, key, SAFE_VALUE))
        shell_vars.set(key, value)
    if settings.get('exclusive'):
        keep = set(key for key, value in desired.items() if value is not None)
        keep.update(key for key in PLUMBING_KEYS if key in before)
        shell_vars.keep_only(keep)
    after = shell_vars.as_dict()
    remotes = [key for key in REMOTE_KEYS if after.get(key)]
    if len(remotes) > 1:
        raise SettingsError('%s: more than one dump target (%s); kdump-tools uses one'
                            % (config_file, ', '.join(remotes)))
    if after.get('SSH'):
        check_ssh_location(after['SSH'], '%s: SSH' % config_file)
    change = FileChange(config_file, config_text, shell_vars.render())
    reload_required = any(before.get(key) != after.get(key) for key in LOAD_TIME_KEYS)
    dump_dir = None if remotes else {'path': after.get('KDUMP_COREDIR') or DEFAULT_COREDIR, 'device': None}
    return Plan([change], after, rebuild_required=False, reload_required=reload_required, dump_dir=dump_dir,
                warnings=warnings)
