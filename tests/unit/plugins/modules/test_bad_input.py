# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Invalid parameters for every module: the task fails, says what was wrong, and changes nothing.

Each case runs a module's ``main()`` on a fake host: a temporary directory
holding real copies of the files the modules read and write (kdump.conf,
/etc/sysconfig/kdump, /etc/default/kdump-tools, the kdump-tools GRUB drop-in,
/etc/default/grub, grub.cfg, /etc/kernel/cmdline, grubenv, a dump directory
with one dump).  Commands go to a fake that answers the read-only ones
(``grubby --info=ALL``, ``systemctl show``...).

Every case asserts that the module failed; that the message names the
offending parameter and, for a closed set, the allowed values; that every
file of the fake host is byte for byte what it was and no file or directory
appeared; and that no command that changes the host ran.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation import bootloader_debian_grub, bootloader_grubby
from ansible_collections.crashdump.kdump.plugins.module_utils.service import backend as kdump_service_backend
from ansible_collections.crashdump.kdump.plugins.modules import (
    crashkernel,
    kdump_conf,
    kdump_crash,
    kdump_info,
    kdump_service,
    vmcore_info,
)

MODULES = {'kdump_conf': kdump_conf, 'crashkernel': crashkernel, 'kdump_service': kdump_service,
           'kdump_info': kdump_info, 'kdump_crash': kdump_crash, 'vmcore_info': vmcore_info}
VMCORE = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'vmcore')
GIB = 1 << 30
QEMU_2G = 2146954240
BOOT_ID = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
EL9_DEFAULT = '1G-4G:192M,4G-64G:256M,64G-:512M'
EL9_RUNNING = 'BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-362.8.1.el9_3.x86_64 root=/dev/mapper/rhel-root ro ' \
              'crashkernel=%s rhgb quiet' % EL9_DEFAULT
BINARIES = ('grubby', 'kdumpctl', 'kdump-config', 'update-grub', 'grub-mkconfig', 'dpkg-query', 'systemctl',
            'journalctl', 'systemd-run', 'setsid', 'ip')
OMIT = object()  # a case parameter with this value is left out of the module arguments

TARGET_TYPES = 'local, ext2, ext3, ext4, xfs, btrfs, minix, raw, nfs, ssh, virtiofs'
PLATFORMS = 'auto, el8, el9, el10, debian'
SSH_NO_USER = {'type': 'ssh', 'location': 'dump.example.com'}
SSH = {'type': 'ssh', 'location': 'kdump@dump.example.com'}


def _read_only(argv):
    """Whether a command only reads the host (the fake answers nothing else)."""
    tool, args = os.path.basename(argv[0]), list(argv[1:])
    if tool == 'grubby':
        return args in (['--info=ALL'], ['--default-kernel'])
    if tool == 'kdumpctl':
        return args in (['get-default-crashkernel'], ['estimate'], ['status'])
    if tool == 'kdump-config':
        return args in (['show'], ['status'])
    if tool == 'systemctl':
        return args[:1] == ['show']
    if tool in ('dpkg-query', 'rpm'):
        return True
    if tool == 'makedumpfile':
        return args[:1] == ['--mem-usage']
    if tool == 'ip':
        return args[:2] == ['-o', 'addr']
    return False


