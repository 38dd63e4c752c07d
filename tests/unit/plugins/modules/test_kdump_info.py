# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kdump_info module through main(): read-only facts for reports."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.modules import kdump_info

VMCORE = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'vmcore')
BINARIES = {'systemctl': '/bin/systemctl', 'dpkg-query': '/usr/bin/dpkg-query',
            'makedumpfile': '/usr/bin/makedumpfile'}
GIB = 1 << 30


@pytest.fixture
def debian_host(tmp_path, monkeypatch, fixture_text):
    crash = tmp_path / 'crash'
    for name, files in (('202601251000', {'dump.202601251000': 'flat_kdump_zlib_d31.bin'}),
                        ('202601261040', {'dump-incomplete': 'flat_kdump_no_trailer.bin'})):
        (crash / name).mkdir(parents=True)
        for file_name, fixture in files.items():
            shutil.copy(os.path.join(VMCORE, fixture), str(crash / name / file_name))
    os.utime(str(crash / '202601251000'), (1000, 1000))
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(u'USE_KDUMP=1\nKDUMP_COREDIR="%s"\n' % crash)
    outputs = {
        '/bin/systemctl show -p LoadState,UnitFileState,ActiveState kdump-tools.service':
            fixture_text('kdump_status/systemctl_show_enabled_active.txt'),
        '/usr/bin/makedumpfile --mem-usage /proc/kcore': fixture_text('kdump_status/makedumpfile_mem-usage_2g.txt'),
    }
    commands = []

    def run_command(self, argv, **kwargs):
        commands.append(argv)
        if argv[0] == '/usr/bin/dpkg-query':
            return 0, fixture_text('kdump_status/dpkg_query.txt'), ''
        return 0, outputs.get(' '.join(argv), ''), ''
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, required=False, opt_dirs=None: BINARIES.get(name))
    monkeypatch.setattr('ansible_collections.crashdump.kdump.plugins.module_utils.kdump_service_backend.'
                        'read_crash_loaded', lambda: (True, None))
    monkeypatch.setattr('ansible_collections.crashdump.kdump.plugins.module_utils.kdump_service_backend.'
                        'read_crash_size', lambda: (256 << 20, None))
    monkeypatch.setattr(kdump_info, 'read_cmdline', lambda: 'BOOT_IMAGE=/vmlinuz ro crashkernel=256M quiet')
    monkeypatch.setattr(kdump_info, 'read_system_ram', lambda: (2 * GIB, 'test'))
    monkeypatch.setattr(kdump_info, 'free_bytes', lambda path: 4 * GIB)
    monkeypatch.setattr(kdump_info, 'configured_crashkernel', lambda module, platform: ('256M', None))
    monkeypatch.setattr(kdump_info, 'test_marker_state', lambda: 'completed')
    watchdogs = tmp_path / 'sys_class_watchdog'
    monkeypatch.setattr(kdump_info, 'WATCHDOG_CLASS_DIR', str(watchdogs))
    return {'defaults': defaults, 'crash': crash, 'commands': commands, 'watchdogs': watchdogs, 'tmp': tmp_path}


def test_facts_for_a_debian_host(run_module, debian_host):
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults'])})
    assert not failed and result['changed'] is False
    assert result['operational'] is True and 'operational_reason' not in result
    assert result['service'] == {'unit': 'kdump-tools.service', 'enabled': True, 'active': True, 'masked': False,
                                 'missing': False, 'unit_file_state': 'enabled'}
    assert result['packages'] == {'kdump-tools': '1:1.8.1', 'kexec-tools': '1:2.0.25-3+b1', 'makedumpfile': None}
    assert result['crashkernel'] == {'configured': '256M', 'running': '256M', 'reserved_bytes': 256 << 20}
    assert result['config']['type'] == 'local' and result['config']['local_dir'] == str(debian_host['crash'])
    assert result['space'] == {'dump_dir': str(debian_host['crash']), 'free_bytes': 4 * GIB,
                               'expected_dump_bytes': 49099 * 4096, 'expected_source': 'makedumpfile --mem-usage',
                               'enough': True}
    assert result['vmcores'] == {'count': 2, 'complete_count': 1, 'newest': '202601261040', 'newest_complete': False}
    assert result['test_marker'] == 'completed'
    assert result['last_test'] is None


