# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kdump_crash module through main(): every refusal changes nothing; check mode never crashes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.module_utils.capture import proof as capture_proof
from ansible_collections.crashdump.kdump.plugins.modules import kdump_crash

BOOT = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
OLD_BOOT = '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'
GIB = 1 << 30
BINARIES = {'systemd-run': '/usr/bin/systemd-run', 'setsid': '/usr/bin/setsid', 'kdumpctl': '/usr/bin/kdumpctl',
            'makedumpfile': None}


class Host(object):
    """What the module sees of the host; tests change attributes before running it."""

    def __init__(self, tmp_path):
        self.crash_dir = tmp_path / 'crash'
        self.crash_dir.mkdir()
        (self.crash_dir / '202601251000').mkdir()
        self.defaults = tmp_path / 'kdump-tools'
        self.defaults.write_text(u'USE_KDUMP=1\nKDUMP_COREDIR="%s"\n' % self.crash_dir)
        self.marker_path = tmp_path / 'state' / 'crash-marker.json'
        self.loaded = (True, None)
        self.free = 10 * GIB
        self.binaries = dict(BINARIES)
        self.commands = []
        self.command_rc = 0

    def args(self, **params):
        args = {'confirm': True, 'platform': 'debian', 'config_file': str(self.defaults),
                'marker_path': str(self.marker_path)}
        args.update(params)
        return args


@pytest.fixture
def host(tmp_path, monkeypatch):
    host = Host(tmp_path)
    monkeypatch.setattr(kdump_crash, 'read_boot_id', lambda: BOOT)
    monkeypatch.setattr(kdump_crash, 'read_crash_loaded', lambda: host.loaded)
    monkeypatch.setattr(kdump_crash, 'read_system_ram', lambda: (2 * GIB, 'test'))
    monkeypatch.setattr(kdump_crash, 'free_bytes', lambda path: host.free)
    monkeypatch.setattr(capture_proof, 'kernel_release', lambda: '6.1.0-28-amd64')
    monkeypatch.setattr(capture_proof, 'read_crash_size', lambda: (256 << 20, None))
    monkeypatch.setattr(capture_proof, 'read_machine_memory', lambda: (2146954240, '/proc/iomem System RAM'))
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, required=False, opt_dirs=None: host.binaries.get(name))

    def run_command(self, argv, **kwargs):
        host.commands.append(list(argv))
        return host.command_rc, '', 'Failed to start transient timer unit' if host.command_rc else ''
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    return host


def assert_untouched(host):
    assert host.commands == []
    assert not host.marker_path.exists()


def test_crash_is_scheduled_detached_after_the_marker(run_module, host):
    result, failed = run_module(kdump_crash.main, host.args(delay=7))
    assert not failed and result['changed'] and result['triggered']
    with open(str(host.marker_path)) as handle:
        assert json.load(handle) == result['marker']
    assert result['marker']['boot_id'] == BOOT
    assert result['marker']['capture_dirs'] == ['202601251000']
    assert result['marker']['dump_path'] == str(host.crash_dir)
    (command,) = host.commands
    assert command[0] == '/usr/bin/systemd-run' and '--on-active=7s' in command
    assert command[-3:] == ['/bin/sh', '-c', 'sync; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger']
    assert result['trigger_command'] == command
    assert result['expected_dump_bytes'] == 2 * GIB + 64 * (1 << 20) and result['free_bytes'] == 10 * GIB


def test_without_systemd_run_a_new_session_sleeps_then_crashes(run_module, host):
    host.binaries['systemd-run'] = None
    result, failed = run_module(kdump_crash.main, host.args())
    assert not failed and result['triggered']
    (command,) = host.commands
    assert command[:2] == ['/usr/bin/setsid', '-f'] and command[5] == '5'
    assert command[-3:] == ['/bin/sh', '-c', 'sync; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger']


def test_without_any_way_to_detach_the_crash_is_refused(run_module, host):
    host.binaries['systemd-run'] = host.binaries['setsid'] = None
    result, failed = run_module(kdump_crash.main, host.args())
    assert failed and 'neither systemd-run nor setsid' in result['msg']
    assert_untouched(host)


def test_check_mode_reports_the_marker_and_never_crashes(run_module, host):
    result, failed = run_module(kdump_crash.main, host.args(), check_mode=True)
    assert not failed and result['changed'] and not result['triggered']
    assert result['marker']['capture_dirs'] == ['202601251000']
    assert_untouched(host)