class FakeHost(object):
    """The files and commands the modules see."""

    def __init__(self, root, fixture_text):
        self.root = root
        self.fixture_text = fixture_text
        self.commands = []

    def path(self, relative):
        return str(self.root.joinpath(*relative.split('/')))

    def write(self, relative, text):
        target = self.root.joinpath(*relative.split('/'))
        if not target.parent.exists():
            target.parent.mkdir(parents=True)
        target.write_bytes(text.encode('utf-8'))

    def populate(self, platform):
        rhel = platform if platform in ('el8', 'el9', 'el10') else 'el9'
        self.write('etc/kdump.conf', self.fixture_text('%s_kdump.conf' % rhel))
        self.write('etc/sysconfig/kdump', self.fixture_text('%s_sysconfig_kdump' % rhel))
        self.write('etc/default/kdump-tools', self.fixture_text('debian_kdump-tools'))
        self.write('etc/default/grub.d/kdump-tools.cfg', self.fixture_text('crashkernel/debian12_kdump-tools.cfg'))
        self.write('etc/default/grub', self.fixture_text('crashkernel/%s' % (
            'debian12_default_grub' if platform == 'debian' else 'el9_default_grub')))
        self.write('boot/grub/grub.cfg', self.fixture_text('crashkernel/debian12_grub.cfg'))
        self.write('etc/kernel/cmdline', self.fixture_text('crashkernel/el9_kernel_cmdline'))
        self.write('boot/grub2/grubenv', self.fixture_text('crashkernel/el8_grubenv'))
        capture = self.root / 'var' / 'crash' / '202601251000'
        capture.mkdir(parents=True)
        with open(os.path.join(VMCORE, 'flat_kdump_zlib_d31.bin'), 'rb') as handle:
            (capture / 'dump.202601251000').write_bytes(handle.read())
        self.write('var/crash/202601251000/dmesg.202601251000', self.fixture_text('vmcore/debian12_dmesg_panic.txt'))
        self.cmdline = self.fixture_text('crashkernel/debian12_proc_cmdline') if platform == 'debian' \
            else EL9_RUNNING

    def snapshot(self):
        """Every path under the root: a hash for files, None for directories."""
        state = {}
        for directory, dirs, files in os.walk(str(self.root)):
            for name in dirs:
                state[os.path.join(directory, name)] = None
            for name in files:
                path = os.path.join(directory, name)
                with open(path, 'rb') as handle:
                    state[path] = hashlib.sha256(handle.read()).hexdigest()
        return state

    def run_command(self, argv, **_kwargs):
        argv = list(argv)
        self.commands.append(argv)
        tool, args = os.path.basename(argv[0]), argv[1:]
        if tool == 'grubby' and args == ['--info=ALL']:
            return 0, self.fixture_text('crashkernel/el9_grubby_info_all.txt'), ''
        if tool == 'grubby' and args == ['--default-kernel']:
            return 0, '/boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64\n', ''
        if tool == 'kdumpctl' and args == ['get-default-crashkernel']:
            return 0, EL9_DEFAULT, ''
        if tool == 'dpkg-query':
            return 0, '1:1.8.1', ''
        if tool == 'systemctl' and args[:1] == ['show']:
            return 0, self.fixture_text('kdump_status/systemctl_show_enabled_active.txt'), ''
        if tool == 'update-grub':
            return 0, '', 'Generating grub configuration file ...\ndone\n'
        if tool == 'kdump-config' and args == ['show']:
            return 0, self.fixture_text('kdump_status/kdump-config_show_ready.txt'), ''
        return 1, '', 'not available on the fake host'

    def default_args(self, module_name, platform):
        """The file options that point the module at the fake host."""
        debian = platform == 'debian'
        defaults = {'platform': platform}
        if module_name == 'kdump_conf':
            defaults.update(config_file=self.path('etc/default/kdump-tools' if debian else 'etc/kdump.conf'),
                            sysconfig_file=self.path('etc/sysconfig/kdump'), create_path=False)
        elif module_name == 'crashkernel':
            defaults.update(kdump_config_file=self.path('etc/kdump.conf'),
                            grub_dropin=self.path('etc/default/grub.d/kdump-tools.cfg'))
        elif module_name == 'kdump_info':
            defaults.update(config_file=self.path('etc/default/kdump-tools' if debian else 'etc/kdump.conf'),
                            sysconfig_file=self.path('etc/sysconfig/kdump'))
        elif module_name == 'kdump_crash':
            defaults.update(confirm=True, path=self.path('var/crash'),
                            config_file=self.path('etc/default/kdump-tools' if debian else 'etc/kdump.conf'),
                            marker_path=self.path('var/lib/crashdump-kdump/crash-marker.json'))
        elif module_name == 'vmcore_info':
            defaults.update(path=self.path('var/crash'),
                            config_file=self.path('etc/default/kdump-tools' if debian else 'etc/kdump.conf'))
        return defaults


