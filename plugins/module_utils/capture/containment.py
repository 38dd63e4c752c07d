# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Does a failed capture bring the host back by itself?  Three safeguards, as facts.

A capture can fail in three ways, and each has its own safeguard:

* the capture kernel panics (for example out of memory with a too small
  reservation): ``panic=<n>`` on its command line makes it reboot after
  ``n`` seconds.  Without it the host hangs until it is power-cycled.
  RHEL's shipped ``KDUMP_COMMANDLINE_APPEND`` has ``panic=10``; kdump-tools'
  built-in ``KDUMP_CMDLINE_APPEND`` has none.
* saving the dump fails: the failure action runs - kdump.conf
  ``failure_action`` (``default`` on EL8; kdumpctl's default is ``reboot``)
  or kdump-tools' ``KDUMP_FAIL_CMD`` (without it the init script runs
  ``reboot -f``).
* the capture kernel hangs without panicking: only a hardware watchdog that
  keeps running through the crash resets the host.  kdumpctl puts dracut's
  ``watchdog`` module and the drivers of ``/sys/class/watchdog/*`` into the
  kdump initramfs whenever a watchdog's ``state`` is ``active`` (unless
  ``dracut_args`` omits the module) and sets ``<driver>.pretimeout=0``;
  kdump-tools does nothing about watchdogs.  The software watchdog (softdog)
  is a timer of the crashed kernel and does not run in the capture kernel.

Each fact is a dict with ``in_place`` (True, False, or None when it cannot
be told) and a one-sentence ``detail``.  The functions taking texts are pure;
``read_watchdogs`` reads sysfs.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shlex

from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_debian import default_cmdline_append
from ansible_collections.crashdump.kdump.plugins.module_utils.config.kdump_conf import KdumpConf
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import find_panic
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import ShellVarsFile

WATCHDOG_CLASS_DIR = '/sys/class/watchdog'
SOFTWARE_WATCHDOG_IDENTITY = 'Software Watchdog'
# Arguments kdumpctl (prepare_cmdline) always drops from the inherited command line.
RHEL_ALWAYS_REMOVED = ('crashkernel', 'panic_on_warn', 'root', 'rd.lvm.lv', 'rd.luks.uuid', 'rd.dm.uuid',
                       'rd.md.uuid', 'fcoe', 'netroot', 'rd.iscsi.initiator', 'iscsi_initiator')
# Arguments kdump-config drops from /proc/cmdline (not from a KDUMP_CMDLINE of its own).
DEBIAN_REMOVED = ('crashkernel', 'hugepages', 'hugepagesz', 'abm')
RHEL_DEFAULT_FAILURE_ACTION = 'reboot'
RHEL_DEFAULT_FINAL_ACTION = 'reboot'
DEBIAN_DEFAULT_FAIL_CMD = 'reboot -f'
_SHELLS = ('sh', 'bash', 'dash', 'zsh', 'ash', 'busybox')


def _without(cmdline, keys):
    return ' '.join(token for token in (cmdline or '').split() if token.split('=', 1)[0] not in keys)


def _seconds(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def capture_panic_fact(append, append_source, base, base_source):
    """``panic=`` of the capture kernel: the appended arguments come last, so they win over the inherited ones.

    ``base`` is the inherited command line with kdump's removals applied, or
    None when it could not be read.  Returns ``value`` (seconds, or None),
    ``in_place``, ``source`` (where the ``panic=`` comes from) and ``detail``.
    """
    text, source = find_panic(append), append_source
    if text is None and base is not None:
        text, source = find_panic(base), base_source
    if text is None:
        if base is None:
            return {'value': None, 'in_place': None, 'source': None,
                    'detail': '%s has no panic= and the inherited command line (%s) could not be read'
                              % (append_source, base_source)}
        return {'value': None, 'in_place': False, 'source': None,
                'detail': 'the capture kernel command line has no panic= (neither %s nor %s): a capture kernel '
                          'that panics waits forever' % (append_source, base_source)}
    seconds = _seconds(text)
    if seconds is None:
        return {'value': None, 'in_place': False, 'source': source,
                'detail': 'panic=%s from %s is not a number of seconds' % (text, source)}
    if seconds == 0:
        return {'value': 0, 'in_place': False, 'source': source,
                'detail': 'panic=0 from %s makes a capture kernel that panics wait forever' % source}
    return {'value': seconds, 'in_place': True, 'source': source,
            'detail': 'panic=%d from %s reboots a capture kernel that panics %s'
                      % (seconds, source, 'at once' if seconds < 0 else 'after %d s' % seconds)}


def rhel_capture_panic(sysconfig_text, sysconfig_file, proc_cmdline):
    """``capture_panic_fact`` for kdumpctl: ``/etc/sysconfig/kdump`` and ``/proc/cmdline``."""
    values = ShellVarsFile.parse(sysconfig_text or '').as_dict()
    removed = set(RHEL_ALWAYS_REMOVED)
    removed.update(token.split('=', 1)[0] for token in (values.get('KDUMP_COMMANDLINE_REMOVE') or '').split())
    if values.get('KDUMP_COMMANDLINE'):
        base, base_source = values['KDUMP_COMMANDLINE'], 'KDUMP_COMMANDLINE in %s' % sysconfig_file
    else:
        base, base_source = proc_cmdline, '/proc/cmdline'
    return capture_panic_fact(values.get('KDUMP_COMMANDLINE_APPEND') or '',
                              'KDUMP_COMMANDLINE_APPEND in %s' % sysconfig_file,
                              None if base is None else _without(base, removed), base_source)


def debian_capture_panic(defaults_text, config_file, proc_cmdline, machine):
    """``capture_panic_fact`` for kdump-config: its effective ``KDUMP_CMDLINE_APPEND`` and ``/proc/cmdline``."""
    values = ShellVarsFile.parse(defaults_text or '').as_dict()
    if values.get('KDUMP_CMDLINE_APPEND'):
        append, append_source = values['KDUMP_CMDLINE_APPEND'], 'KDUMP_CMDLINE_APPEND in %s' % config_file
    else:
        append, append_source = default_cmdline_append(machine), "kdump-tools' built-in KDUMP_CMDLINE_APPEND"
    if values.get('KDUMP_CMDLINE'):
        base, base_source = values['KDUMP_CMDLINE'], 'KDUMP_CMDLINE in %s' % config_file
    else:
        base = None if proc_cmdline is None else _without(proc_cmdline, DEBIAN_REMOVED)
        base_source = '/proc/cmdline'
    return capture_panic_fact(append, append_source, base, base_source)


def rhel_failure_action(conf_text, config_file):
    """What kdumpctl's capture does when saving fails.

    Returns ``value``, ``configured``, ``setting``, ``in_place`` and ``detail``.
    """
    conf = KdumpConf.parse(conf_text or '')
    setting = 'failure_action' if conf.get('failure_action') is not None else 'default'
    value = conf.get(setting)
    configured = value is not None
    if not configured:
        setting, value = 'failure_action', RHEL_DEFAULT_FAILURE_ACTION
    where = '%s %s in %s' % (setting, value, config_file) if configured else 'kdumpctl\'s default failure_action reboot'
    final_action = conf.get('final_action') or RHEL_DEFAULT_FINAL_ACTION
    if value == 'reboot':
        in_place, effect = True, 'reboots the host when saving the dump fails'
    elif value == 'dump_to_rootfs':
        in_place = final_action == 'reboot'
        effect = ('saves the dump to the root filesystem when saving it fails, then runs final_action %s'
                  % final_action)
    elif value in ('halt', 'poweroff'):
        in_place, effect = False, 'leaves the host %s when saving the dump fails' % (
            'halted' if value == 'halt' else 'powered off')
    elif value == 'shell':
        in_place, effect = False, 'opens a shell on the console when saving the dump fails and waits there'
    else:
        in_place, effect = None, 'is not a failure action kdumpctl knows'
    return {'value': value, 'configured': configured, 'setting': setting, 'in_place': in_place,
            'detail': '%s %s' % (where, effect)}


def _fail_command_reboots(command):
    words = command.split()
    program = os.path.basename(words[0]) if words else ''
    if program == 'systemctl' and len(words) > 1:
        program = words[1]
    if program == 'reboot':
        return True
    if program == 'shutdown':
        return '-r' in words or '--reboot' in words
    if program in ('halt', 'poweroff') or program in _SHELLS:
        return False
    return None


def debian_failure_action(defaults_text, config_file):
    """What kdump-tools' capture does when saving fails (``KDUMP_FAIL_CMD``, else ``reboot -f``)."""
    command = ShellVarsFile.parse(defaults_text or '').as_dict().get('KDUMP_FAIL_CMD')
    if not command:
        return {'value': DEBIAN_DEFAULT_FAIL_CMD, 'configured': False, 'setting': 'KDUMP_FAIL_CMD', 'in_place': True,
                'detail': 'KDUMP_FAIL_CMD is not set, so kdump-tools runs reboot -f when saving the dump fails'}
    reboots = _fail_command_reboots(command)
    if reboots is None:
        effect = 'is not known to reboot the host'
    else:
        effect = 'reboots the host' if reboots else 'does not reboot the host'
    return {'value': command, 'configured': True, 'setting': 'KDUMP_FAIL_CMD', 'in_place': reboots,
            'detail': 'KDUMP_FAIL_CMD %r in %s %s when saving the dump fails' % (command, config_file, effect)}


def _read_attribute(directory, name):
    try:
        with open(os.path.join(directory, name)) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return None


def read_watchdogs(class_dir=WATCHDOG_CLASS_DIR):
    """The watchdog devices under ``/sys/class/watchdog``, sorted by name.

    Each: ``name``, ``identity``, ``state`` (``active``/``inactive``, None
    when the kernel has no sysfs attributes for watchdogs), ``timeout``
    (seconds or None) and ``hardware`` (False for the software watchdog).
    """
    try:
        names = sorted(os.listdir(class_dir))
    except OSError:
        return []
    devices = []
    for name in names:
        directory = os.path.join(class_dir, name)
        identity = _read_attribute(directory, 'identity')
        devices.append({'name': name, 'identity': identity, 'state': _read_attribute(directory, 'state'),
                        'timeout': _seconds(_read_attribute(directory, 'timeout')),
                        'hardware': identity != SOFTWARE_WATCHDOG_IDENTITY})
    return devices


def omits_dracut_module(dracut_args, module_name):
    """Whether kdump.conf ``dracut_args`` omits a dracut module (``-o``/``--omit``, one or several names)."""
    try:
        words = shlex.split(dracut_args or '')
    except ValueError:
        words = (dracut_args or '').split()
    for index, word in enumerate(words):
        if word in ('-o', '--omit') and index + 1 < len(words):
            omitted = words[index + 1]
        elif word.startswith('--omit='):
            omitted = word[len('--omit='):]
        else:
            continue
        if module_name in re.split(r'[^A-Za-z0-9_-]+', omitted):
            return True
    return False


def _describe(device):
    if device['identity']:
        return '%s (%s)' % (device['name'], device['identity'])
    return device['name']


def watchdog_fact(devices, family, dracut_args=None):
    """Is there a hardware watchdog that resets the host when the capture kernel hangs?

    Returns ``devices``, ``active`` (a hardware watchdog is running; None when
    the kernel does not say), ``used`` (kdump's tooling carries it into the
    capture), ``in_place`` and ``detail``.
    """
    hardware = [device for device in devices if device['hardware']]
    fact = {'devices': devices, 'active': False, 'used': False, 'in_place': False}
    if not hardware:
        fact['detail'] = ('only the software watchdog, which does not run in the capture kernel, so nothing resets '
                          'a capture kernel that hangs' if devices else
                          'no watchdog device under %s, so nothing resets a capture kernel that hangs'
                          % WATCHDOG_CLASS_DIR)
        return fact
    active = [device for device in hardware if device['state'] == 'active']
    if not active:
        if any(device['state'] is None for device in hardware):
            fact.update(active=None, in_place=None,
                        detail='the kernel does not tell whether %s is running (no state attribute)'
                               % ', '.join(_describe(device) for device in hardware))
        else:
            fact['detail'] = ('%s is not running and kdump starts no watchdog, so nothing resets a capture kernel '
                              'that hangs' % ', '.join(_describe(device) for device in hardware))
        return fact
    running = ', '.join('%s with a %s s timeout' % (_describe(device), device['timeout']) for device in active)
    fact['active'] = True
    if family == 'rhel' and not omits_dracut_module(dracut_args, 'watchdog'):
        fact.update(used=True, in_place=True,
                    detail='%s is running; kdumpctl puts its driver and dracut\'s watchdog module into the kdump '
                           'initramfs, so it keeps running in the capture kernel and resets the host when the '
                           'capture kernel stops servicing it' % running)
    elif family == 'rhel':
        fact.update(in_place=None,
                    detail='%s is running but dracut_args omits dracut\'s watchdog module, so the capture kernel '
                           'may not service it: it may reset the host before or during a capture' % running)
    else:
        fact.update(in_place=None,
                    detail='%s is running; kdump-tools does nothing about watchdogs, so whether it resets a hung '
                           'capture (or interrupts a long one) depends on whether the capture loads its driver'
                           % running)
    return fact


def assess_containment(family, config_text, config_file, sysconfig_text=None, sysconfig_file=None,
                       proc_cmdline=None, machine=None, watchdogs=()):
    """The ``containment`` fact of a host: ``capture_panic``, ``failure_action``, ``watchdog``, ``all_in_place``.

    ``all_in_place`` is True only when all three are True (None counts as not in place).
    """
    if family == 'debian':
        capture_panic = debian_capture_panic(config_text, config_file, proc_cmdline, machine)
        failure_action = debian_failure_action(config_text, config_file)
        watchdog = watchdog_fact(list(watchdogs), family)
    else:
        capture_panic = rhel_capture_panic(sysconfig_text, sysconfig_file, proc_cmdline)
        failure_action = rhel_failure_action(config_text, config_file)
        watchdog = watchdog_fact(list(watchdogs), family, KdumpConf.parse(config_text or '').get('dracut_args'))
    facts = {'capture_panic': capture_panic, 'failure_action': failure_action, 'watchdog': watchdog}
    facts['all_in_place'] = all(fact['in_place'] is True for fact in facts.values())
    return facts


def panic_warning_for(cmdline_append):
    """Warning text when a Debian capture kernel command line has no ``panic=``, else None."""
    if any(arg.startswith('panic=') for arg in (cmdline_append or '').split()):
        return None
    return ('KDUMP_CMDLINE_APPEND has no panic= argument: if the capture fails, the capture kernel hangs '
            'instead of rebooting; set capture_panic_timeout (for example 10) with crashdump.kdump.kdump_conf')


def panic_warning(platform, config_file):
    """``panic_warning_for`` the Debian defaults file; None on the RHEL family (its default has panic=10)."""
    if platform.family != 'debian':
        return None
    values = ShellVarsFile.parse(read_text(config_file) or '').as_dict()
    return panic_warning_for(values.get('KDUMP_CMDLINE_APPEND'))