def test_check_mode_still_refuses(run_module, host):
    host.loaded = (False, None)
    result, failed = run_module(kdump_crash.main, host.args(), check_mode=True)
    assert failed and 'not operational' in result['msg']
    assert_untouched(host)


@pytest.mark.parametrize('params, message', [
    ({'confirm': False}, 'confirm: this module crashes the host; set confirm: true'),
    ({'delay': 0}, 'delay: 0 is out of range; allowed: 1 to 300'),
    ({'delay': 301}, 'delay: 301 is out of range'),
    ({'min_free_bytes': -1}, 'min_free_bytes: -1 is negative'),
    ({'method': 'kdumpctl_test'}, "method: 'kdumpctl_test' needs kdumpctl test"),
    ({'min_free_bytes': 20 * GIB}, 'has 10737418240 bytes free but the dump needs up to 21474836480 (min_free_bytes)'),
], ids=['no-confirm', 'delay-0', 'delay-301', 'negative-min-free', 'kdumpctl-test-on-debian', 'min-free'])
def test_bad_input_is_refused_and_nothing_changes(run_module, host, params, message):
    result, failed = run_module(kdump_crash.main, host.args(**params))
    assert failed and result['msg'].startswith('refused, nothing changed: ') and message in result['msg']
    assert not result['changed'] and not result['triggered'] and result['refused'] is True
    assert_untouched(host)


@pytest.mark.parametrize('setup, params, refusal', [
    (None, {'confirm': False}, 'not_confirmed'),
    (None, {'delay': 0}, 'bad_parameter'),
    (None, {'min_free_bytes': -1}, 'bad_parameter'),
    (None, {'method': 'kdumpctl_test'}, 'method_unsupported'),
    ('not_loaded', {}, 'not_operational'),
    ('no_kexec', {}, 'not_operational'),
    ('little_space', {}, 'no_space'),
    ('remote_target', {}, 'space_unknown'),
    ('no_scheduler', {}, 'no_scheduler'),
    ('pending', {}, 'test_pending'),
    ('garbled_marker', {}, 'marker_unreadable'),
], ids=['no-confirm', 'delay-0', 'negative-min-free', 'kdumpctl-test-on-debian', 'not-loaded', 'no-kexec',
        'little-space', 'remote-target', 'no-scheduler', 'pending', 'garbled-marker'])
def test_refusal_is_machine_readable(run_module, host, setup, params, refusal):
    if setup == 'not_loaded':
        host.loaded = (False, None)
    elif setup == 'no_kexec':
        host.loaded = (None, 'the kernel has no /sys/kernel/kexec_crash_loaded')
    elif setup == 'little_space':
        host.free = 1 << 20
    elif setup == 'remote_target':
        host.defaults.write_text(u'USE_KDUMP=1\nSSH="kdump@dump.example.com"\n')
    elif setup == 'no_scheduler':
        host.binaries['systemd-run'] = host.binaries['setsid'] = None
    elif setup in ('pending', 'garbled_marker'):
        os.makedirs(str(host.marker_path.parent))
        host.marker_path.write_text(u'{not json' if setup == 'garbled_marker' else
                                    json.dumps({'boot_id': BOOT, 'triggered_at': 1.0, 'capture_dirs': []}))
    marker_before = host.marker_path.read_bytes() if host.marker_path.exists() else None
    result, failed = run_module(kdump_crash.main, host.args(**params))
    assert failed and result['refused'] is True and result['refusal'] == refusal
    assert result['outcome']['outcome'] == 'refused' and result['outcome']['complete'] is False
    assert result['outcome']['detail'].endswith(result['msg'][len('refused, nothing changed: '):])
    assert host.commands == []
    assert (host.marker_path.read_bytes() if host.marker_path.exists() else None) == marker_before


def test_scheduling_failure_is_not_a_refusal(run_module, host):
    host.command_rc = 1
    result, failed = run_module(kdump_crash.main, host.args())
    assert failed and result['refused'] is False and 'refusal' not in result


@pytest.mark.parametrize('loaded, message', [
    ((False, None), '/sys/kernel/kexec_crash_loaded is 0'),
    ((None, 'the kernel has no /sys/kernel/kexec_crash_loaded: it was built without kexec/crash dump support'),
     'without kexec/crash dump support'),
], ids=['not-loaded', 'no-kexec'])
def test_not_operational_is_refused(run_module, host, loaded, message):
    host.loaded = loaded
    result, failed = run_module(kdump_crash.main, host.args())
    assert failed and 'kdump is not operational' in result['msg'] and message in result['msg']
    assert_untouched(host)