@pytest.fixture
def fake_host(tmp_path, fixture_text, monkeypatch):
    host = FakeHost(tmp_path / 'host', fixture_text)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, argv, **kw: host.run_command(argv, **kw))
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, required=False, opt_dirs=None: '/usr/bin/%s' % name
                        if name in BINARIES else None)
    for module in (crashkernel, kdump_info):
        monkeypatch.setattr(module, 'read_cmdline', lambda: host.cmdline)
        monkeypatch.setattr(module, 'read_system_ram', lambda: (QEMU_2G, '/proc/iomem System RAM'))
    monkeypatch.setattr(crashkernel, 'read_crash_size', lambda: (192 << 20, None))
    monkeypatch.setattr(crashkernel, 'machine_name', lambda: 'x86_64')
    monkeypatch.setattr(bootloader_debian_grub, 'DEFAULT_GRUB', host.path('etc/default/grub'))
    monkeypatch.setattr(bootloader_debian_grub, 'GRUB_D_GLOB', host.path('etc/default/grub.d') + '/*.cfg')
    monkeypatch.setattr(bootloader_debian_grub, 'GRUB_CFG', host.path('boot/grub/grub.cfg'))
    monkeypatch.setattr(bootloader_grubby, 'DEFAULT_GRUB', host.path('etc/default/grub'))
    monkeypatch.setattr(bootloader_grubby, 'KERNEL_CMDLINE', host.path('etc/kernel/cmdline'))
    monkeypatch.setattr(bootloader_grubby, 'GRUBENV_PATHS', (host.path('boot/grub2/grubenv'),))
    monkeypatch.setattr(bootloader_grubby, 'OSTREE_MARKER', host.path('run/ostree-booted'))
    monkeypatch.setattr(kdump_service_backend, 'read_crash_loaded', lambda: (True, None))
    monkeypatch.setattr(kdump_service_backend, 'read_crash_size', lambda: (192 << 20, None))
    monkeypatch.setattr(kdump_info, 'free_bytes', lambda path: 4 * GIB)
    monkeypatch.setattr(kdump_info, 'configured_crashkernel', lambda module, platform: ('192M', None))
    monkeypatch.setattr(kdump_info, 'test_marker_state', lambda: 'none')
    monkeypatch.setattr(kdump_info, 'WATCHDOG_CLASS_DIR', host.path('sys/class/watchdog'))
    monkeypatch.setattr(kdump_crash, 'read_boot_id', lambda: BOOT_ID)
    monkeypatch.setattr(kdump_crash, 'read_crash_loaded', lambda: (True, None))
    monkeypatch.setattr(kdump_crash, 'read_system_ram', lambda: (QEMU_2G, 'test'))
    monkeypatch.setattr(kdump_crash, 'free_bytes', lambda path: 4 * GIB)
    monkeypatch.setattr(vmcore_info, 'read_boot_id', lambda: BOOT_ID)
    return host


