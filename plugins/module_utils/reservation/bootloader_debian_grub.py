# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Debian family: ``crashkernel=`` through GRUB's configuration, the kdump-tools way.

kdump-tools installs ``/etc/default/grub.d/kdump-tools.cfg``::

    GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M"

``grub-mkconfig`` (``update-grub``) sources ``/etc/default/grub`` and then
``/etc/default/grub.d/*.cfg`` as shell and writes ``/boot/grub/grub.cfg``.
``GRUB_CMDLINE_LINUX_DEFAULT`` goes to the normal entries only, not to the
recovery entries - as kdump-tools intends.

This backend keeps the value in that drop-in (other lines stay as they are)
and removes ``crashkernel=`` from every other ``GRUB_CMDLINE_LINUX*``
assignment in ``/etc/default/grub`` and the other drop-ins, so exactly one
place decides it.  ``state=absent`` leaves the drop-in's line without
``crashkernel=``.  ``update-grub`` runs when a file changed or when
``grub.cfg``'s first entry does not carry the wanted value (a stale
``grub.cfg``).  ``configured`` is read from ``grub.cfg``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os
import re

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.plan import plan_entries
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    crashkernel_fields,
    has_exactly,
    replace_crashkernel,
    split_args,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import make_diff, read_text, write_text
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import split_assignment

DROPIN = '/etc/default/grub.d/kdump-tools.cfg'
DEFAULT_GRUB = '/etc/default/grub'
GRUB_D_GLOB = '/etc/default/grub.d/*.cfg'
GRUB_CFG = '/boot/grub/grub.cfg'
DROPIN_KEY = 'GRUB_CMDLINE_LINUX_DEFAULT'
GRUB_CMDLINE_KEYS = ('GRUB_CMDLINE_LINUX', 'GRUB_CMDLINE_LINUX_DEFAULT')
_MENUENTRY = re.compile(r'''^\s*menuentry\s+(?:'([^']*)'|"([^"]*)")''')
_LINUX = re.compile(r'^\s*linux(?:efi|16)?\s+(\S+)\s*(.*)$')
_UNSAFE = '"\\`'


def _render(key, value, old_line):
    ending = old_line[len(old_line.rstrip('\r\n')):] or '\n'
    indent = old_line[:len(old_line) - len(old_line.lstrip(' \t'))]
    export = 'export ' if old_line.lstrip(' \t').startswith('export') else ''
    return '%s%s%s="%s"%s' % (indent, export, key, value, ending)


def rewrite_cmdline_vars(text, path, new_args=None):
    """``text`` with ``crashkernel=`` removed from every ``GRUB_CMDLINE_LINUX*`` assignment.

    With ``new_args`` (the drop-in), the last ``GRUB_CMDLINE_LINUX_DEFAULT``
    assignment gets them appended; a missing one is added as
    ``GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT <args>"``.
    Raises ``CrashkernelError`` for a value the module cannot rewrite safely.
    """
    lines = (text or '').splitlines(True)
    last_default = None
    for number, line in enumerate(lines):
        parsed = split_assignment(line)
        if parsed and parsed[0] == DROPIN_KEY:
            last_default = number
    for number, line in enumerate(lines):
        parsed = split_assignment(line)
        if not parsed or parsed[0] not in GRUB_CMDLINE_KEYS:
            continue
        key, value = parsed
        add = list(new_args) if new_args is not None and number == last_default else []
        if has_exactly(value, add):
            continue
        wanted = replace_crashkernel(value, add)
        if any(character in value for character in _UNSAFE) or "'" in line.split('=', 1)[1]:
            raise CrashkernelError('%s line %d (%s) uses quoting this module does not rewrite; edit crashkernel= '
                                   'there by hand' % (path, number + 1, line.strip()))
        lines[number] = _render(key, wanted, line)
    if new_args and last_default is None:
        if lines and not lines[-1].endswith('\n'):
            lines[-1] += '\n'
        lines.append('%s="$%s %s"\n' % (DROPIN_KEY, DROPIN_KEY, ' '.join(new_args)))
    return ''.join(lines)


def parse_grub_cfg(text):
    """``grub.cfg`` -> list of entries (``index``, ``title``, ``kernel``, ``args``, ``recovery``)."""
    entries = []
    title = None
    for line in (text or '').splitlines():
        menu = _MENUENTRY.match(line)
        if menu:
            title = menu.group(1) if menu.group(1) is not None else menu.group(2)
            continue
        linux = _LINUX.match(line)
        if linux:
            args = linux.group(2)
            entries.append({'index': len(entries), 'title': title, 'kernel': linux.group(1), 'args': args,
                            'recovery': 'recovery mode' in (title or '') or 'single' in split_args(args)})
    for entry in entries:
        entry.update(crashkernel_fields(split_args(entry['args'])))
        entry['default'] = entry['index'] == 0
    return entries


def plan_files(texts, new_args, dropin=DROPIN):
    """New texts (path -> text) for the drop-in and the other GRUB files.

    ``texts``: path -> current text (None = absent).  A missing drop-in is
    created only when there is something to put in it.
    """
    afters = {}
    for path, text in texts.items():
        if path == dropin:
            if text is None and not new_args:
                afters[path] = None
                continue
            afters[path] = rewrite_cmdline_vars(text, path, new_args)
        else:
            afters[path] = None if text is None else rewrite_cmdline_vars(text, path)
    return afters


class DebianGrubBootloader(object):
    """Read and change crashkernel= on Debian/Ubuntu through the kdump-tools grub drop-in."""

    name = 'debian-grub'

    def __init__(self, module, machine, dropin=DROPIN):
        self.module = module
        self.machine = machine
        self.dropin = dropin

    def _paths(self):
        paths = [DEFAULT_GRUB] + sorted(glob.glob(GRUB_D_GLOB))
        if self.dropin not in paths:
            paths.append(self.dropin)
        return paths

    def read(self):
        if self.machine == 's390x':
            raise CrashkernelError('s390x (zipl) is not supported yet by this module')
        return parse_grub_cfg(read_text(GRUB_CFG))

    def plan(self, entries, new_args, kernel):
        if kernel not in ('ALL', 'DEFAULT'):
            raise CrashkernelError('kernel: %s: on Debian the value lives in GRUB\'s %s and applies to every kernel; '
                                   'use ALL' % (kernel, self.dropin))
        wanted = list(new_args)
        befores = dict((path, read_text(path)) for path in self._paths())
        afters = plan_files(befores, wanted, self.dropin)
        files = dict((path, (befores[path], afters[path])) for path in afters if afters[path] != befores[path])
        changes = []
        for path in sorted(files):
            if path == self.dropin:
                changes.append('%s: %s' % (path, 'set ' + ' '.join(wanted) if wanted else 'crashkernel= removed'))
            else:
                changes.append('%s: crashkernel= removed so that %s alone decides it' % (path, self.dropin))
        # Recovery entries do not get GRUB_CMDLINE_LINUX_DEFAULT, so they keep what they have.
        planned = plan_entries(
            entries, wanted, changes,
            changing=lambda entry: not entry['recovery'] and entry['crashkernel_args'] != wanted,
            label=lambda entry: 'grub.cfg entry %d (%s)' % (entry['index'], entry['title']))
        stale = bool(entries) and entries[0]['crashkernel_args'] != wanted
        update_grub = bool(files) or stale
        if stale and not files:
            changes.append('%s does not match the GRUB configuration files; update-grub regenerates it' % GRUB_CFG)
        return {'entries': planned, 'before_entries': entries, 'files': files, 'args': wanted,
                'update_grub': update_grub, 'changes': changes, 'warnings': [], 'changed': update_grub,
                'kernel': kernel}

    def _update_grub(self):
        update_grub = self.module.get_bin_path('update-grub')
        if update_grub:
            argv = [update_grub]
        else:
            mkconfig = self.module.get_bin_path('grub-mkconfig')
            if not mkconfig:
                raise CrashkernelError('neither update-grub nor grub-mkconfig is installed')
            argv = [mkconfig, '-o', GRUB_CFG]
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            raise CrashkernelError('%s failed (rc=%s): %s' % (os.path.basename(argv[0]), rc, (err or out).strip()))

    def apply(self, plan, backup=False):
        diffs = []
        backup_files = {}
        entries = plan['entries']
        for path in sorted(plan['files']):
            before, after = plan['files'][path]
            written = write_text(self.module, path, after, before, backup=backup)
            diffs.append(written['diff'])
            if written['backup_file']:
                backup_files[path] = written['backup_file']
        if plan['update_grub'] and not self.module.check_mode:
            grub_before = read_text(GRUB_CFG)
            self._update_grub()
            grub_after = read_text(GRUB_CFG)
            entries = parse_grub_cfg(grub_after)
            if grub_after != grub_before and not plan['files']:
                diffs.append(make_diff(GRUB_CFG, grub_before, grub_after))
            if entries and entries[0]['crashkernel_args'] != plan['args']:
                self.module.warn('after update-grub, %s entry 0 still has %s; another GRUB setting adds '
                                 'crashkernel=' % (GRUB_CFG, ' '.join(entries[0]['crashkernel_args']) or 'none'))
        return {'entries': entries, 'diffs': diffs, 'backup_files': backup_files}