def test_not_enough_space_for_the_ram_bound_is_refused(run_module, host):
    host.free = 100 * (1 << 20)
    result, failed = run_module(kdump_crash.main, host.args())
    assert failed and 'has 104857600 bytes free but the dump needs up to 536870912 (RAM bound' in result['msg']
    assert_untouched(host)


def test_more_room_than_ram_skips_reading_all_of_memory(run_module, host):
    host.binaries['makedumpfile'] = '/usr/sbin/makedumpfile'
    result, failed = run_module(kdump_crash.main, host.args())
    assert not failed and result['triggered']
    assert result['expected_dump_bytes'] == 2 * GIB + 64 * (1 << 20)
    assert 'makedumpfile --mem-usage was not run' in result['expected_source']
    assert not [argv for argv in host.commands if argv[0] == '/usr/sbin/makedumpfile']


def test_less_room_than_ram_counts_the_pages(run_module, host):
    host.binaries['makedumpfile'] = '/usr/sbin/makedumpfile'
    host.free = GIB
    result, failed = run_module(kdump_crash.main, host.args())
    assert not failed and result['triggered']
    assert host.commands[0] == ['/usr/sbin/makedumpfile', '--mem-usage', '/proc/kcore']
    # The fake makedumpfile prints nothing: the bound comes from RAM.
    assert result['expected_dump_bytes'] == GIB // 2 and result['expected_source'].startswith('RAM bound: a quarter')


def test_min_free_bytes_replaces_the_estimate(run_module, host):
    host.free = 100 * (1 << 20)
    result, failed = run_module(kdump_crash.main, host.args(min_free_bytes=64 * (1 << 20)))
    assert not failed and result['triggered']


def test_pending_test_of_this_boot_is_refused_and_its_marker_kept(run_module, host):
    result, failed = run_module(kdump_crash.main, host.args())
    assert not failed
    with open(str(host.marker_path), 'rb') as handle:
        first = handle.read()
    host.commands = []
    again, failed = run_module(kdump_crash.main, host.args())
    assert failed and 'already scheduled in this boot' in again['msg'] and str(host.marker_path) in again['msg']
    assert host.commands == []
    with open(str(host.marker_path), 'rb') as handle:
        assert handle.read() == first


def test_marker_of_an_earlier_boot_does_not_block_a_new_test(run_module, host):
    os.makedirs(str(host.marker_path.parent))
    host.marker_path.write_text(json.dumps({'boot_id': OLD_BOOT, 'triggered_at': 1.0, 'capture_dirs': []}))
    result, failed = run_module(kdump_crash.main, host.args())
    assert not failed and result['triggered'] and result['marker']['boot_id'] == BOOT


def test_remote_target_needs_skip_space_check(run_module, host):
    host.defaults.write_text(u'USE_KDUMP=1\nSSH="kdump@dump.example.com"\n')
    result, failed = run_module(kdump_crash.main, host.args())
    assert failed and 'ssh target kdump@dump.example.com' in result['msg'] and 'skip_space_check' in result['msg']
    assert_untouched(host)
    result, failed = run_module(kdump_crash.main, host.args(skip_space_check=True))
    assert not failed and result['triggered'] and result['dump_path'] is None
    assert result['marker']['capture_dirs'] == [] and result['free_bytes'] is None


def test_remote_target_compares_with_the_servers_free_space(run_module, host):
    host.defaults.write_text(u'USE_KDUMP=1\nSSH="kdump@dump.example.com"\n')
    result, failed = run_module(kdump_crash.main, host.args(target_free_bytes=100 * (1 << 20)))
    assert failed and result['refusal'] == 'no_space'
    assert 'the ssh target kdump@dump.example.com has 104857600 bytes free' in result['msg']
    assert_untouched(host)
    result, failed = run_module(kdump_crash.main, host.args(target_free_bytes=10 * GIB))
    assert not failed and result['triggered'] and result['free_bytes'] == 10 * GIB


@pytest.mark.parametrize('extra, message', [
    (dict(target_free_bytes=-1), 'target_free_bytes: -1 is negative'),
    (dict(target_free_bytes=1, skip_space_check=True), 'target_free_bytes and skip_space_check exclude each other'),
])
def test_bad_target_free_bytes_is_refused(run_module, host, extra, message):
    result, failed = run_module(kdump_crash.main, host.args(**extra))
    assert failed and message in result['msg']
    assert_untouched(host)


