# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""RHEL family backend: settings -> ``/etc/kdump.conf`` + ``/etc/sysconfig/kdump``.

Pure: it receives file texts and returns a ``Plan``; the module does the I/O.

Rules it implements (kdumpctl ``parse_config``/``check_config`` and mkdumprd):

* directives are written ``name value`` at column 0, one per line;
* the accepted directive names depend on the release (``known_directives``);
* at most one dump target, counting a ``dracut_args --mount``;
* the failure action is spelled ``default`` on EL8 and ``failure_action``
  on EL9/EL10; a line with the other spelling is rewritten in place;
* for ``ssh``/``raw`` targets a makedumpfile collector needs ``-F``: added
  to a structured or kept collector, an error for a free-text one;
* ``rebuild_required`` when kdump.conf changes (kdumpctl rebuilds the kdump
  initramfs on restart), ``reload_required`` when only ``/etc/sysconfig/kdump``
  changes (the kexec command line is rebuilt on every load);
* ``capture_panic_timeout`` adds ``panic=<n>`` to ``KDUMP_COMMANDLINE_APPEND``
  unless a ``panic=`` is already there (the shipped defaults have
  ``panic=10``, so on an untouched file nothing changes).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.config.kdump_conf import KdumpConf
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import (
    SAFE_VALUE,
    ShellVarsFile,
    check_value,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import (
    FAILURE_ACTIONS,
    FINAL_ACTIONS,
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

DEFAULT_CONFIG_FILE = '/etc/kdump.conf'
DEFAULT_SYSCONFIG_FILE = '/etc/sysconfig/kdump'
DEFAULT_PATH = '/var/crash'
TARGET_DIRECTIVES = ('raw', 'nfs', 'ssh', 'ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'minix', 'virtiofs')
DEPRECATED_DIRECTIVES = ('net', 'options', 'link_delay', 'disk_timeout', 'debug_mem_level', 'blacklist')
_EL8_DIRECTIVES = ('path', 'core_collector', 'kdump_post', 'kdump_pre', 'extra_bins', 'extra_modules',
                   'failure_action', 'default', 'final_action', 'force_rebuild', 'force_no_rebuild',
                   'fence_kdump_args', 'fence_kdump_nodes', 'sshkey', 'dracut_args')
SYSCONFIG_KEYS = {'commandline_append': 'KDUMP_COMMANDLINE_APPEND',
                  'commandline_remove': 'KDUMP_COMMANDLINE_REMOVE'}
_SIMPLE_DIRECTIVES = ('path', 'sshkey', 'final_action', 'dracut_args', 'kdump_pre', 'kdump_post',
                      'fence_kdump_args')
_LIST_DIRECTIVES = ('extra_modules', 'extra_bins', 'fence_kdump_nodes')


def known_directives(platform):
    """Directive names the platform's kdumpctl accepts (targets included)."""
    names = set(_EL8_DIRECTIVES) | set(TARGET_DIRECTIVES)
    if not platform.has_feature('virtiofs'):
        names.discard('virtiofs')
    if platform.has_feature('auto_reset_crashkernel'):
        names.add('auto_reset_crashkernel')
    if platform.has_feature('kdump_emergency'):
        names.add('kdump_emergency')
    return names


def failure_action_spelling(platform):
    """``(name to write, other spelling to replace)``."""
    if platform.has_feature('failure_action_spelled_default'):
        return 'default', 'failure_action'
    return 'failure_action', 'default'


def _unsupported(platform):
    unsupported = {}
    if not platform.has_feature('auto_reset_crashkernel'):
        unsupported['auto_reset_crashkernel'] = 'its kdumpctl has no auto_reset_crashkernel directive'
    return unsupported


def _has_mount(dracut_args):
    return '--mount' in (dracut_args or '')


def _check_directive_names(settings, platform):
    known = known_directives(platform)
    for name in settings['directives']:
        if name in DEPRECATED_DIRECTIVES:
            raise SettingsError('directives: %r is a deprecated kdump.conf directive that kdumpctl rejects; '
                                'see kdump.conf(5) for its replacement' % name)
        if name == 'default':
            raise SettingsError("directives: 'default' is the old spelling of failure_action; "
                                'use the failure_action option (written as each release expects)')
        if name not in known:
            raise SettingsError('directives: %r is not a kdump.conf directive on platform %s; allowed: %s'
                                % (name, platform.name, ', '.join(sorted(known))))
        modelled = name in _SIMPLE_DIRECTIVES or name in _LIST_DIRECTIVES or name in (
            'core_collector', 'failure_action', 'auto_reset_crashkernel', 'force_rebuild', 'force_no_rebuild')
        if modelled and settings.get(name) is not None:
            raise SettingsError('directives: %r duplicates the %s option; give it once' % (name, name))


def _check_target_support(settings, platform):
    target = settings.get('target')
    if target and target['type'] == 'virtiofs' and not platform.has_feature('virtiofs'):
        raise SettingsError("target.type: 'virtiofs' cannot be honoured on platform %s (its kdumpctl has no "
                            'virtiofs target); allowed: %s'
                            % (platform.name, ', '.join(sorted(set(TARGET_DIRECTIVES) - set(['virtiofs'])))))


def _desired_directives(settings, platform):
    """Ordered list of ``(name, value)`` to set and names to remove."""
    to_set = []
    to_remove = set()
    target = settings.get('target')
    given_targets = [name for name in settings['directives'] if name in TARGET_DIRECTIVES]
    if target is not None and target['type'] != 'local':
        given_targets.append(target['type'])
    if _has_mount(settings.get('dracut_args')):
        given_targets.append('dracut_args --mount')
    if len(given_targets) > 1:
        raise SettingsError('target: more than one dump target given (%s); kdump accepts exactly one'
                            % ', '.join(given_targets))
    if target is not None or [name for name in given_targets if name in TARGET_DIRECTIVES]:
        to_remove.update(TARGET_DIRECTIVES)
        if target is not None and target['type'] != 'local':
            to_set.append((target['type'], target['location']))
    for name in _SIMPLE_DIRECTIVES:
        if settings.get(name) is not None:
            to_set.append((name, settings[name]))
    for name in _LIST_DIRECTIVES:
        if settings.get(name) is not None:
            to_set.append((name, ' '.join(settings[name])))
    if settings.get('core_collector') is not None:
        to_set.append(('core_collector', settings['core_collector']))
    if settings.get('failure_action') is not None:
        to_set.append(('failure_action', settings['failure_action']))
    for name in ('force_rebuild', 'force_no_rebuild'):
        if settings.get(name) is True:
            to_set.append((name, '1'))
        elif settings.get(name) is False:
            to_remove.add(name)
    if settings.get('auto_reset_crashkernel') is not None:
        to_set.append(('auto_reset_crashkernel', 'yes' if settings['auto_reset_crashkernel'] else 'no'))
    for name, value in settings['directives'].items():
        to_set.append((name, value))
    to_remove.difference_update(name for name, _value in to_set)
    return to_set, to_remove


def _apply_collector(conf, settings, target_type):
    """Structured collector and ``-F``; returns nothing, edits ``conf``."""
    needs_flat = target_type in ('ssh', 'raw')
    if settings.get('core_collector') is not None:
        args = makedumpfile_args(settings['core_collector'])
        if needs_flat and args is not None and '-F' not in args:
            raise SettingsError('core_collector: %r has no -F, which makedumpfile needs for a %s target '
                                '(mkdumprd rejects it); allowed: a makedumpfile command with -F, or '
                                'dump_level/compression/message_level' % (settings['core_collector'], target_type))
        return
    current = conf.get('core_collector')
    if structured_collector_given(settings):
        current_args = makedumpfile_args(current or '') or []
        args = compose_makedumpfile_args(current_args, settings.get('compression'), settings.get('dump_level'),
                                         settings.get('message_level'), flatten=needs_flat)
        conf.set('core_collector', ' '.join(['makedumpfile'] + args))
    elif needs_flat and current is not None:
        args = makedumpfile_args(current)
        if args is not None and '-F' not in args:
            conf.set('core_collector', ' '.join(['makedumpfile', '-F'] + args))


def validate_kdump_conf(conf, platform, config_file):
    """Everything kdumpctl checks on the final file; raises ``SettingsError``."""
    known = known_directives(platform)
    seen = set()
    targets = []
    where = 'config_file %s' % config_file
    for name, value in conf.directives():
        if name in DEPRECATED_DIRECTIVES:
            raise SettingsError('%s: directive %r is deprecated and rejected by kdumpctl' % (where, name))
        if name not in known:
            raise SettingsError('%s: directive %r is not known to kdumpctl on platform %s; allowed: %s'
                                % (where, name, platform.name, ', '.join(sorted(known))))
        if not value:
            raise SettingsError('%s: directive %r has an empty value' % (where, name))
        canonical = 'failure_action' if name == 'default' else name
        if canonical in seen:
            raise SettingsError('%s: directive %r is given more than once (failure_action and default count '
                                'as the same directive)' % (where, name))
        seen.add(canonical)
        if name in TARGET_DIRECTIVES:
            targets.append('%s %s' % (name, value))
        if name == 'dracut_args' and _has_mount(value):
            if value.count('--mount') > 1:
                raise SettingsError('%s: dracut_args %r has more than one --mount' % (where, value))
            targets.append('dracut_args --mount')
        if canonical == 'failure_action' and value not in FAILURE_ACTIONS:
            raise SettingsError('%s: failure_action %r is invalid; allowed: %s'
                                % (where, value, ', '.join(FAILURE_ACTIONS)))
        if name == 'final_action' and value not in FINAL_ACTIONS:
            raise SettingsError('%s: final_action %r is invalid; allowed: %s'
                                % (where, value, ', '.join(FINAL_ACTIONS)))
        if name in ('force_rebuild', 'force_no_rebuild') and value not in ('0', '1'):
            raise SettingsError('%s: %s %r is invalid; allowed: 0, 1' % (where, name, value))
        if name == 'auto_reset_crashkernel' and value not in ('yes', 'no'):
            raise SettingsError('%s: auto_reset_crashkernel %r is invalid; allowed: yes, no' % (where, value))
        if name == 'ssh':
            check_ssh_location(value, '%s: ssh' % where)
    if len(targets) > 1:
        raise SettingsError('%s: more than one dump target (%s); kdump accepts exactly one'
                            % (where, '; '.join(targets)))
    if conf.get('force_rebuild') == '1' and conf.get('force_no_rebuild') == '1':
        raise SettingsError('%s: force_rebuild and force_no_rebuild are both 1' % where)


def _check_fence_nodes(settings, host_identities):
    for node in settings.get('fence_kdump_nodes') or []:
        if node in host_identities:
            raise SettingsError('fence_kdump_nodes: %r names this host (its name or one of its addresses), '
                                'which kdumpctl rejects; allowed: the other cluster nodes' % node)


def _sysconfig_change(settings, sysconfig_file, sysconfig_text, warnings):
    managed = [name for name in ('commandline_append', 'commandline_remove', 'capture_panic_timeout')
               if settings.get(name) is not None]
    if not managed:
        return None
    if sysconfig_text is None:
        raise SettingsError('%s: %r cannot be applied because %s does not exist; is kdump installed?'
                            % (managed[0], settings[managed[0]], sysconfig_file))
    shell_vars = ShellVarsFile.parse(sysconfig_text)
    wanted = {}
    for name in ('commandline_append', 'commandline_remove'):
        if settings.get(name) is None:
            continue
        key = SYSCONFIG_KEYS[name]
        if settings.get('exclusive'):
            wanted[key] = (name, ' '.join(settings[name].split()))
        else:
            wanted[key] = (name, merge_tokens(shell_vars.get(key, ''), settings[name]))
    panic_seconds = settings.get('capture_panic_timeout')
    if panic_seconds is not None:
        key = SYSCONFIG_KEYS['commandline_append']
        name, append = wanted.get(key, ('capture_panic_timeout', shell_vars.get(key, '')))
        wanted[key] = (name, add_capture_panic(key, append, panic_seconds, warnings))
    for key in sorted(wanted):
        name, value = wanted[key]
        if shell_vars.get(key) == value:
            continue
        bad = check_value(value)
        if bad and name == 'capture_panic_timeout':
            raise SettingsError('capture_panic_timeout: panic=%d cannot be added to %s in %s: its current value %r '
                                'contains %r, which this module does not rewrite'
                                % (settings[name], key, sysconfig_file, shell_vars.get(key), bad))
        if bad:
            raise SettingsError('%s: %r contains %r, which cannot be written to %s safely; allowed: %s'
                                % (name, settings[name], bad, sysconfig_file, SAFE_VALUE))
        shell_vars.set(key, value)
    return FileChange(sysconfig_file, sysconfig_text, shell_vars.render())


def _dump_dir(conf):
    targets = [(name, value) for name, value in conf.directives() if name in TARGET_DIRECTIVES]
    path = conf.get('path', DEFAULT_PATH)
    if not targets:
        mount_args = conf.get('dracut_args', '')
        if _has_mount(mount_args):
            return None
        return {'path': path, 'device': None}
    name, value = targets[0]
    if name in ('ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'minix'):
        return {'path': path, 'device': value}
    return None


def plan_rhel(settings, platform, config_file, config_text, sysconfig_file=DEFAULT_SYSCONFIG_FILE,
              sysconfig_text=None, host_identities=()):
    """Build the ``Plan`` for a RHEL-family host.

    ``config_text`` is the current kdump.conf (None when absent: an empty
    file is assumed); ``sysconfig_text`` is read only when the command line
    options are given.  ``host_identities`` are this host's names and
    addresses (checked against ``fence_kdump_nodes``).
    """
    reject_unsupported(settings, _unsupported(platform), platform.name)
    _check_target_support(settings, platform)
    _check_directive_names(settings, platform)
    _check_fence_nodes(settings, host_identities)
    to_set, to_remove = _desired_directives(settings, platform)

    conf = KdumpConf.parse(config_text or '')
    failure_name, failure_other = failure_action_spelling(platform)
    for name in sorted(to_remove):
        conf.remove(name)
    for name, value in to_set:
        if name == 'failure_action':
            conf.set(failure_name, value, replaces=(failure_other,))
        else:
            conf.set(name, value)
    target_type = next((name for name, _value in conf.directives() if name in TARGET_DIRECTIVES), None)
    _apply_collector(conf, settings, target_type)
    if settings.get('exclusive'):
        keep = set(name for name, _value in to_set)
        if 'failure_action' in keep:
            keep.add(failure_name)
        if structured_collector_given(settings):
            keep.add('core_collector')
        conf.keep_only(keep)
    validate_kdump_conf(conf, platform, config_file)

    changes = [FileChange(config_file, config_text, conf.render())]
    warnings = []
    sysconfig = _sysconfig_change(settings, sysconfig_file, sysconfig_text, warnings)
    if sysconfig is not None:
        changes.append(sysconfig)
    rebuild_required = changes[0].changed
    reload_required = bool(sysconfig is not None and sysconfig.changed and not rebuild_required)
    return Plan(changes, conf.as_dict(), rebuild_required=rebuild_required,
                reload_required=reload_required, dump_dir=_dump_dir(conf), warnings=warnings)
