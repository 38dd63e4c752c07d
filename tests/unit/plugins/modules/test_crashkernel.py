# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The crashkernel module through main(), on a simulated RHEL or Debian host.

The fake host keeps the boot entries grubby would show and regenerates
grub.cfg from the drop-in when update-grub runs, so the module's second run
sees what its first run did.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation import bootloader_debian_grub, bootloader_grubby
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader_grubby import parse_grubby_info
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import ShellVarsFile
from ansible_collections.crashdump.kdump.plugins.modules import crashkernel

M = 1024 ** 2
QEMU_2G = 2146954240
EL9_DEFAULT = '1G-4G:192M,4G-64G:256M,64G-:512M'
EL9_RUNNING = 'BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-362.8.1.el9_3.x86_64 root=/dev/mapper/rhel-root ro ' \
              'crashkernel=%s resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet' \
              % EL9_DEFAULT
ESTIMATE = ('Reserved crashkernel:    192M\nRecommended crashkernel: 192M\n\nKernel image size:   47M\n'
            'Kernel modules size: 8M\nInitramfs size:      20M\nRuntime reservation: 64M\nLarge modules: <none>\n')


def _render_grubby(entries):
    lines = []
    for entry in entries:
        lines.append('index=%d' % entry['index'])
        for key in ('kernel', 'args', 'root', 'initrd', 'title', 'id'):
            if key in entry:
                lines.append('%s="%s"' % (key, entry[key]))
    return '\n'.join(lines) + '\n'


def _set_crashkernel(args, new):
    kept = [arg for arg in args.split() if not arg.startswith('crashkernel=')]
    return ' '.join(kept + new)


class FakeHost(object):
    """Commands and kernel facts of one simulated host."""

    def __init__(self, tmp_path, fixture_text, platform):
        self.tmp = tmp_path
        self.fixture_text = fixture_text
        self.platform = platform
        self.commands = []
        self.ram = QEMU_2G
        self.machine = 'x86_64'
        self.estimate = (0, ESTIMATE, '')
        self.default_kernel = None
        self.entries = []
        self.grubby_fails = False
        self.grubby_updates_files = False
        self.binaries = {'grubby': '/usr/sbin/grubby', 'kdumpctl': '/usr/bin/kdumpctl',
                         'update-grub': '/usr/sbin/update-grub', 'dpkg-query': '/usr/bin/dpkg-query',
                         'kdump-config': '/usr/sbin/kdump-config'}
        self.grub_cfg_template = fixture_text('crashkernel/debian12_grub.cfg')

    # -- files of the host, under tmp_path
    def path(self, name):
        return str(self.tmp / name)

    def read(self, name):
        target = self.tmp / name
        return target.read_text() if target.exists() else None

    def write(self, name, text):
        (self.tmp / name).write_text(text)

    # -- commands
    def run_command(self, argv, **_kwargs):
        self.commands.append(list(argv))
        tool, args = argv[0].rsplit('/', 1)[-1], argv[1:]
        if tool == 'grubby':
            return self._grubby(args)
        if tool == 'kdumpctl' and args == ['get-default-crashkernel']:
            if self.platform == 'el8':
                return 1, '', 'kdump: Usage: /usr/bin/kdumpctl {estimate|start|stop|status|restart|reload|' \
                              'rebuild|propagate|showmem}\n'
            return 0, EL9_DEFAULT, ''
        if tool == 'kdumpctl' and args == ['estimate']:
            return self.estimate
        if tool == 'dpkg-query':
            return 0, '1:1.8.1', ''
        if tool == 'update-grub':
            self._update_grub()
            return 0, '', 'Generating grub configuration file ...\ndone\n'
        if tool == 'kdump-config' and args == ['show']:
            return 0, 'DUMP_MODE:\t\tkdump\ncurrent state:    ready to kdump\n', ''
        raise AssertionError('unexpected command %r' % (argv,))

    def _grubby(self, args):
        if args == ['--info=ALL']:
            return 0, _render_grubby(self.entries), ''
        if args == ['--default-kernel']:
            return 0, (self.default_kernel or self.entries[0]['kernel']) + '\n', ''
        if self.grubby_fails:
            return 1, '', 'grubby: error updating entries\n'
        selector = re.match(r'--update-kernel=(.*)$', args[0]).group(1)
        chosen = self.entries if selector == 'ALL' else [self.entries[int(selector)]]
        new = [] if args[1] == '--remove-args=crashkernel' else [args[1][len('--args='):]]
        for entry in chosen:
            entry['args'] = _set_crashkernel(entry['args'], new)
        if self.grubby_updates_files and selector == 'ALL':
            # what RHEL 9's grubby does to the files new kernels inherit from
            self.write('kernel_cmdline', _set_crashkernel(self.read('kernel_cmdline'), new) + '\n')
            grub = ShellVarsFile.parse(self.read('default_grub'))
            grub.set('GRUB_CMDLINE_LINUX', _set_crashkernel(grub.get('GRUB_CMDLINE_LINUX'), new))
            self.write('default_grub', grub.render())
        return 0, '', ''

    def _update_grub(self):
        dropin = ShellVarsFile.parse(self.read('kdump-tools.cfg') or '').get('GRUB_CMDLINE_LINUX_DEFAULT') or ''
        wanted = [arg for arg in dropin.split() if arg.startswith('crashkernel=')]
        lines = []
        for line in self.grub_cfg_template.splitlines(True):
            if line.lstrip().startswith('linux') and ' single ' not in line:
                line = _set_crashkernel(line.rstrip('\n'), wanted).replace('linux ', '\tlinux\t', 1) + '\n'
            lines.append(line)
        self.write('grub.cfg', ''.join(lines))

    def update_commands(self):
        changing = ('--args', '--remove-args')
        return [argv for argv in self.commands
                if argv[0].endswith('update-grub') or any(arg.startswith(changing) for arg in argv)]


