# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""RHEL family boot entries through ``grubby`` (BLS entries, GRUB 2).

How RHEL's grubby behaves (observed with grubby 8.40 on RHEL 8.9 and 9.3):

* ``grubby --info=ALL`` prints one block per entry - ``index=N``,
  ``kernel="..."``, ``args="..."``, ``root="..."``, ``initrd="..."``,
  ``title="..."``, ``id="..."`` - newest kernel first, rescue last.
* RHEL 8 entries say ``options $kernelopts``; grubby expands variables that
  are set in grubenv and leaves the others (``$tuned_params``) as they are.
  ``--update-kernel=ALL --args=...`` rewrites ``kernelopts`` in grubenv plus
  ``GRUB_CMDLINE_LINUX`` and creates ``/etc/kernel/cmdline``.  Updating one
  entry writes its expanded arguments literally into that entry, which then
  stops following ``$kernelopts`` - so the truth per entry is what ``--info``
  prints, never grubenv alone.
* RHEL 9/10 entries hold literal options; ``ALL`` updates rewrite every entry,
  ``/etc/default/grub`` and ``/etc/kernel/cmdline``.

With ``kernel=ALL`` this module also makes sure ``GRUB_CMDLINE_LINUX`` in
``/etc/default/grub`` and ``/etc/kernel/cmdline`` (when it exists) carry the
same value, so a kernel installed later inherits it, whatever grubby version
did or did not do.  A single entry (``DEFAULT``, a path, a release) changes
only that entry.

s390x (zipl) and OSTree systems (``rpm-ostree kargs``) are refused for now.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.plan import (
    entry_label,
    plan_entries,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    KERNEL_ARG,
    crashkernel_fields,
    has_exactly,
    replace_crashkernel,
    split_args,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import make_diff, read_text, write_text
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import ShellVarsFile

DEFAULT_GRUB = '/etc/default/grub'
KERNEL_CMDLINE = '/etc/kernel/cmdline'
GRUBENV_PATHS = ('/boot/grub2/grubenv', '/boot/efi/EFI/redhat/grubenv')
OSTREE_MARKER = '/run/ostree-booted'
GRUB_CMDLINE_KEYS = ('GRUB_CMDLINE_LINUX', 'GRUB_CMDLINE_LINUX_DEFAULT')
_INFO_LINE = re.compile(r'^([a-z_]+)=(.*)$')
_VARIABLE = re.compile(r'^\$([A-Za-z_][A-Za-z0-9_]*)$')


def _unquote(raw):
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1]
    return raw


def parse_grubby_info(text):
    """``grubby --info=ALL`` output -> list of entry dicts (``index`` is an int)."""
    entries = []
    current = None
    for line in (text or '').splitlines():
        match = _INFO_LINE.match(line.strip())
        if not match:
            continue
        key, raw = match.group(1), _unquote(match.group(2))
        if key == 'index':
            current = {'index': int(raw)} if raw.isdigit() else None
            if current is not None:
                entries.append(current)
        elif current is not None:
            current[key] = raw
    return [entry for entry in entries if entry.get('kernel')]


def parse_grubenv(text):
    """grubenv text -> dict (the file is ``key=value`` lines padded with ``#``)."""
    values = {}
    for line in (text or '').splitlines():
        if line.startswith('#') or '=' not in line:
            continue
        key, value = line.split('=', 1)
        values[key] = value
    return values


def expand_args(args, grubenv):
    """``args`` with whole-word ``$var`` arguments replaced from grubenv when set there."""
    expanded = []
    for arg in split_args(args):
        match = _VARIABLE.match(arg)
        if match and grubenv.get(match.group(1)):
            expanded.extend(split_args(grubenv[match.group(1)]))
        else:
            expanded.append(arg)
    return expanded


def annotate_entries(entries, grubenv, default_kernel):
    """Add ``crashkernel``, ``crashkernel_low``, ``crashkernel_args`` and ``default`` to each entry."""
    default_index = None
    for entry in entries:
        if default_kernel and entry['kernel'] == default_kernel:
            default_index = entry['index']
            break
    if default_index is None and entries:
        default_index = entries[0]['index']
    for entry in entries:
        entry.update(crashkernel_fields(expand_args(entry.get('args', ''), grubenv)))
        entry['default'] = entry['index'] == default_index
    return entries


