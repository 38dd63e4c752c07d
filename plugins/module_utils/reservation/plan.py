# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""From the ``crashkernel`` module's parameters to what must be written, and why.

Pure functions, no host access:

* ``resolve_request`` validates the wanted value against the platform and this
  machine's RAM and returns a ``Request`` (the exact value to write, what it
  reserves here, what the distribution recommends here, warnings).
* ``assess_reboot`` compares the next boot's value with the running kernel and
  its reservation and says, in one sentence, whether and why a reboot is needed.
* ``entry_label``, ``describe_change`` and ``plan_entries`` are shared by the
  bootloader backends.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.defaults import EL8_AUTO
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    crashkernel_args,
    effective_crashkernel,
    format_size,
    parse_crashkernel,
    parse_low,
    round_up_ram,
    same_low,
    same_value,
)

KERNEL_SELECTORS = ('ALL', 'DEFAULT')


class Request(object):
    """The validated wish: ``value``/``low`` to write (None = remove) and what they mean here."""

    def __init__(self, value=None, low=None, effective_bytes=None, recommended_bytes=None,
                 default_value=None, warnings=None):
        self.value = value
        self.low = low
        self.effective_bytes = effective_bytes
        self.recommended_bytes = recommended_bytes
        self.default_value = default_value
        self.warnings = warnings or []

    @property
    def args(self):
        """Kernel arguments that express the request (empty list = remove)."""
        return crashkernel_args(self.value, self.low)

    @property
    def custom(self):
        """True when the value is not the distribution's own default."""
        return self.value is not None and not same_value(self.value, self.default_value)


def reserved_for(value, ram_bytes, machine):
    """Bytes ``value`` reserves on this machine; ``auto`` uses the RHEL 8 kernel table.

    None when it cannot be told (unknown RAM, ``auto`` on an unknown architecture).
    """
    if value is None:
        return 0
    parsed = parse_crashkernel(value)
    if parsed.kind == 'auto':
        expanded = EL8_AUTO.get(machine)
        if expanded is None:
            return None
        parsed = parse_crashkernel(expanded)
    if parsed.kind == 'ranges' and ram_bytes is None:
        return None
    return parsed.resolve(ram_bytes)


def _ram_words(ram_bytes):
    rounded = round_up_ram(ram_bytes)
    if rounded == ram_bytes:
        return format_size(ram_bytes)
    return '%.1fM (counted as %s, rounded up to 128M as the kernel does)' % (
        ram_bytes / (1024.0 * 1024), format_size(rounded))


def _parse_value(wanted):
    """``parse_crashkernel`` whose errors name the ``value`` parameter."""
    try:
        return parse_crashkernel(wanted)
    except CrashkernelError as error:
        raise CrashkernelError('value: %s' % error)


def resolve_request(state, value, low, platform_name, platform_family, machine, ram_bytes, default_value):
    """Validate the parameters; return a ``Request`` or raise ``CrashkernelError``.

    Every message starts with the parameter it is about (``value``, ``low``).
    """
    if state == 'absent':
        if low is not None:
            raise CrashkernelError('low: only used with state=present')
        recommended = None
        if default_value and ram_bytes:
            recommended = reserved_for(default_value, ram_bytes, machine)
        return Request(recommended_bytes=recommended, default_value=default_value)

    warnings = []
    wanted = (value or 'default').strip()
    if wanted == 'default':
        if not default_value:
            raise CrashkernelError('value: no distribution default is known for %s on %s; give a size such as 256M'
                                   % (platform_name, machine))
        wanted = default_value
    if wanted == 'auto' and platform_name != 'el8':
        raise CrashkernelError(
            'value: crashkernel=auto is only understood by RHEL 8 kernels; %s would reserve nothing with it. '
            'Use value=default (the distribution recommendation) or a size such as 256M' % platform_name)
    parsed = _parse_value(wanted)
    low_bytes = 0
    if low is not None:
        if not parsed.high:
            raise CrashkernelError('low: %s needs a "<size>,high" value (crashkernel=%s is not one)' % (low, wanted))
        if platform_family == 'rhel':
            raise CrashkernelError('low: crashkernel=<size>,low is not supported yet on the RHEL family: grubby '
                                   'replaces every crashkernel= argument of an entry by name')
        try:
            low_bytes = parse_low(low)
        except CrashkernelError as error:
            raise CrashkernelError('low: %s' % error)
        if low_bytes == 0:
            raise CrashkernelError('low: %s reserves 0 bytes' % low)
        low = low[:-len(',low')] if low.lower().endswith(',low') else low

    effective = reserved_for(wanted, ram_bytes, machine)
    if ram_bytes is None:
        warnings.append('the amount of RAM could not be read, so crashkernel=%s was not checked against it'
                        % wanted)
    elif effective is None:
        warnings.append('crashkernel=auto cannot be resolved for the %s architecture here' % machine)
    else:
        if effective == 0:
            raise CrashkernelError('value: crashkernel=%s reserves nothing on this host: its RAM is %s and no range '
                                   'covers that' % (wanted, _ram_words(ram_bytes)))
        total = round_up_ram(ram_bytes)
        if (effective + low_bytes) * 2 > total:
            raise CrashkernelError('value: crashkernel=%s reserves %s%s, more than half of this host\'s RAM (%s)'
                                   % (wanted, format_size(effective),
                                      ' plus %s low' % format_size(low_bytes) if low_bytes else '',
                                      _ram_words(ram_bytes)))

    recommended = None
    if default_value and ram_bytes:
        recommended = reserved_for(default_value, ram_bytes, machine)
        if effective and recommended and effective < recommended:
            warnings.append('crashkernel=%s reserves %s here, less than the distribution default %s (%s for this '
                            'RAM); the capture kernel may run out of memory and write no vmcore'
                            % (wanted, format_size(effective), default_value, format_size(recommended)))
    return Request(value=wanted, low=low, effective_bytes=effective, recommended_bytes=recommended,
                   default_value=default_value, warnings=warnings)