# (id, module, platform, parameters, words the message must contain, files to write first)
CASES = [
    # -- kdump_conf: types, choices and combinations the argument spec catches
    ('conf-dump-level-not-an-int', 'kdump_conf', 'el9', dict(dump_level='abc'), ['dump_level', 'int']),
    ('conf-compression-not-a-choice', 'kdump_conf', 'el9', dict(compression='gzip'),
     ['compression', 'gzip', 'zlib, lzo, snappy, zstd']),
    ('conf-failure-action-not-a-choice', 'kdump_conf', 'el9', dict(failure_action='panic'),
     ['failure_action', 'reboot, halt, poweroff, shell, dump_to_rootfs']),
    ('conf-final-action-not-a-choice', 'kdump_conf', 'el9', dict(final_action='shell'),
     ['final_action', 'reboot, halt, poweroff']),
    ('conf-target-type-not-a-choice', 'kdump_conf', 'el9', dict(target={'type': 'iscsi', 'location': 'x'}),
     ['type', 'target', TARGET_TYPES]),
    ('conf-target-without-type', 'kdump_conf', 'el9', dict(target={'location': '/dev/vdb1'}),
     ['type', 'target']),
    ('conf-collector-and-dump-level', 'kdump_conf', 'el9',
     dict(core_collector='makedumpfile -l -d 31', dump_level=31), ['core_collector', 'dump_level']),
    ('conf-collector-and-compression', 'kdump_conf', 'el9', dict(core_collector='cp', compression='lzo'),
     ['core_collector', 'compression']),
    ('conf-exclusive-not-a-bool', 'kdump_conf', 'el9', dict(exclusive='sometimes'), ['exclusive', 'bool']),
    ('conf-capture-panic-not-an-int', 'kdump_conf', 'el9', dict(capture_panic_timeout='ten'),
     ['capture_panic_timeout', 'int']),
    ('conf-platform-not-a-choice', 'kdump_conf', 'sles', dict(), ['platform', PLATFORMS]),
    ('conf-unknown-parameter', 'kdump_conf', 'el9', dict(dumplevel=31), ['dumplevel']),
    # -- kdump_conf: values the module checks
    ('conf-dump-level-above-31', 'kdump_conf', 'el9', dict(dump_level=32), ['dump_level', '32', '0 to 31']),
    ('conf-message-level-negative', 'kdump_conf', 'el9', dict(message_level=-1),
     ['message_level', '-1', '0 to 31']),
    ('conf-capture-panic-zero', 'kdump_conf', 'el9', dict(capture_panic_timeout=0),
     ['capture_panic_timeout', '0', '1 to 3600']),
    ('conf-capture-panic-negative', 'kdump_conf', 'debian', dict(capture_panic_timeout=-10),
     ['capture_panic_timeout', '-10', '1 to 3600']),
    ('conf-capture-panic-above-an-hour', 'kdump_conf', 'el9', dict(capture_panic_timeout=3601),
     ['capture_panic_timeout', '3601', '1 to 3600']),
    ('conf-capture-panic-without-sysconfig', 'kdump_conf', 'el9',
     dict(capture_panic_timeout=10, sysconfig_file='{root}/etc/sysconfig/absent'),
     ['capture_panic_timeout', 'does not exist']),
    ('conf-ssh-without-user', 'kdump_conf', 'el9', dict(target=SSH_NO_USER),
     ['target.location', "'dump.example.com'", '<user>@<host>']),
    ('conf-nfs-without-colon-slash', 'kdump_conf', 'el9', dict(target={'type': 'nfs', 'location': 'srv:export'}),
     ['target.location', "'srv:export'", '<server>:/<export>']),
    ('conf-fs-target-not-a-device', 'kdump_conf', 'el9', dict(target={'type': 'xfs', 'location': 'sdb1'}),
     ['target.location', "'sdb1'", 'UUID=<uuid>']),
    ('conf-raw-target-without-location', 'kdump_conf', 'el9', dict(target={'type': 'raw'}),
     ['target.location', 'missing', 'a device node']),
    ('conf-local-target-with-location', 'kdump_conf', 'el9', dict(target={'type': 'local', 'location': '/dev/vdb'}),
     ['target.location', 'no location']),
    ('conf-two-targets', 'kdump_conf', 'el9', dict(target=SSH, directives={'nfs': 'srv:/export'}),
     ['target', 'more than one dump target']),
    ('conf-force-rebuild-and-force-no-rebuild', 'kdump_conf', 'el9', dict(force_rebuild=True, force_no_rebuild=True),
     ['force_rebuild', 'force_no_rebuild']),
    ('conf-relative-path', 'kdump_conf', 'el9', dict(path='var/crash'), ['path', "'var/crash'", 'absolute']),
    ('conf-hash-in-path', 'kdump_conf', 'el9', dict(path='/var/crash#old'), ['path', "'#'"]),
    ('conf-quoted-sshkey', 'kdump_conf', 'el9', dict(sshkey='"/root/.ssh/kdump_id_rsa"'), ['sshkey', 'quotes']),
    ('conf-list-item-of-two-words', 'kdump_conf', 'el9', dict(extra_modules=['gfs2 dm_mod']),
     ['extra_modules', 'single words']),
    ('conf-empty-fence-node-list', 'kdump_conf', 'el9', dict(fence_kdump_nodes=[]),
     ['fence_kdump_nodes', 'empty list']),
    ('conf-unknown-directive', 'kdump_conf', 'el9', dict(directives={'dump_to': '/x'}),
     ['directives', "'dump_to'", 'allowed', 'core_collector']),
    ('conf-directive-duplicates-option', 'kdump_conf', 'el9', dict(path='/a', directives={'path': '/b'}),
     ['directives', "'path'", 'duplicates']),
    ('conf-ssh-collector-without-F', 'kdump_conf', 'el9', dict(target=SSH, core_collector='makedumpfile -l -d 31'),
     ['core_collector', '-F']),
    ('conf-commandline-append-with-a-quote', 'kdump_conf', 'el9', dict(commandline_append='foo="a b"'),
     ['commandline_append', '\'"\'', 'allowed: a value without double quotes']),
    ('conf-debian-commandline-append-with-a-dollar', 'kdump_conf', 'debian', dict(commandline_append='init=$HOME'),
     ['commandline_append', "'$'", 'allowed: a value without double quotes']),
    ('conf-debian-directive-with-a-backquote', 'kdump_conf', 'debian', dict(directives={'HOSTTAG': '`hostname`'}),
     ['directives.HOSTTAG', "'`'", 'allowed: a value without double quotes']),
    ('conf-auto-reset-crashkernel-on-el8', 'kdump_conf', 'el8', dict(auto_reset_crashkernel=False),
     ['auto_reset_crashkernel', 'el8']),
    ('conf-virtiofs-on-el8', 'kdump_conf', 'el8', dict(target={'type': 'virtiofs', 'location': 'myfs'}),
     ['target.type', "'virtiofs'", 'el8', 'allowed: btrfs, ext2']),
    ('conf-debian-raw-target', 'kdump_conf', 'debian', dict(target={'type': 'raw', 'location': '/dev/vdb'}),
     ['target.type', "'raw'", 'allowed: local, ssh, nfs']),
    ('conf-debian-shell-failure-action', 'kdump_conf', 'debian', dict(failure_action='shell'),
     ['failure_action', "'shell'", 'allowed: halt, poweroff, reboot']),
    ('conf-debian-halt-final-action', 'kdump_conf', 'debian', dict(final_action='halt'),
     ['final_action', "'halt'", 'allowed: reboot']),
    ('conf-debian-commandline-remove', 'kdump_conf', 'debian', dict(commandline_remove='quiet'),
     ['commandline_remove', 'debian']),
    ('conf-debian-unknown-variable', 'kdump_conf', 'debian', dict(directives={'KDUMP_TARGET': 'x'}),
     ['directives', "'KDUMP_TARGET'", 'allowed', 'KDUMP_COREDIR']),
    ('conf-debian-panic-and-append-directive', 'kdump_conf', 'debian',
     dict(capture_panic_timeout=10, directives={'KDUMP_CMDLINE_APPEND': 'panic=5'}),
     ['directives', "'KDUMP_CMDLINE_APPEND'", 'capture_panic_timeout']),
    ('conf-debian-collector-not-makedumpfile', 'kdump_conf', 'debian', dict(core_collector='cp --sparse=always'),
     ['core_collector', 'allowed: a makedumpfile command']),

    # -- crashkernel
    ('ck-auto-on-el9', 'crashkernel', 'el9', dict(value='auto'), ['value', 'auto', 'RHEL 8']),
    ('ck-auto-on-debian', 'crashkernel', 'debian', dict(value='auto'), ['value', 'auto', 'RHEL 8']),
    ('ck-unit-mb', 'crashkernel', 'el9', dict(value='256MB'), ['value', "'256MB'", 'K, M, G, T, P or E']),
    ('ck-overlapping-ranges', 'crashkernel', 'el9', dict(value='1G-4G:192M,2G-:256M'), ['value', 'overlaps']),
    ('ck-descending-ranges', 'crashkernel', 'el9', dict(value='4G-8G:256M,1G-4G:192M'), ['value', 'ascending']),
    ('ck-range-without-size', 'crashkernel', 'debian', dict(value='1G-4G'),
     ['value', 'no size', '<start>-[<end>]:<size>']),
    ('ck-range-ending-below-its-start', 'crashkernel', 'el9', dict(value='4G-1G:192M'), ['value', 'empty']),
    ('ck-range-size-without-unit-letter', 'crashkernel', 'el9', dict(value='1G-4G:192Q'),
     ['value', "'192Q'", 'K, M, G, T, P or E']),
    ('ck-ranges-reserving-nothing-here', 'crashkernel', 'el9', dict(value='4G-64G:256M'),
     ['value', 'reserves nothing']),
    ('ck-more-than-half-of-ram', 'crashkernel', 'debian', dict(value='1100M'), ['value', 'more than half']),
    ('ck-zero-size', 'crashkernel', 'el9', dict(value='0M'), ['value', 'reserves 0 bytes']),
    ('ck-two-words', 'crashkernel', 'el9', dict(value='256M 128M'), ['value', 'single word']),
    ('ck-high-with-offset', 'crashkernel', 'debian', dict(value='256M,high@16M'), ['value', 'not a size']),
    ('ck-low-without-high', 'crashkernel', 'debian', dict(value='256M', low='128M'), ['low', '<size>,high']),
    ('ck-low-on-rhel', 'crashkernel', 'el9', dict(value='512M,high', low='128M'), ['low', 'RHEL family']),
    ('ck-low-not-a-size', 'crashkernel', 'debian', dict(value='512M,high', low='128 MB'), ['low', 'not a size']),
    ('ck-low-with-state-absent', 'crashkernel', 'debian', dict(state='absent', low='128M'),
     ['low', 'state=present']),
    ('ck-state-not-a-choice', 'crashkernel', 'el9', dict(state='on'), ['state', 'present, absent']),
    ('ck-unknown-kernel', 'crashkernel', 'el9', dict(value='256M', kernel='/boot/vmlinuz-9.9'),
     ['kernel', 'matches no boot entry']),
    ('ck-kernel-release-on-debian', 'crashkernel', 'debian', dict(value='256M', kernel='6.1.0-28-amd64'),
     ['kernel', 'use ALL']),
    ('ck-kernel-of-two-words', 'crashkernel', 'el9', dict(kernel='ALL DEFAULT'), ['kernel', 'ALL, DEFAULT']),
    ('ck-estimate-not-a-bool', 'crashkernel', 'el9', dict(estimate='maybe'), ['estimate', 'bool']),

    # -- kdump_service
    ('svc-neither-state-nor-enabled', 'kdump_service', 'debian', dict(), ['state', 'enabled']),
    ('svc-state-not-a-choice', 'kdump_service', 'debian', dict(state='running'),
     ['state', 'started, stopped, restarted, reloaded, rebuilt']),
    ('svc-negative-timeout', 'kdump_service', 'el9', dict(state='started', timeout=-1),
     ['timeout', '-1', '0 or more']),
    ('svc-timeout-not-an-int', 'kdump_service', 'el9', dict(state='started', timeout='soon'), ['timeout', 'int']),
    ('svc-enabled-not-a-bool', 'kdump_service', 'debian', dict(enabled='perhaps'), ['enabled', 'bool']),
    ('svc-wait-operational-not-a-bool', 'kdump_service', 'debian', dict(state='started', wait_operational='x'),
     ['wait_operational', 'bool']),
    ('svc-platform-not-a-choice', 'kdump_service', 'suse', dict(state='started'), ['platform', PLATFORMS]),
    ('svc-unknown-parameter', 'kdump_service', 'debian', dict(state='started', name='kdump'), ['name']),

    # -- kdump_info
    ('info-estimate-not-a-bool', 'kdump_info', 'debian', dict(estimate_dump_size='sometimes'),
     ['estimate_dump_size', 'bool']),
    ('info-platform-not-a-choice', 'kdump_info', 'sles', dict(), ['platform', PLATFORMS]),
    ('info-unknown-parameter', 'kdump_info', 'el9', dict(path='/var/crash'), ['path']),

    # -- kdump_crash
    ('crash-not-confirmed', 'kdump_crash', 'debian', dict(confirm=False), ['confirm', 'true']),
    ('crash-confirm-left-out', 'kdump_crash', 'debian', dict(confirm=OMIT), ['confirm', 'true']),
    ('crash-confirm-not-a-bool', 'kdump_crash', 'debian', dict(confirm='yes please'), ['confirm', 'bool']),
    ('crash-delay-zero', 'kdump_crash', 'debian', dict(delay=0), ['delay', '0', '1 to 300']),
    ('crash-delay-above-300', 'kdump_crash', 'debian', dict(delay=301), ['delay', '301', '1 to 300']),
    ('crash-delay-not-an-int', 'kdump_crash', 'debian', dict(delay='soon'), ['delay', 'int']),
    ('crash-method-not-a-choice', 'kdump_crash', 'debian', dict(method='panic'),
     ['method', 'sysrq, kdumpctl_test']),
    ('crash-kdumpctl-test-on-debian', 'kdump_crash', 'debian', dict(method='kdumpctl_test'),
     ['method', 'allowed here: sysrq']),
    ('crash-kdumpctl-test-on-el9', 'kdump_crash', 'el9', dict(method='kdumpctl_test'),
     ['method', 'allowed here: sysrq']),
    ('crash-negative-min-free-bytes', 'kdump_crash', 'debian', dict(min_free_bytes=-1),
     ['min_free_bytes', '-1', '0 or more']),
    ('crash-min-free-bytes-above-free-space', 'kdump_crash', 'debian', dict(min_free_bytes=64 * GIB),
     ['min_free_bytes', 'free']),
    ('crash-skip-space-check-not-a-bool', 'kdump_crash', 'debian', dict(skip_space_check='x'),
     ['skip_space_check', 'bool']),
    ('crash-unknown-parameter', 'kdump_crash', 'debian', dict(force=True), ['force']),

    # -- vmcore_info
    ('vmcore-since-not-a-time', 'vmcore_info', 'debian', dict(since='last tuesday'),
     ['since', "'last tuesday'", 'epoch seconds', 'YYYY-MM-DD']),
    ('vmcore-since-a-list', 'vmcore_info', 'debian', dict(since=[1, 2]), ['since', 'epoch seconds']),
    ('vmcore-since-a-bool', 'vmcore_info', 'debian', dict(since=True), ['since', 'epoch seconds']),
    ('vmcore-since-not-a-marker', 'vmcore_info', 'debian', dict(since={'boot_id': BOOT_ID}),
     ['since', 'triggered_at', 'capture_dirs']),
    ('vmcore-since-marker-without-list', 'vmcore_info', 'debian',
     dict(since={'boot_id': BOOT_ID, 'triggered_at': 1.0, 'capture_dirs': 'none'}), ['since', 'capture_dirs']),
    ('vmcore-since-marker-with-bad-time', 'vmcore_info', 'debian',
     dict(since={'boot_id': BOOT_ID, 'triggered_at': 'yesterday', 'capture_dirs': []}),
     ['since', 'triggered_at', 'epoch seconds']),
    ('vmcore-remote-target-without-path', 'vmcore_info', 'debian', dict(path=OMIT), ['path', 'ssh'],
     {'etc/default/kdump-tools': 'USE_KDUMP=1\nSSH="kdump@dump.example.com"\n'}),
    ('vmcore-platform-not-a-choice', 'vmcore_info', 'suse', dict(path=OMIT), ['platform', PLATFORMS]),
    ('vmcore-unknown-parameter', 'vmcore_info', 'debian', dict(dump_path='/var/crash'), ['dump_path']),
]