def select_entries(entries, kernel):
    """Entries that ``kernel`` (``ALL``, ``DEFAULT``, a path or a release) names; raises if none."""
    if kernel == 'ALL':
        return list(entries)
    if kernel == 'DEFAULT':
        return [entry for entry in entries if entry['default']]
    if kernel.startswith('/'):
        chosen = [entry for entry in entries if entry['kernel'] == kernel]
    else:
        chosen = [entry for entry in entries if os.path.basename(entry['kernel']) in ('vmlinuz-%s' % kernel, kernel)]
    if not chosen:
        known = ', '.join(entry['kernel'] for entry in entries) or 'none'
        raise CrashkernelError('kernel: %s matches no boot entry; grubby lists: %s' % (kernel, known))
    return chosen


def plan_template_files(texts, new_args):
    """New text of ``/etc/default/grub`` and ``/etc/kernel/cmdline`` (dict path -> text or None).

    ``texts`` maps the path to its current text (None = absent).  Absent files
    stay absent; a ``GRUB_CMDLINE_LINUX`` value the module cannot rewrite
    safely (shell expansions) is left and reported in the warnings.
    Returns ``(new_texts, warnings)``.
    """
    new_texts = {}
    warnings = []
    grub = texts.get(DEFAULT_GRUB)
    if grub is not None:
        conf = ShellVarsFile.parse(grub)
        for key in GRUB_CMDLINE_KEYS:
            value = conf.get(key)
            if value is None:
                if key == 'GRUB_CMDLINE_LINUX' and new_args:
                    conf.set(key, ' '.join(new_args))
                continue
            args = new_args if key == 'GRUB_CMDLINE_LINUX' else []
            if has_exactly(value, args):
                continue
            wanted = replace_crashkernel(value, args)
            if any(character in value for character in '"\\$`'):
                warnings.append('%s: %s=%r uses shell quoting or expansion; crashkernel= there was left as it '
                                'is' % (DEFAULT_GRUB, key, value))
                continue
            conf.set(key, wanted)
        new_texts[DEFAULT_GRUB] = conf.render()
    cmdline = texts.get(KERNEL_CMDLINE)
    if cmdline is not None:
        new_texts[KERNEL_CMDLINE] = cmdline if has_exactly(cmdline, new_args) else \
            replace_crashkernel(cmdline.strip(), new_args) + '\n'
    return new_texts, warnings