@pytest.fixture
def host(tmp_path, fixture_text, monkeypatch):
    def make(platform='debian', cmdline=None, reserved=128 * M):
        fake = FakeHost(tmp_path, fixture_text, platform)
        fake.cmdline = cmdline
        fake.reserved = reserved
        monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, argv, **kw: fake.run_command(argv, **kw))
        monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                            lambda self, name, required=False, opt_dirs=None: fake.binaries.get(name))
        monkeypatch.setattr(crashkernel, 'read_cmdline', lambda: fake.cmdline)
        monkeypatch.setattr(crashkernel, 'read_crash_size', lambda: (fake.reserved, None))
        monkeypatch.setattr(crashkernel, 'read_system_ram', lambda: (fake.ram, '/proc/iomem System RAM'))
        monkeypatch.setattr(crashkernel, 'machine_name', lambda: fake.machine)
        monkeypatch.setattr(bootloader_debian_grub, 'DEFAULT_GRUB', fake.path('default_grub'))
        monkeypatch.setattr(bootloader_debian_grub, 'GRUB_D_GLOB', fake.path('*.cfg'))
        monkeypatch.setattr(bootloader_debian_grub, 'GRUB_CFG', fake.path('grub.cfg'))
        monkeypatch.setattr(bootloader_grubby, 'DEFAULT_GRUB', fake.path('default_grub'))
        monkeypatch.setattr(bootloader_grubby, 'KERNEL_CMDLINE', fake.path('kernel_cmdline'))
        monkeypatch.setattr(bootloader_grubby, 'GRUBENV_PATHS', (fake.path('grubenv'),))
        monkeypatch.setattr(bootloader_grubby, 'OSTREE_MARKER', fake.path('ostree-booted'))
        if platform == 'debian':
            fake.write('kdump-tools.cfg', fixture_text('crashkernel/debian12_kdump-tools.cfg'))
            fake.write('default_grub', fixture_text('crashkernel/debian12_default_grub'))
            fake.write('grub.cfg', fixture_text('crashkernel/debian12_grub.cfg'))
            fake.cmdline = cmdline or fixture_text('crashkernel/debian12_proc_cmdline')
        else:
            fake.entries = parse_grubby_info(fixture_text('crashkernel/%s_grubby_info_all.txt' % platform))
            fake.write('kdump.conf', fixture_text('%s_kdump.conf' % platform))
            if platform == 'el9':
                fake.write('default_grub', fixture_text('crashkernel/el9_default_grub'))
                fake.write('kernel_cmdline', fixture_text('crashkernel/el9_kernel_cmdline'))
                fake.cmdline = cmdline or EL9_RUNNING
                fake.reserved = 192 * M
        return fake
    return make