def test_without_estimate_the_ram_bound_is_used_and_makedumpfile_not_run(run_module, debian_host):
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults']),
                                                  'estimate_dump_size': False})
    assert not failed and result['space']['expected_dump_bytes'] == GIB // 2
    assert not [argv for argv in debian_host['commands'] if argv[0] == '/usr/bin/makedumpfile']


def test_remote_target_has_no_local_space_or_dumps(run_module, debian_host):
    debian_host['defaults'].write_text(u'USE_KDUMP=1\nSSH="kdump@dump.example.com"\n')
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults'])})
    assert not failed and result['config']['type'] == 'ssh'
    assert result['space']['free_bytes'] is None and result['space']['enough'] is None
    assert result['vmcores']['count'] == 0


def add_watchdog(class_dir, name, identity, state, timeout):
    """A watchdog device directory as the kernel shows it under /sys/class/watchdog."""
    device = class_dir / name
    device.mkdir(parents=True)
    for attribute, value in (('identity', identity), ('state', state), ('timeout', timeout)):
        (device / attribute).write_text(u'%s\n' % value)


def test_containment_of_a_debian_12_host_as_shipped(run_module, debian_host):
    add_watchdog(debian_host['watchdogs'], 'watchdog0', 'Software Watchdog', 'active', 60)
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults'])})
    assert not failed
    containment = result['containment']
    assert containment['capture_panic'] == {
        'value': None, 'in_place': False, 'source': None,
        'detail': "the capture kernel command line has no panic= (neither kdump-tools' built-in "
                  "KDUMP_CMDLINE_APPEND nor /proc/cmdline): a capture kernel that panics waits forever"}
    assert containment['failure_action']['in_place'] is True
    assert containment['failure_action']['value'] == 'reboot -f' and not containment['failure_action']['configured']
    assert containment['watchdog']['in_place'] is False and containment['watchdog']['devices'][0]['hardware'] is False
    assert containment['all_in_place'] is False


def test_containment_after_capture_panic_timeout_on_debian(run_module, debian_host):
    debian_host['defaults'].write_text(u'USE_KDUMP=1\nKDUMP_COREDIR="%s"\nKDUMP_CMDLINE_APPEND="reset_devices '
                                       u'systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb '
                                       u'panic=10"\nKDUMP_FAIL_CMD="halt -f"\n' % debian_host['crash'])
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults'])})
    assert not failed
    containment = result['containment']
    assert (containment['capture_panic']['value'], containment['capture_panic']['in_place']) == (10, True)
    assert containment['failure_action']['in_place'] is False and containment['failure_action']['configured']


def test_containment_of_an_el9_host_with_a_running_hardware_watchdog(run_module, debian_host, fixture_text):
    tmp = debian_host['tmp']
    conf = tmp / 'kdump.conf'
    conf.write_text(fixture_text('el9_kdump.conf') + u'failure_action reboot\n')
    sysconfig = tmp / 'sysconfig_kdump'
    sysconfig.write_text(fixture_text('el9_sysconfig_kdump'))
    add_watchdog(debian_host['watchdogs'], 'watchdog0', 'i6300ESB timer', 'active', 30)
    result, failed = run_module(kdump_info.main, {'platform': 'el9', 'config_file': str(conf),
                                                  'sysconfig_file': str(sysconfig), 'estimate_dump_size': False})
    assert not failed
    containment = result['containment']
    assert containment['capture_panic']['value'] == 10
    assert containment['capture_panic']['source'] == 'KDUMP_COMMANDLINE_APPEND in %s' % sysconfig
    assert containment['failure_action'] == {
        'value': 'reboot', 'configured': True, 'setting': 'failure_action', 'in_place': True,
        'detail': 'failure_action reboot in %s reboots the host when saving the dump fails' % conf}
    assert containment['watchdog']['active'] and containment['watchdog']['used']
    assert containment['watchdog']['devices'] == [{'name': 'watchdog0', 'identity': 'i6300ESB timer',
                                                   'state': 'active', 'timeout': 30, 'hardware': True}]
    assert containment['all_in_place'] is True
