# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kdump_info module through main(): read-only facts for reports."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.module_utils.capture import proof as proof_utils
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import (
    MarkerError,
    build_marker,
    read_marker,
    write_marker,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import read_dump_target
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import Platform
from ansible_collections.crashdump.kdump.plugins.modules import capture_proof, kdump_info

VMCORE = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'vmcore')
BINARIES = {'systemctl': '/bin/systemctl', 'dpkg-query': '/usr/bin/dpkg-query',
            'makedumpfile': '/usr/bin/makedumpfile'}
GIB = 1 << 30
BOOT = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
CRASHED_BOOT = '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'
QEMU_2G = 2146954240
COMPLETE = {'outcome': 'complete', 'complete': True, 'dump': '/var/crash/202601261040/dump.202601261040',
            'detail': 'the capture left a complete kdump-compressed dump in /var/crash/202601261040'}


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
    monkeypatch.setattr('ansible_collections.crashdump.kdump.plugins.module_utils.service.backend.'
                        'read_crash_loaded', lambda: (True, None))
    monkeypatch.setattr('ansible_collections.crashdump.kdump.plugins.module_utils.service.backend.'
                        'read_crash_size', lambda: (256 << 20, None))
    monkeypatch.setattr(kdump_info, 'read_cmdline', lambda: 'BOOT_IMAGE=/vmlinuz ro crashkernel=256M quiet')
    monkeypatch.setattr(kdump_info, 'read_system_ram', lambda: (2 * GIB, 'test'))
    monkeypatch.setattr(kdump_info, 'free_bytes', lambda path: 4 * GIB)
    monkeypatch.setattr(kdump_info, 'configured_crashkernel', lambda module, platform: ('256M', None))
    watchdogs = tmp_path / 'sys_class_watchdog'
    monkeypatch.setattr(kdump_info, 'WATCHDOG_CLASS_DIR', str(watchdogs))
    host = {'defaults': defaults, 'crash': crash, 'commands': commands, 'watchdogs': watchdogs, 'tmp': tmp_path,
            'marker_path': tmp_path / 'state' / 'crash-marker.json',
            'proof_path': tmp_path / 'state' / 'capture-proof.json',
            'boot_id': BOOT, 'kernel': '6.1.0-28-amd64', 'memory': (QEMU_2G, '/proc/iomem System RAM')}
    write_marker(build_marker(CRASHED_BOOT, 1769424000.5, 5, 'sysrq', str(crash), ['202601251000']),
                 str(host['marker_path']))
    monkeypatch.setattr(kdump_info, 'read_marker', lambda: read_marker(str(host['marker_path'])))
    monkeypatch.setattr(kdump_info, 'read_boot_id', lambda: host['boot_id'])
    monkeypatch.setattr(kdump_info, 'PROOF_PATH', str(host['proof_path']))
    monkeypatch.setattr(capture_proof, 'PROOF_PATH', str(host['proof_path']))
    monkeypatch.setattr(capture_proof, 'read_boot_id', lambda: host['boot_id'])
    monkeypatch.setattr(proof_utils, 'kernel_release', lambda: host['kernel'])
    monkeypatch.setattr(proof_utils, 'read_machine_memory', lambda: host['memory'])
    return host


def test_facts_for_a_debian_host(run_module, debian_host):
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults'])})
    assert not failed and result['changed'] is False
    assert result['operational'] is True and 'operational_reason' not in result
    assert result['service'] == {'unit': 'kdump-tools.service', 'enabled': True, 'active': True, 'masked': False,
                                 'missing': False, 'unit_file_state': 'enabled'}
    assert result['packages'] == {'kdump-tools': '1:1.8.1', 'kexec-tools': '1:2.0.25-3+b1', 'makedumpfile': None}
    assert result['packages_missing'] == ['makedumpfile']
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


# -- proof: does the last complete crash test cover the host as it is now

def info(run_module, host, **params):
    args = {'platform': 'debian', 'config_file': str(host['defaults']), 'estimate_dump_size': False}
    args.update(params)
    result, failed = run_module(kdump_info.main, args)
    assert not failed, result
    return result