def args_for(fake, **params):
    params.setdefault('platform', fake.platform)
    params.setdefault('kdump_config_file', fake.path('kdump.conf'))
    params.setdefault('grub_dropin', fake.path('kdump-tools.cfg'))
    return params


# ---------------------------------------------------------------------------
# Debian family


def test_debian_set_256M_writes_the_dropin_runs_update_grub_once_then_changes_nothing(run_module, host):
    fake = host('debian')
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'))
    assert not failed, result
    assert result['changed'] and result['crashkernel'] == '256M'
    assert fake.read('kdump-tools.cfg') == 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M"\n'
    assert [argv[0] for argv in fake.update_commands()] == ['/usr/sbin/update-grub']
    assert [entry['crashkernel'] for entry in result['configured']] == ['256M', '256M', None]
    assert result['running'] == '384M-:128M' and result['reserved_bytes'] == 128 * M
    assert (result['effective'], result['effective_bytes']) == ('256M', 256 * M)
    assert (result['recommended'], result['default_value']) == ('128M', '384M-:128M')
    assert result['reboot_required'] is True
    assert result['reboot_reason'] == (
        'the default boot entry (/boot/vmlinuz-6.1.0-28-amd64) has crashkernel=256M but the running kernel was '
        'booted with crashkernel=384M-:128M and reserved 128M')
    assert result['estimate'] is None and 'no "crashkernel suggested size"' in result['estimate_reason']

    fake.commands = []
    again, failed = run_module(crashkernel.main, args_for(fake, value='256M'))
    assert not failed and not again['changed'] and again['changes'] == []
    assert fake.update_commands() == []
    assert again['reboot_required'] is True


def test_debian_after_the_reboot_no_reboot_is_required(run_module, host):
    fake = host('debian')
    run_module(crashkernel.main, args_for(fake, value='256M'))
    fake.cmdline = fake.cmdline.replace('crashkernel=384M-:128M', 'crashkernel=256M')
    fake.reserved = 268435456
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'))
    assert not failed and not result['changed']
    assert (result['reboot_required'], result['reboot_reason']) == (False, None)
    assert result['reserved_bytes'] == 268435456 and result['running'] == '256M'


def test_debian_check_mode_reports_the_change_and_diff_but_touches_nothing(run_module, host):
    fake = host('debian')
    before = fake.read('kdump-tools.cfg'), fake.read('grub.cfg')
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'), check_mode=True, diff=True)
    assert not failed and result['changed']
    assert (fake.read('kdump-tools.cfg'), fake.read('grub.cfg')) == before
    assert fake.update_commands() == []
    assert result['diff'][0]['after'].endswith('crashkernel=256M"\n')
    assert result['configured'][0]['crashkernel'] == '256M'
    assert result['reboot_required'] is True


def test_debian_absent_keeps_the_dropin_line_and_after_reboot_reserves_nothing(run_module, host):
    fake = host('debian')
    result, failed = run_module(crashkernel.main, args_for(fake, state='absent'))
    assert not failed and result['changed'] and result['crashkernel'] is None
    assert fake.read('kdump-tools.cfg') == 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT"\n'
    assert [entry['crashkernel'] for entry in result['configured']] == [None, None, None]
    assert result['reboot_required'] is True
    assert result['reboot_reason'].startswith('the default boot entry (/boot/vmlinuz-6.1.0-28-amd64) has no '
                                              'crashkernel= but the running kernel was booted with crashkernel=')

    fake.cmdline = fake.cmdline.replace(' crashkernel=384M-:128M', '')
    fake.reserved = 0
    again, failed = run_module(crashkernel.main, args_for(fake, state='absent'))
    assert not failed and not again['changed'] and again['reserved_bytes'] == 0
    assert again['reboot_required'] is False