def _arguments(host, module_name, platform, params):
    args = host.default_args(module_name, platform)
    for name, value in params.items():
        if isinstance(value, str) and '{root}' in value:
            value = value.format(root=str(host.root))
        args[name] = value
    return dict((name, value) for name, value in args.items() if value is not OMIT)


@pytest.mark.parametrize('module_name, platform, params, words, files',
                         [(case[1], case[2], case[3], case[4], case[5] if len(case) > 5 else {}) for case in CASES],
                         ids=[case[0] for case in CASES])
def test_bad_input_fails_names_the_parameter_and_changes_nothing(run_module, fake_host, module_name, platform,
                                                                 params, words, files):
    fake_host.populate(platform)
    for relative, text in files.items():
        fake_host.write(relative, text)
    before = fake_host.snapshot()

    result, failed = run_module(MODULES[module_name].main, _arguments(fake_host, module_name, platform, params))

    assert failed, result
    for word in words:
        assert word in result['msg'], 'expected %r in the message: %s' % (word, result['msg'])
    assert not result.get('changed')
    assert fake_host.snapshot() == before
    assert [argv for argv in fake_host.commands if not _read_only(argv)] == []


def test_the_table_covers_every_module_with_at_least_60_cases():
    assert len(CASES) >= 60
    assert set(case[1] for case in CASES) == set(MODULES)
    assert len(set(case[0] for case in CASES)) == len(CASES)


def test_the_harness_sees_what_a_valid_run_changes(run_module, fake_host):
    """Control: the same set-up with valid input does change files and run commands, and the checks see it."""
    fake_host.populate('debian')
    before = fake_host.snapshot()
    result, failed = run_module(kdump_conf.main, _arguments(fake_host, 'kdump_conf', 'debian',
                                                            dict(capture_panic_timeout=10, backup=True)))
    assert not failed and result['changed']
    after = fake_host.snapshot()
    assert after[fake_host.path('etc/default/kdump-tools')] != before[fake_host.path('etc/default/kdump-tools')]
    assert set(after) - set(before)  # the backup is a new file

    result, failed = run_module(crashkernel.main, _arguments(fake_host, 'crashkernel', 'debian', dict(value='256M')))
    assert not failed and result['changed'], result
    assert [argv for argv in fake_host.commands if not _read_only(argv)] == [['/usr/bin/update-grub']]