def test_scheduling_failure_removes_the_marker(run_module, host):
    host.command_rc = 1
    result, failed = run_module(kdump_crash.main, host.args())
    assert failed and 'could not schedule the crash' in result['msg'] and not result['triggered']
    assert not host.marker_path.exists()


def test_debian_capture_without_panic_argument_warns(run_module, host, monkeypatch):
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, warning: warnings.append(warning))
    _result, failed = run_module(kdump_crash.main, host.args(), check_mode=True)
    assert not failed and len(warnings) == 1 and 'no panic= argument' in warnings[0]
    host.defaults.write_text(u'KDUMP_COREDIR="%s"\nKDUMP_CMDLINE_APPEND="reset_devices panic=10"\n'
                             % host.crash_dir)
    _result, failed = run_module(kdump_crash.main, host.args(), check_mode=True)
    assert not failed and len(warnings) == 1


def test_kdumpctl_test_on_el10_runs_kdumpctl_test_force(run_module, host, tmp_path):
    conf = tmp_path / 'kdump.conf'
    conf.write_text(u'path %s\ncore_collector makedumpfile -l --message-level 7 -d 31\n' % host.crash_dir)
    result, failed = run_module(kdump_crash.main, host.args(platform='el10', config_file=str(conf),
                                                            method='kdumpctl_test'))
    assert not failed and result['method'] == 'kdumpctl_test'
    (command,) = host.commands
    assert command[-4:] == ['/bin/sh', '-c', 'sync; echo 1 > /proc/sys/kernel/sysrq; exec "$0" test --force',
                            '/usr/bin/kdumpctl']


def test_marker_records_what_the_test_covers(run_module, host):
    result, failed = run_module(kdump_crash.main, host.args())
    assert not failed and result['marker']['version'] == 2
    covered = result['marker']['covered']
    defaults_sha256 = hashlib.sha256(host.defaults.read_bytes()).hexdigest()
    assert covered['config_digest']['files'] == [{'path': str(host.defaults), 'sha256': defaults_sha256,
                                                  'missing': False}]
    assert len(covered['config_digest']['sha256']) == 64
    assert dict((key, value) for key, value in covered.items() if key != 'config_digest') == {
        'kernel_release': '6.1.0-28-amd64', 'reserved_bytes': 256 << 20, 'memory_bytes': 2146954240,
        'memory_source': '/proc/iomem System RAM',
        'target': {'type': 'local', 'location': None, 'path': str(host.crash_dir)}}
    with open(str(host.marker_path)) as handle:
        assert json.load(handle)['covered'] == covered


def test_check_mode_marker_records_the_same_covered_state(run_module, host):
    checked, failed = run_module(kdump_crash.main, host.args(), check_mode=True)
    assert not failed and not host.marker_path.exists()
    result, failed = run_module(kdump_crash.main, host.args())
    assert not failed and checked['marker']['covered'] == result['marker']['covered']


def test_el9_marker_digests_kdump_conf_and_sysconfig(run_module, host, tmp_path, fixture_text):
    conf = tmp_path / 'kdump.conf'
    conf.write_text(fixture_text('el9_kdump.conf').replace(u'path /var/crash', u'path %s' % host.crash_dir))
    sysconfig = tmp_path / 'sysconfig_kdump'
    sysconfig.write_text(fixture_text('el9_sysconfig_kdump'))
    result, failed = run_module(kdump_crash.main, host.args(platform='el9', config_file=str(conf),
                                                            sysconfig_file=str(sysconfig)))
    assert not failed
    files = result['marker']['covered']['config_digest']['files']
    assert [(entry['path'], entry['missing']) for entry in files] == [(str(conf), False), (str(sysconfig), False)]
    assert files[1]['sha256'] == hashlib.sha256(sysconfig.read_bytes()).hexdigest()


def test_missing_sysconfig_is_recorded_as_missing(run_module, host, tmp_path):
    conf = tmp_path / 'kdump.conf'
    conf.write_text(u'path %s\ncore_collector makedumpfile -l --message-level 7 -d 31\n' % host.crash_dir)
    result, failed = run_module(kdump_crash.main, host.args(platform='el9', config_file=str(conf),
                                                            sysconfig_file=str(tmp_path / 'absent')))
    assert not failed
    assert result['marker']['covered']['config_digest']['files'][1] == {
        'path': str(tmp_path / 'absent'), 'sha256': None, 'missing': True}