def test_debian_crashkernel_in_etc_default_grub_is_removed_and_reported(run_module, host):
    fake = host('debian')
    fake.write('default_grub', fake.read('default_grub').replace('GRUB_CMDLINE_LINUX="console=ttyS0,115200n8"',
                                                                 'GRUB_CMDLINE_LINUX="console=ttyS0,115200n8 '
                                                                 'crashkernel=96M"'))
    result, failed = run_module(crashkernel.main, args_for(fake, value='384M-:128M'), diff=True)
    assert not failed and result['changed']
    assert 'crashkernel' not in fake.read('default_grub')
    assert any(change.startswith(fake.path('default_grub')) for change in result['changes'])


def test_debian_stale_grub_cfg_is_regenerated(run_module, host):
    fake = host('debian')
    fake.write('kdump-tools.cfg', 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M"\n')
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'))
    assert not failed and result['changed']
    assert 'update-grub regenerates it' in result['changes'][-1]
    assert len(fake.update_commands()) == 1
    assert result['configured'][0]['crashkernel'] == '256M'


def test_debian_specific_kernel_is_an_error_and_nothing_changes(run_module, host):
    fake = host('debian')
    before = fake.read('kdump-tools.cfg')
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M', kernel='6.1.0-28-amd64'))
    assert failed and not result['changed'] and 'use ALL' in result['msg']
    assert fake.read('kdump-tools.cfg') == before and fake.update_commands() == []


def test_debian_below_default_is_a_warning(run_module, host, monkeypatch):
    fake = host('debian')
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, warning: warnings.append(warning))
    result, failed = run_module(crashkernel.main, args_for(fake, value='96M'))
    assert not failed and result['changed']
    assert len(warnings) == 1 and 'less than the distribution default 384M-:128M (128M for this RAM)' in warnings[0]


def test_debian_high_and_low_pair(run_module, host):
    fake = host('debian')
    fake.ram = 8 * 1024 ** 3
    result, failed = run_module(crashkernel.main, args_for(fake, value='512M,high', low='128M'))
    assert not failed and result['crashkernel_low'] == '128M'
    assert fake.read('kdump-tools.cfg').endswith('crashkernel=512M,high crashkernel=128M,low"\n')
    assert (result['configured'][0]['crashkernel'], result['configured'][0]['crashkernel_low']) == ('512M,high',
                                                                                                    '128M')


# ---------------------------------------------------------------------------
# RHEL family


def test_el9_custom_size_updates_all_entries_template_files_and_kdump_conf(run_module, host):
    fake = host('el9')
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'), diff=True)
    assert not failed, result
    assert result['changed']
    assert fake.update_commands() == [['/usr/sbin/grubby', '--update-kernel=ALL', '--args=crashkernel=256M']]
    assert [entry['crashkernel'] for entry in result['configured']] == ['256M', '256M', '256M']
    assert 'GRUB_CMDLINE_LINUX="resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet ' \
           'crashkernel=256M"' in fake.read('default_grub')
    assert fake.read('kernel_cmdline').endswith(' quiet crashkernel=256M\n')
    assert 'auto_reset_crashkernel no\n' in fake.read('kdump.conf')
    assert result['auto_reset_crashkernel'] is True
    assert result['reboot_reason'] == (
        'the default boot entry (/boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64) has crashkernel=256M but the running '
        'kernel was booted with crashkernel=%s and reserved 192M' % EL9_DEFAULT)
    assert result['estimate']['recommended'] == '192M'
    headers = [diff['after_header'] for diff in result['diff']]
    assert headers == ['grubby boot entries (after)', fake.path('default_grub'), fake.path('kernel_cmdline'),
                       fake.path('kdump.conf')]

    fake.commands = []
    again, failed = run_module(crashkernel.main, args_for(fake, value='256M'))
    assert not failed and not again['changed'] and again['changes'] == []
    assert fake.update_commands() == []