def check_kernel_selector(kernel):
    """``ALL``/``DEFAULT`` pass; anything else must look like a path or a release."""
    if kernel in KERNEL_SELECTORS:
        return kernel
    if not kernel or len(kernel.split()) != 1:
        raise CrashkernelError('kernel: %r is not ALL, DEFAULT, a kernel path or a kernel release' % kernel)
    return kernel


def _value_words(value, low):
    if value is None:
        return 'no crashkernel='
    return 'crashkernel=%s%s' % (value, ' crashkernel=%s,low' % low if low else '')


def assess_reboot(next_value, next_low, running_value, running_low, reserved_bytes, where):
    """``(reboot_required, reboot_reason)`` for the next boot versus the running kernel.

    ``where`` names the boot entry, e.g. ``'the default boot entry (/boot/vmlinuz-6.1.0-18-amd64)'``.
    A reboot is needed when the next boot's crashkernel differs from the one
    the running kernel was booted with.
    """
    if same_value(next_value, running_value) and same_low(next_low, running_low):
        return False, None
    if reserved_bytes is None:
        reserved_words = ''
    elif reserved_bytes == 0:
        reserved_words = ' and reserved no memory'
    else:
        reserved_words = ' and reserved %s' % format_size(reserved_bytes)
    if next_value is None:
        return True, ('%s has no crashkernel= but the running kernel was booted with %s%s'
                      % (where, _value_words(running_value, running_low), reserved_words))
    if running_value is None:
        return True, ('%s has %s but the running kernel was booted without crashkernel=%s'
                      % (where, _value_words(next_value, next_low), reserved_words))
    return True, ('%s has %s but the running kernel was booted with %s%s'
                  % (where, _value_words(next_value, next_low), _value_words(running_value, running_low),
                     reserved_words))


def reservation_warning(running_value, reserved_bytes, ram_bytes, machine):
    """A warning when the running kernel reserved less than its crashkernel= asks for, else None.

    A reboot does not fix that: the kernel could not find the memory.
    """
    if running_value is None or reserved_bytes is None:
        return None
    try:
        expected = reserved_for(running_value, ram_bytes, machine)
    except CrashkernelError:
        return None
    if expected is None or expected == reserved_bytes:
        return None
    words = (running_value, format_size(expected), format_size(reserved_bytes))
    return ('the running kernel was booted with crashkernel=%s, which means %s on this host, but it reserved %s; '
            'see the kernel log (dmesg | grep -i crash) for why' % words)


def entry_label(entry):
    """``'entry 0 (/boot/vmlinuz-…)'`` for messages and diffs."""
    return 'entry %s (%s)' % (entry['index'], entry.get('kernel') or entry.get('title') or '?')


def describe_change(label, before_value, before_low, after_value, after_low):
    return '%s: %s -> %s' % (label, _value_words(before_value, before_low), _value_words(after_value, after_low))


def plan_entries(entries, wanted, changes, changing, label):
    """Copies of the boot ``entries`` as they will be once the crashkernel arguments ``wanted`` are set.

    Only the entries for which ``changing(entry)`` is true get ``wanted``;
    for each of them a sentence naming it by ``label(entry)`` is appended to
    ``changes``.
    """
    after_value, after_low = effective_crashkernel(wanted)
    planned = []
    for entry in entries:
        entry = dict(entry)
        if changing(entry):
            changes.append(describe_change(label(entry), entry['crashkernel'], entry['crashkernel_low'],
                                           after_value, after_low))
            entry['crashkernel'], entry['crashkernel_low'] = after_value, after_low
            entry['crashkernel_args'] = wanted
        planned.append(entry)
    return planned
