# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Would a failed capture bring the host back: panic=, failure action, watchdog."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.containment import (
    assess_containment,
    debian_capture_panic,
    debian_failure_action,
    omits_dracut_module,
    panic_warning_for,
    read_watchdogs,
    rhel_capture_panic,
    rhel_failure_action,
    watchdog_fact,
)

SYSCONFIG = '/etc/sysconfig/kdump'
DEFAULTS = '/etc/default/kdump-tools'
DEBIAN_CMDLINE = 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0f1e ro console=ttyS0,115200n8 ' \
                 'crashkernel=384M-:128M'


def make_watchdog(class_dir, name, identity, state='inactive', timeout='30'):
    """A device directory as the kernel shows it under /sys/class/watchdog (CONFIG_WATCHDOG_SYSFS)."""
    device = class_dir / name
    device.mkdir(parents=True)
    for attribute, value in (('identity', identity), ('state', state), ('timeout', timeout)):
        if value is not None:
            (device / attribute).write_text(u'%s\n' % value)


# -- capture_panic

def test_debian_builtin_default_has_no_panic():
    fact = debian_capture_panic('USE_KDUMP=1\n', DEFAULTS, DEBIAN_CMDLINE, 'x86_64')
    assert fact['value'] is None and fact['in_place'] is False and fact['source'] is None
    assert "kdump-tools' built-in KDUMP_CMDLINE_APPEND" in fact['detail'] and 'waits forever' in fact['detail']


def test_debian_panic_in_the_file():
    fact = debian_capture_panic('KDUMP_CMDLINE_APPEND="reset_devices panic=10"\n', DEFAULTS, DEBIAN_CMDLINE, 'x86_64')
    assert (fact['value'], fact['in_place'], fact['source']) == (10, True, 'KDUMP_CMDLINE_APPEND in %s' % DEFAULTS)
    assert fact['detail'] == ('panic=10 from KDUMP_CMDLINE_APPEND in /etc/default/kdump-tools reboots a capture '
                              'kernel that panics after 10 s')


def test_debian_panic_inherited_from_the_running_kernel():
    fact = debian_capture_panic('USE_KDUMP=1\n', DEFAULTS, DEBIAN_CMDLINE + ' panic=5', 'x86_64')
    assert (fact['value'], fact['in_place'], fact['source']) == (5, True, '/proc/cmdline')


def test_debian_appended_panic_wins_over_the_inherited_one():
    fact = debian_capture_panic('KDUMP_CMDLINE_APPEND="panic=0"\n', DEFAULTS, DEBIAN_CMDLINE + ' panic=5', 'x86_64')
    assert (fact['value'], fact['in_place']) == (0, False) and 'wait forever' in fact['detail']


def test_debian_own_kdump_cmdline_replaces_proc_cmdline():
    fact = debian_capture_panic('KDUMP_CMDLINE="root=/dev/vda1 panic=20"\n', DEFAULTS, DEBIAN_CMDLINE, 'x86_64')
    assert (fact['value'], fact['source']) == (20, 'KDUMP_CMDLINE in %s' % DEFAULTS)


def test_unreadable_proc_cmdline_without_appended_panic_is_unknown():
    fact = debian_capture_panic('USE_KDUMP=1\n', DEFAULTS, None, 'x86_64')
    assert fact['value'] is None and fact['in_place'] is None


def test_rhel_shipped_sysconfig_has_panic_10(fixture_text):
    fact = rhel_capture_panic(fixture_text('el9_sysconfig_kdump'), SYSCONFIG, 'BOOT_IMAGE=/vmlinuz ro')
    assert (fact['value'], fact['in_place'], fact['source']) == (10, True, 'KDUMP_COMMANDLINE_APPEND in %s' % SYSCONFIG)


def test_rhel_panic_removed_by_kdump_commandline_remove_is_not_inherited():
    sysconfig = 'KDUMP_COMMANDLINE_REMOVE="quiet panic"\nKDUMP_COMMANDLINE_APPEND="irqpoll nr_cpus=1"\n'
    fact = rhel_capture_panic(sysconfig, SYSCONFIG, 'BOOT_IMAGE=/vmlinuz ro panic=30 quiet')
    assert fact['value'] is None and fact['in_place'] is False


def test_rhel_missing_sysconfig_inherits_only_proc_cmdline():
    fact = rhel_capture_panic(None, SYSCONFIG, 'BOOT_IMAGE=/vmlinuz ro panic=-1')
    assert (fact['value'], fact['in_place'], fact['source']) == (-1, True, '/proc/cmdline')
    assert 'at once' in fact['detail']


def test_panic_that_is_not_a_number():
    fact = rhel_capture_panic('KDUMP_COMMANDLINE_APPEND="panic=soon"\n', SYSCONFIG, '')
    assert fact['value'] is None and fact['in_place'] is False and 'not a number' in fact['detail']


# -- failure_action

@pytest.mark.parametrize('conf, value, setting, configured, in_place', [
    ('path /var/crash\n', 'reboot', 'failure_action', False, True),
    ('failure_action reboot\n', 'reboot', 'failure_action', True, True),
    ('default shell\n', 'shell', 'default', True, False),
    ('failure_action halt\n', 'halt', 'failure_action', True, False),
    ('failure_action poweroff\n', 'poweroff', 'failure_action', True, False),
    ('failure_action dump_to_rootfs\n', 'dump_to_rootfs', 'failure_action', True, True),
    ('failure_action dump_to_rootfs\nfinal_action poweroff\n', 'dump_to_rootfs', 'failure_action', True, False),
    ('failure_action sleep\n', 'sleep', 'failure_action', True, None),
], ids=['default-reboot', 'reboot', 'el8-spelling-shell', 'halt', 'poweroff', 'dump-to-rootfs-then-reboot',
        'dump-to-rootfs-then-poweroff', 'unknown'])