class GrubbyBootloader(object):
    """Read and change crashkernel= on RHEL family boot entries with grubby."""

    name = 'grubby'

    def __init__(self, module, machine):
        self.module = module
        self.machine = machine
        self.grubby = None

    # -- reading ---------------------------------------------------------
    def _run(self, argv, what):
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            raise CrashkernelError('%s failed (rc=%s): %s' % (what, rc, (err or out).strip()))
        return out

    def read(self):
        if self.machine == 's390x':
            raise CrashkernelError('s390x (zipl) is not supported yet by this module')
        if os.path.exists(OSTREE_MARKER):
            raise CrashkernelError('OSTree systems (rpm-ostree kargs) are not supported yet by this module')
        self.grubby = self.module.get_bin_path('grubby')
        if not self.grubby:
            raise CrashkernelError('grubby is not installed; the RHEL family needs it to change boot entries')
        return self._read_entries()

    def _read_entries(self):
        info = self._run([self.grubby, '--info=ALL'], 'grubby --info=ALL')
        rc, default_kernel, _err = self.module.run_command([self.grubby, '--default-kernel'])
        entries = parse_grubby_info(info)
        if not entries:
            raise CrashkernelError('grubby --info=ALL listed no boot entries')
        grubenv = {}
        if any('$' in entry.get('args', '') for entry in entries):
            for path in GRUBENV_PATHS:
                text = read_text(path)
                if text is not None:
                    grubenv = parse_grubenv(text)
                    break
        return annotate_entries(entries, grubenv, default_kernel.strip() if rc == 0 else None)

    # -- planning (pure given the entries and file texts) ------------------
    def plan(self, entries, new_args, kernel):
        """Return a dict: ``entries`` (annotated, after), ``targets`` (indexes to change),
        ``files`` (path -> (before, after)), ``changes`` (sentences), ``warnings``."""
        chosen = select_entries(entries, kernel)
        wanted = list(new_args)
        targets = [entry['index'] for entry in chosen if entry['crashkernel_args'] != wanted]
        changes = []
        planned = plan_entries(entries, wanted, changes,
                               changing=lambda entry: entry['index'] in targets,
                               label=lambda entry: 'boot ' + entry_label(entry))
        files = {}
        warnings = []
        befores = {}
        if kernel == 'ALL':
            befores = dict((path, read_text(path)) for path in (DEFAULT_GRUB, KERNEL_CMDLINE))
            afters, warnings = plan_template_files(befores, wanted)
            for path, after in afters.items():
                if after != befores[path]:
                    files[path] = (befores[path], after)
                    changes.append('%s: %s for kernels installed later' % (
                        path, 'crashkernel= removed' if not wanted else 'set to ' + ' '.join(wanted)))
        return {'entries': planned, 'before_entries': entries, 'targets': targets, 'kernel': kernel,
                'args': wanted, 'files': files, 'template_befores': befores, 'changes': changes,
                'warnings': warnings,
                'changed': bool(targets or files)}

    # -- applying ----------------------------------------------------------
    def _grubby_commands(self, plan):
        selector = 'ALL' if plan['kernel'] == 'ALL' else None
        entry_selectors = [selector] if selector else [str(index) for index in plan['targets']]
        by_index = dict((entry['index'], entry) for entry in plan['before_entries'])
        multiple = any(len(by_index[index]['crashkernel_args']) > 1 for index in plan['targets'])
        commands = []
        for target in entry_selectors:
            if not plan['args'] or multiple:
                commands.append([self.grubby, '--update-kernel=%s' % target, '--remove-args=%s' % KERNEL_ARG])
            for arg in plan['args']:
                commands.append([self.grubby, '--update-kernel=%s' % target, '--args=%s' % arg])
        return commands

    def apply(self, plan, backup=False):
        """Run grubby and fix the template files; returns ``dict(entries, diffs)``."""
        diffs = []
        backup_files = {}
        if plan['targets']:
            before = ''.join('%s: %s\n' % (entry_label(entry), ' '.join(entry['crashkernel_args']) or '-')
                             for entry in plan['before_entries'])
            after = ''.join('%s: %s\n' % (entry_label(entry), ' '.join(entry['crashkernel_args']) or '-')
                            for entry in plan['entries'])
            diffs.append({'before': before, 'after': after, 'before_header': 'grubby boot entries (before)',
                          'after_header': 'grubby boot entries (after)'})
        entries = plan['entries']
        if not self.module.check_mode and plan['targets']:
            for argv in self._grubby_commands(plan):
                self._run(argv, 'grubby ' + ' '.join(argv[1:]))
            entries = self._read_entries()
            wrong = [entry for entry in select_entries(entries, plan['kernel'])
                     if entry['crashkernel_args'] != plan['args']]
            if wrong:
                raise CrashkernelError('after grubby, %s still %s' % (
                    ', '.join(entry_label(entry) for entry in wrong),
                    'have ' + ', '.join(sorted(set(' '.join(entry['crashkernel_args']) or 'no crashkernel='
                                                   for entry in wrong)))))
        if self.module.check_mode:
            for path in sorted(plan['files']):
                diffs.append(make_diff(path, *plan['files'][path]))
        elif plan['kernel'] == 'ALL' and plan['changed']:
            # grubby may already have rewritten (or, on RHEL 8, created) these files
            currents = dict((path, read_text(path)) for path in (DEFAULT_GRUB, KERNEL_CMDLINE))
            afters, _warnings = plan_template_files(currents, plan['args'])
            for path in sorted(afters):
                if afters[path] != currents[path]:
                    written = write_text(self.module, path, afters[path], currents[path], backup=backup)
                    if written['backup_file']:
                        backup_files[path] = written['backup_file']
                original = plan['template_befores'][path]
                if afters[path] != original:
                    diffs.append(make_diff(path, original, afters[path]))
        return {'entries': entries, 'diffs': diffs, 'backup_files': backup_files}
