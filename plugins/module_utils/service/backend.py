# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Driving the kdump service: a pure plan of steps, and one backend per family.

``plan_service(state, enabled, current)`` decides the steps from what the
user wants and what the host is (``current``: ``masked``, ``missing``,
``enabled``, ``active`` of the unit; ``operational`` from
``/sys/kernel/kexec_crash_loaded``; ``kexec_reason`` when that file cannot
be read; ``reserved_bytes``).  Steps, in order of execution:

=============  ===================================================================
``enable``     ``systemctl enable <unit>``
``start``      ``systemctl start <unit>`` (loads the crash kernel)
``restart``    ``systemctl restart <unit>`` (stop + start; RHEL rebuilds the kdump
               initramfs when kdump.conf changed)
``reload``     reload the crash kernel without a rebuild (``kdumpctl reload``,
               ``kdump-config reload``)
``rebuild``    rebuild the kdump initramfs (``kdumpctl rebuild``; Debian: the
               kdump-tools kernel hook for the running kernel), then ``restart``
``stop``       ``systemctl stop <unit>``
``unload``     unload a crash kernel that was loaded outside systemd
               (``kdumpctl stop``, ``kdump-config unload``)
``disable``    ``systemctl disable <unit>``
=============  ===================================================================

``started`` is satisfied by a loaded crash kernel, whatever the unit says
(``kdump.service`` is a oneshot unit: "active" only means its last run
succeeded).  When the unit is active but nothing is loaded, ``start`` would
do nothing, so ``restart`` is planned.  ``restarted``, ``reloaded`` and
``rebuilt`` always act; ``reloaded`` on a host where nothing is loaded
becomes a start.

Errors that name the cause, before anything runs: a masked or missing unit,
a kernel without kexec/crash dump support, no reserved memory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.service.status import (
    parse_systemctl_show,
    read_crash_loaded,
    unit_state,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.kernel_runtime import read_crash_size

STATES = ('started', 'stopped', 'restarted', 'reloaded', 'rebuilt')
LOADING_STEPS = ('start', 'restart', 'reload', 'rebuild')
KERNEL_HOOK = '/etc/kernel/postinst.d/kdump-tools'


class ServiceError(Exception):
    """The requested state cannot be reached; the message says why."""


def _state_steps(state, current):
    operational = current.get('operational')
    if state == 'started':
        if operational:
            return []
        return ['restart'] if current.get('active') else ['start']
    if state == 'stopped':
        steps = ['stop'] if current.get('active') else []
        if operational and not current.get('active'):
            steps.append('unload')
        return steps
    if state == 'restarted':
        return ['restart']
    if state == 'reloaded':
        if operational:
            return ['reload']
        return ['restart'] if current.get('active') else ['start']
    if state == 'rebuilt':
        return ['rebuild', 'restart']
    return []


def check_unit_usable(unit, current):
    """Raise ``ServiceError`` when the unit is missing or masked."""
    if current.get('missing'):
        raise ServiceError('%s is not installed (systemd does not know the unit); install kdump first' % unit)
    if current.get('masked'):
        raise ServiceError('%s is masked; unmask it with systemctl unmask %s' % (unit, unit))


def check_can_load(unit, current):
    """Raise ``ServiceError`` when the crash kernel cannot be loaded on this host."""
    check_unit_usable(unit, current)
    if current.get('operational') is None:
        raise ServiceError('kdump cannot work on this kernel: %s' % (current.get('kexec_reason') or
                                                                     'the crash kernel state is unknown'))
    if not current.get('reserved_bytes'):
        raise ServiceError('no memory reserved for the crash kernel (/sys/kernel/kexec_crash_size is 0); '
                           'set it with crashdump.kdump.crashkernel and reboot')


def as_after_install(current):
    """The ``current`` to plan with, in check mode, for a host where kdump is not installed
    yet: as right after its package is installed (by the step a real run would take
    first) - the unit known, disabled and inactive, no crash kernel loaded. What the
    kernel says (reservation, kexec support) stays as read."""
    assumed = dict(current)
    assumed.update(missing=False, masked=False, enabled=False, active=False, unit_file_state=None)
    if assumed.get('operational'):
        assumed['operational'] = False
    return assumed


def plan_service(unit, state, enabled, current):
    """The list of steps (see the module docstring); raises ``ServiceError``."""
    steps = _state_steps(state, current) if state else []
    if enabled is True and not current.get('enabled'):
        check_unit_usable(unit, current)
        steps.insert(0, 'enable')
    if any(step in LOADING_STEPS for step in steps):
        check_can_load(unit, current)
    if enabled is False and current.get('enabled'):
        steps.append('disable')
    return steps


class _ServiceBackend(object):
    """What both families share: the unit is driven by systemctl, kdump's own tool reloads and reports."""

    SYSTEMCTL_STEPS = ('enable', 'disable', 'start', 'stop', 'restart')

    def commands(self, step, tool_path, systemctl, kernel_release=None):
        """Argument lists for one step."""
        if step in self.SYSTEMCTL_STEPS:
            return [[systemctl, step, self.unit]]
        if step == 'reload':
            return [[tool_path, 'reload']]
        if step == 'rebuild':
            return [self.rebuild_command(tool_path, kernel_release)]
        if step == 'unload':
            return [[tool_path, self.unload_subcommand]]
        raise ValueError('unknown step %r' % step)

    def status_command(self, tool_path):
        return [tool_path, 'status']


class RhelServiceBackend(_ServiceBackend):
    """kdump-utils / kexec-tools: ``kdump.service`` and ``kdumpctl``."""

    family = 'rhel'
    unit = 'kdump.service'
    tool = 'kdumpctl'
    unload_subcommand = 'stop'

    def rebuild_command(self, tool_path, kernel_release):
        return [tool_path, 'rebuild']


class DebianServiceBackend(_ServiceBackend):
    """kdump-tools: ``kdump-tools.service`` and ``kdump-config``."""

    family = 'debian'
    unit = 'kdump-tools.service'
    tool = 'kdump-config'
    unload_subcommand = 'unload'

    def rebuild_command(self, tool_path, kernel_release):
        # The kernel hook always regenerates the kdump initrd for that release.
        return [KERNEL_HOOK, kernel_release]


def observe(module, backend, systemctl):
    """What the host is now: the ``current`` dict ``plan_service`` takes, plus ``unit_file_state``."""
    rc, out, _err = module.run_command([systemctl, 'show', '-p', 'LoadState,UnitFileState,ActiveState',
                                        backend.unit])
    current = unit_state(parse_systemctl_show(out) if rc == 0 else {})
    current['operational'], current['kexec_reason'] = read_crash_loaded()
    current['reserved_bytes'], current['reserved_reason'] = read_crash_size()
    return current


def backend_for(platform):
    return DebianServiceBackend() if platform.family == 'debian' else RhelServiceBackend()