def test_el9_grubby_that_updates_the_files_itself_leaves_nothing_to_write(run_module, host):
    fake = host('el9')
    fake.grubby_updates_files = True
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'), diff=True)
    assert not failed and result['changed']
    assert fake.read('kernel_cmdline').endswith(' quiet crashkernel=256M\n')
    headers = [diff['after_header'] for diff in result['diff']]
    assert headers[1:3] == [fake.path('default_grub'), fake.path('kernel_cmdline')]
    assert result['diff'][2]['before'] == fake.fixture_text('crashkernel/el9_kernel_cmdline')


def test_el9_stale_kernel_cmdline_alone_is_fixed_without_grubby(run_module, host):
    fake = host('el9')
    for entry in fake.entries:
        entry['args'] = _set_crashkernel(entry['args'], ['crashkernel=256M'])
    fake.cmdline = EL9_RUNNING.replace(EL9_DEFAULT, '256M')
    fake.reserved = 256 * M
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'))
    assert not failed and result['changed']
    assert fake.update_commands() == []
    assert fake.read('kernel_cmdline').endswith(' quiet crashkernel=256M\n')
    assert 'crashkernel=256M"' in fake.read('default_grub')
    assert result['changes'] == [fake.path('default_grub') + ': set to crashkernel=256M for kernels installed later',
                                 fake.path('kernel_cmdline') + ': set to crashkernel=256M for kernels installed later',
                                 fake.path('kdump.conf') + ': auto_reset_crashkernel no, so kdump package updates '
                                 'keep this crashkernel= setting']
    assert result['reboot_required'] is False


def test_el9_default_already_set_changes_nothing_and_leaves_kdump_conf(run_module, host):
    fake = host('el9')
    before = fake.read('kdump.conf')
    result, failed = run_module(crashkernel.main, args_for(fake, value='default'))
    assert not failed and not result['changed']
    assert result['crashkernel'] == EL9_DEFAULT and result['default_source'] == 'kdumpctl get-default-crashkernel'
    assert (result['effective'], result['recommended']) == ('192M', '192M')
    assert (result['reboot_required'], result['reboot_reason']) == (False, None)
    assert fake.read('kdump.conf') == before and fake.update_commands() == []


def test_el9_check_mode_runs_no_changing_command(run_module, host):
    fake = host('el9')
    before = fake.read('default_grub'), fake.read('kernel_cmdline'), fake.read('kdump.conf')
    result, failed = run_module(crashkernel.main, args_for(fake, value='320M'), check_mode=True, diff=True)
    assert not failed and result['changed']
    assert fake.update_commands() == []
    assert (fake.read('default_grub'), fake.read('kernel_cmdline'), fake.read('kdump.conf')) == before
    assert result['configured'][0]['crashkernel'] == '320M'
    assert 'crashkernel=320M' in result['diff'][0]['after']


def test_el9_absent_removes_the_argument_everywhere(run_module, host):
    fake = host('el9')
    result, failed = run_module(crashkernel.main, args_for(fake, state='absent'))
    assert not failed and result['changed']
    assert fake.update_commands() == [['/usr/sbin/grubby', '--update-kernel=ALL', '--remove-args=crashkernel']]
    assert 'crashkernel' not in fake.read('kernel_cmdline') and 'crashkernel' not in fake.read('default_grub')
    assert [entry['crashkernel'] for entry in result['configured']] == [None, None, None]