def crash_test(run_module, host, outcome=None, triggered_at=1769424000.5):
    """What a crash test leaves: kdump_crash's marker (covering the host now), a reboot, capture_proof's record."""
    target = read_dump_target(Platform('debian'), str(host['defaults']))
    covered = proof_utils.read_covered_state('debian', target, reserved_bytes=256 << 20)
    marker = build_marker(host['boot_id'], triggered_at, 5, 'sysrq', str(host['crash']), ['202601251000'],
                          covered=covered)
    write_marker(marker, str(host['marker_path']))
    host['boot_id'] = 'c9d8e7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f' if host['boot_id'] == BOOT else BOOT
    result, failed = run_module(capture_proof.main, {'outcome': outcome or COMPLETE, 'marker': marker,
                                                     'marker_path': str(host['marker_path'])})
    assert not failed and result['changed'], result
    return marker


def test_never_tested_host_has_a_missing_proof(run_module, debian_host):
    proof = info(run_module, debian_host)['proof']
    assert proof == {'status': 'missing', 'reasons': [], 'tested_at': None, 'dump': None, 'last_test': None,
                     'unrecorded_test': True, 'detail': 'no complete crash test is recorded on this host'}


def test_after_a_complete_test_the_unchanged_host_is_current(run_module, debian_host):
    crash_test(run_module, debian_host)
    result = info(run_module, debian_host)
    assert result['test_marker'] == 'completed'
    assert result['proof'] == {
        'status': 'current', 'reasons': [], 'tested_at': '2026-01-26T10:40:00Z', 'dump': COMPLETE['dump'],
        'last_test': dict(COMPLETE, tested_at='2026-01-26T10:40:00Z'), 'unrecorded_test': False,
        'detail': 'the complete crash test of 2026-01-26T10:40:00Z covers the host as it is now'}


def test_kernel_update_makes_the_proof_stale(run_module, debian_host):
    crash_test(run_module, debian_host)
    debian_host['kernel'] = '6.1.0-29-amd64'
    proof = info(run_module, debian_host)['proof']
    assert proof['status'] == 'stale' and proof['tested_at'] == '2026-01-26T10:40:00Z'
    assert proof['reasons'] == [{'what': 'kernel', 'then': '6.1.0-28-amd64', 'now': '6.1.0-29-amd64'}]


def test_a_comment_added_to_the_configuration_makes_the_proof_stale(run_module, debian_host):
    crash_test(run_module, debian_host)
    with open(str(debian_host['defaults']), 'a') as handle:
        handle.write('# reviewed 2026-02-01\n')
    (reason,) = info(run_module, debian_host)['proof']['reasons']
    assert reason['what'] == 'configuration' and reason['files'] == [str(debian_host['defaults'])]
    assert reason['then'] != reason['now']


def test_a_new_target_is_a_configuration_and_a_target_change(run_module, debian_host):
    crash_test(run_module, debian_host)
    debian_host['defaults'].write_text(u'USE_KDUMP=1\nSSH="kdump@dump.example.com"\n')
    reasons = info(run_module, debian_host)['proof']['reasons']
    assert [reason['what'] for reason in reasons] == ['configuration', 'target']
    assert reasons[1]['now'] == {'type': 'ssh', 'location': 'kdump@dump.example.com', 'path': '/var/crash'}


def test_reservation_and_memory_changes_make_the_proof_stale(run_module, debian_host, monkeypatch):
    crash_test(run_module, debian_host)
    monkeypatch.setattr('ansible_collections.crashdump.kdump.plugins.module_utils.service.backend.'
                        'read_crash_size', lambda: (512 << 20, None))
    debian_host['memory'] = (2 * QEMU_2G, '/proc/iomem System RAM')
    proof = info(run_module, debian_host)['proof']
    assert proof['status'] == 'stale'
    assert proof['reasons'] == [{'what': 'reservation', 'then': 256 << 20, 'now': 512 << 20},
                                {'what': 'memory', 'then': QEMU_2G, 'now': 2 * QEMU_2G}]