def test_rhel_failure_action(conf, value, setting, configured, in_place):
    fact = rhel_failure_action(conf, '/etc/kdump.conf')
    assert (fact['value'], fact['setting'], fact['configured'], fact['in_place']) == \
        (value, setting, configured, in_place)


@pytest.mark.parametrize('fail_cmd, in_place', [
    (None, True),
    ('reboot -f', True),
    ('/sbin/reboot -f', True),
    ('systemctl reboot -f', True),
    ('halt -f', False),
    ('poweroff -f', False),
    ('/bin/bash', False),
    ('shutdown -r now', True),
    ('/usr/local/sbin/notify-and-wait', None),
], ids=['unset-reboots', 'reboot', 'reboot-path', 'systemctl-reboot', 'halt', 'poweroff', 'shell',
        'shutdown-r', 'unknown-command'])
def test_debian_failure_action(fail_cmd, in_place):
    text = 'USE_KDUMP=1\n' + ('KDUMP_FAIL_CMD="%s"\n' % fail_cmd if fail_cmd else '')
    fact = debian_failure_action(text, DEFAULTS)
    assert fact['in_place'] is in_place
    assert fact['value'] == (fail_cmd or 'reboot -f') and fact['configured'] is bool(fail_cmd)
    assert fact['setting'] == 'KDUMP_FAIL_CMD'


# -- watchdog

def test_read_watchdogs_from_sysfs(tmp_path):
    class_dir = tmp_path / 'watchdog'
    make_watchdog(class_dir, 'watchdog1', 'Software Watchdog', state='active', timeout='60')
    make_watchdog(class_dir, 'watchdog0', 'i6300ESB timer', state='active', timeout='30')
    make_watchdog(class_dir, 'watchdog2', 'iTCO_wdt', state=None, timeout=None)
    assert read_watchdogs(str(class_dir)) == [
        {'name': 'watchdog0', 'identity': 'i6300ESB timer', 'state': 'active', 'timeout': 30, 'hardware': True},
        {'name': 'watchdog1', 'identity': 'Software Watchdog', 'state': 'active', 'timeout': 60, 'hardware': False},
        {'name': 'watchdog2', 'identity': 'iTCO_wdt', 'state': None, 'timeout': None, 'hardware': True},
    ]
    assert read_watchdogs(str(tmp_path / 'absent')) == []


def device(identity='i6300ESB timer', state='active', name='watchdog0', timeout=30):
    return {'name': name, 'identity': identity, 'state': state, 'timeout': timeout,
            'hardware': identity != 'Software Watchdog'}


@pytest.mark.parametrize('devices, family, dracut_args, active, used, in_place, words', [
    ([], 'rhel', None, False, False, False, 'no watchdog device'),
    ([device('Software Watchdog')], 'debian', None, False, False, False, 'only the software watchdog'),
    ([device(state='inactive')], 'rhel', None, False, False, False, 'is not running'),
    ([device(state=None)], 'rhel', None, None, False, None, 'no state attribute'),
    ([device()], 'rhel', None, True, True, True, "dracut's watchdog module"),
    ([device()], 'rhel', '--omit "plymouth watchdog"', True, False, None, 'omits'),
    ([device()], 'debian', None, True, False, None, 'kdump-tools does nothing'),
], ids=['none', 'software-only', 'hardware-not-running', 'state-unknown', 'rhel-active', 'rhel-omitted',
        'debian-active'])
def test_watchdog_fact(devices, family, dracut_args, active, used, in_place, words):
    fact = watchdog_fact(devices, family, dracut_args)
    assert (fact['active'], fact['used'], fact['in_place']) == (active, used, in_place)
    assert words in fact['detail'] and fact['devices'] == devices


@pytest.mark.parametrize('dracut_args, omitted', [
    ('-o watchdog', True),
    ('--omit "plymouth watchdog"', True),
    ('--omit=watchdog', True),
    ('-o watchdog-modules', False),
    ('--add watchdog', False),
    ('--mount "/dev/vdb1 /mnt ext4 defaults"', False),
    (None, False),
])
def test_omits_dracut_module(dracut_args, omitted):
    assert omits_dracut_module(dracut_args, 'watchdog') is omitted


# -- the whole fact

def test_debian_12_as_shipped_is_not_contained():
    facts = assess_containment('debian', 'USE_KDUMP=1\n', DEFAULTS, proc_cmdline=DEBIAN_CMDLINE, machine='x86_64')
    assert facts['capture_panic']['in_place'] is False
    assert facts['failure_action']['in_place'] is True
    assert facts['watchdog']['in_place'] is False
    assert facts['all_in_place'] is False


def test_el9_with_a_running_hardware_watchdog_is_contained(fixture_text):
    facts = assess_containment('rhel', fixture_text('el9_kdump.conf'), '/etc/kdump.conf',
                               sysconfig_text=fixture_text('el9_sysconfig_kdump'), sysconfig_file=SYSCONFIG,
                               proc_cmdline='BOOT_IMAGE=/vmlinuz ro', machine='x86_64', watchdogs=[device()])
    assert [facts[name]['in_place'] for name in ('capture_panic', 'failure_action', 'watchdog')] == [True] * 3
    assert facts['all_in_place'] is True


@pytest.mark.parametrize('append, warns', [
    (None, True),
    ('reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb', True),
    ('reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 panic=10', False),
])
def test_debian_capture_without_panic_warns(append, warns):
    assert (panic_warning_for(append) is not None) is warns