def test_el9_one_release_changes_only_that_entry(run_module, host):
    fake = host('el9')
    before = fake.read('default_grub')
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M', kernel='5.14.0-284.30.1.el9_2.x86_64'))
    assert not failed and result['changed']
    assert fake.update_commands() == [['/usr/sbin/grubby', '--update-kernel=1', '--args=crashkernel=256M']]
    assert [entry['crashkernel'] for entry in result['configured']] == [EL9_DEFAULT, '256M', EL9_DEFAULT]
    assert fake.read('default_grub') == before
    assert result['reboot_required'] is False


def test_el8_default_entry_with_kernelopts(run_module, host, fixture_text):
    fake = host('el8', cmdline='BOOT_IMAGE=(hd0,msdos1)/vmlinuz-4.18.0-513.5.1.el8_9.x86_64 '
                               'root=/dev/mapper/rhel-root ro crashkernel=auto rhgb quiet', reserved=160 * M)
    fake.entries = parse_grubby_info(fixture_text('crashkernel/el8_grubby_info_all_kernelopts.txt'))
    fake.write('grubenv', fixture_text('crashkernel/el8_grubenv'))
    before = fake.read('kdump.conf')
    result, failed = run_module(crashkernel.main, args_for(fake, value='auto', kernel='DEFAULT'))
    assert not failed, result
    assert fake.update_commands() == [['/usr/sbin/grubby', '--update-kernel=0', '--args=crashkernel=auto']]
    assert [entry['crashkernel'] for entry in result['configured']] == ['auto', 'auto', 'auto']
    assert result['effective'] == '160M' and result['default_source'] == 'built-in table for el8 x86_64'
    assert result['reboot_required'] is False
    assert fake.read('kdump.conf') == before and result['auto_reset_crashkernel'] is False


@pytest.mark.parametrize('params, message', [
    (dict(value='auto'), 'only understood by RHEL 8 kernels'),
    (dict(value='1100M'), 'more than half'),
    (dict(value='4G-64G:256M'), 'reserves nothing on this host'),
    (dict(value='1G-4G:192M,2G-:256M'), 'overlaps'),
    (dict(value='256MB'), 'not a size'),
    (dict(value='256M', kernel='/boot/vmlinuz-9.9'), 'matches no boot entry'),
    (dict(value='512M,high', low='128M'), 'not supported yet on the RHEL family'),
], ids=['auto-on-el9', 'above-half-of-ram', 'range-resolves-to-nothing', 'overlapping-ranges', 'bad-unit',
        'unknown-kernel', 'low-on-rhel'])
def test_el9_errors_change_nothing(run_module, host, params, message):
    fake = host('el9')
    before = fake.read('default_grub'), fake.read('kernel_cmdline'), fake.read('kdump.conf')
    result, failed = run_module(crashkernel.main, args_for(fake, **params))
    assert failed and not result['changed']
    assert message in result['msg']
    assert fake.update_commands() == []
    assert (fake.read('default_grub'), fake.read('kernel_cmdline'), fake.read('kdump.conf')) == before


def test_s390x_is_refused_as_not_supported_yet(run_module, host):
    fake = host('el9')
    fake.machine = 's390x'
    result, failed = run_module(crashkernel.main, args_for(fake, value='default'))
    assert failed and 'not supported yet' in result['msg']


def test_grubby_failure_fails_the_task_and_says_the_host_may_have_changed(run_module, host):
    fake = host('el9')
    fake.grubby_fails = True
    result, failed = run_module(crashkernel.main, args_for(fake, value='256M'))
    assert failed and result['changed'] and 'grubby --update-kernel=ALL --args=crashkernel=256M failed' in result['msg']


def test_estimate_failure_gives_a_reason(run_module, host):
    fake = host('el9')
    fake.estimate = (1, '', 'kdump: kdumpctl estimate: kdump initramfs is not built yet.\n')
    result, failed = run_module(crashkernel.main, args_for(fake, value='default'))
    assert not failed and result['estimate'] is None
    assert result['estimate_reason'] == 'kdumpctl estimate (rc=1): kdump: kdumpctl estimate: kdump initramfs is ' \
                                        'not built yet.'