def test_a_failed_test_after_the_proof_is_the_last_test(run_module, debian_host):
    crash_test(run_module, debian_host)
    crash_test(run_module, debian_host, outcome={'outcome': 'no_capture', 'complete': False, 'dump': None},
               triggered_at=1770000000.0)
    proof = info(run_module, debian_host)['proof']
    assert proof['status'] == 'current' and proof['tested_at'] == '2026-01-26T10:40:00Z'
    assert proof['last_test'] == {'outcome': 'no_capture', 'complete': False, 'dump': None, 'detail': None,
                                  'tested_at': '2026-02-02T02:40:00Z'}


def test_a_later_crash_test_not_yet_recorded_is_reported(run_module, debian_host):
    crash_test(run_module, debian_host)
    write_marker(build_marker(debian_host['boot_id'], 1770000000.0, 5, 'sysrq', str(debian_host['crash']), []),
                 str(debian_host['marker_path']))
    assert info(run_module, debian_host)['test_marker'] == 'pending'
    debian_host['boot_id'] = CRASHED_BOOT
    result = info(run_module, debian_host)
    assert result['test_marker'] == 'completed' and result['proof']['unrecorded_test'] is True
    assert result['proof']['status'] == 'current'


def test_a_garbled_proof_file_is_missing_and_says_why(run_module, debian_host):
    debian_host['proof_path'].write_text(u'{"last_test": ')
    proof = info(run_module, debian_host)['proof']
    assert proof['status'] == 'missing'
    assert proof['detail'].startswith('no proof can be told: %s is not JSON' % debian_host['proof_path'])


def test_an_unreadable_marker_is_reported_as_unreadable(run_module, debian_host, monkeypatch):
    def unreadable():
        raise MarkerError('/var/lib/crashdump-kdump/crash-marker.json is not JSON')
    monkeypatch.setattr(kdump_info, 'read_marker', unreadable)
    result = info(run_module, debian_host)
    assert result['test_marker'] == 'unreadable' and result['proof']['unrecorded_test'] is False


def test_the_proof_survives_json_as_written(run_module, debian_host):
    crash_test(run_module, debian_host)
    with open(str(debian_host['proof_path'])) as handle:
        stored = json.load(handle)
    assert stored['proof']['covered']['kernel_release'] == '6.1.0-28-amd64'
    assert stored['proof']['covered']['config_digest']['files'][0]['path'] == str(debian_host['defaults'])


@pytest.mark.parametrize('value, requested', [
    ('256M', {'value': '256M', 'effective': '256M', 'effective_bytes': 256 << 20,
              'recommended': '128M', 'recommended_bytes': 128 << 20}),
    ('1G-4G:192M,4G-:384M', {'value': '1G-4G:192M,4G-:384M', 'effective': '192M', 'effective_bytes': 192 << 20,
                             'recommended': '128M', 'recommended_bytes': 128 << 20}),
    ('default', {'value': '384M-:128M', 'effective': '128M', 'effective_bytes': 128 << 20,
                 'recommended': '128M', 'recommended_bytes': 128 << 20}),
], ids=['size', 'ranges', 'default'])
def test_a_requested_reservation_is_resolved_for_this_host(run_module, debian_host, value, requested):
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults']),
                                                  'crashkernel': value})
    assert not failed
    assert result['crashkernel'] == {'configured': '256M', 'running': '256M', 'reserved_bytes': 256 << 20,
                                     'requested': requested}


@pytest.mark.parametrize('value, words', [
    ('lots', ['crashkernel:', 'lots']),
    ('1536M', ['crashkernel: crashkernel=1536M reserves 1536M, more than half']),
    ('auto', ['crashkernel: crashkernel=auto is only understood by RHEL 8']),
], ids=['not-a-size', 'more-than-half', 'auto-off-el8'])
def test_a_bad_requested_reservation_fails_naming_the_option(run_module, debian_host, value, words):
    result, failed = run_module(kdump_info.main, {'platform': 'debian', 'config_file': str(debian_host['defaults']),
                                                  'crashkernel': value})
    assert failed
    for word in words:
        assert word in result['msg'], result['msg']
    assert not result['msg'].startswith('crashkernel: value:')
