# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Settings -> file text, per platform (pure: no file system)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_debian import plan_debian
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_rhel import plan_rhel
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import (
    SettingsError,
    compose_makedumpfile_args,
    find_panic,
    merge_tokens,
    normalize_settings,
    with_capture_panic,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import Platform
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import ShellVarsFile

SSH = {'type': 'ssh', 'location': 'kdump@dump.example.com'}


def settings_of(**params):
    params.setdefault('directives', {})
    params.setdefault('exclusive', False)
    return normalize_settings(params)


def rhel(name, fixture_text, sysconfig=False, **params):
    return plan_rhel(settings_of(**params), Platform(name), '/etc/kdump.conf', fixture_text('%s_kdump.conf' % name),
                     sysconfig_file='/etc/sysconfig/kdump',
                     sysconfig_text=fixture_text('%s_sysconfig_kdump' % name) if sysconfig else None)


def debian(fixture_text, machine='x86_64', text=None, **params):
    return plan_debian(settings_of(**params), '/etc/default/kdump-tools',
                       fixture_text('debian_kdump-tools') if text is None else text, machine)


@pytest.mark.parametrize('existing, kwargs, expected', [
    ('-l --message-level 7 -d 31', dict(compression='zstd'), '-z --message-level 7 -d 31'),
    ('-l --message-level 7 -d 31', dict(dump_level=1, flatten=True), '-F -l --message-level 7 -d 1'),
    ('-F -c -d 31', dict(message_level=4, flatten=True), '-F -c --message-level 4 -d 31'),
    ('-F -l -d31 --num-threads 2', dict(), '-l --num-threads 2 -d 31'),
    ('', dict(compression='lzo', dump_level=31), '-l -d 31'),
], ids=['compression-replaced', 'flatten-added-first', 'message-level-added', 'other-args-kept-flatten-dropped',
        'from-nothing'])
def test_compose_makedumpfile_args(existing, kwargs, expected):
    assert ' '.join(compose_makedumpfile_args(existing.split(), **kwargs)) == expected


@pytest.mark.parametrize('existing, wanted, expected', [
    ('irqpoll nr_cpus=1', 'rd.driver.blacklist=module1,module2', 'irqpoll nr_cpus=1 rd.driver.blacklist=module1,module2'),
    ('irqpoll nr_cpus=1 panic=10', 'nr_cpus=4', 'irqpoll nr_cpus=4 panic=10'),
    ('irqpoll', 'irqpoll', 'irqpoll'),
    ('', 'a b', 'a b'),
], ids=['appended', 'same-key-replaced-in-place', 'already-present', 'empty-base'])
def test_merge_tokens(existing, wanted, expected):
    assert merge_tokens(existing, wanted) == expected


def test_el9_ssh_target_path_and_structured_collector(fixture_text):
    plan = rhel('el9', fixture_text, target=SSH, path='/var/crash/fleet', dump_level=31, compression='zstd')
    assert plan.config == {'auto_reset_crashkernel': 'yes', 'path': '/var/crash/fleet',
                           'ssh': 'kdump@dump.example.com',
                           'core_collector': 'makedumpfile -F -z --message-level 7 -d 31'}
    assert plan.rebuild_required and not plan.reload_required
    assert plan.dump_dir is None


def test_ssh_target_adds_flatten_to_kept_collector(fixture_text):
    plan = rhel('el10', fixture_text, target=SSH)
    assert plan.config['core_collector'] == 'makedumpfile -F -l --message-level 7 -d 31'


@pytest.mark.parametrize('name, written, absent', [
    ('el8', 'default shell', 'failure_action'),
    ('el9', 'failure_action shell', 'default'),
    ('el10', 'failure_action shell', 'default'),
])
def test_failure_action_spelling_per_release(fixture_text, name, written, absent):
    after = rhel(name, fixture_text, failure_action='shell').changes[0].after
    assert written + '\n' in after
    assert absent not in dict(line.split(' ', 1) for line in after.splitlines()
                              if line and not line.startswith('#'))


def test_el9_old_default_spelling_is_renamed_in_place():
    text = 'path /var/crash\ndefault halt\ncore_collector cp\n'
    plan = plan_rhel(settings_of(failure_action='reboot'), Platform('el9'), '/etc/kdump.conf', text)
    assert plan.changes[0].after == 'path /var/crash\nfailure_action reboot\ncore_collector cp\n'


def test_new_target_replaces_old_target():
    text = 'nfs srv:/export\npath /var/crash\n'
    plan = plan_rhel(settings_of(target={'type': 'xfs', 'location': 'LABEL=kdump'}), Platform('el9'),
                     '/etc/kdump.conf', text)
    assert plan.changes[0].after == 'path /var/crash\nxfs LABEL=kdump\n'
    assert plan.dump_dir == {'path': '/var/crash', 'device': 'LABEL=kdump'}


def test_local_target_removes_target_and_creates_path_on_rootfs():
    plan = plan_rhel(settings_of(target={'type': 'local'}), Platform('el9'), '/etc/kdump.conf',
                     'ssh a@b\npath /srv/dumps\n')
    assert plan.changes[0].after == 'path /srv/dumps\n'
    assert plan.dump_dir == {'path': '/srv/dumps', 'device': None}


def test_unchanged_settings_plan_no_change(fixture_text):
    plan = rhel('el9', fixture_text, path='/var/crash', dump_level=31, compression='lzo', message_level=7)
    assert not plan.changed and not plan.rebuild_required


def test_exclusive_leaves_only_given_directives(fixture_text):
    plan = rhel('el9', fixture_text, exclusive=True, target=SSH, path='/dumps', auto_reset_crashkernel=False,
                dump_level=31, compression='lzo')
    assert plan.changes[0].after == ('auto_reset_crashkernel no\npath /dumps\n'
                                     'core_collector makedumpfile -F -l --message-level 7 -d 31\n'
                                     'ssh kdump@dump.example.com\n')


def test_lists_and_flags_are_written_space_separated(fixture_text):
    config = rhel('el9', fixture_text, extra_modules=['gfs2', 'dm_mod'], extra_bins=['/usr/bin/lftp'],
                  force_rebuild=True, fence_kdump_nodes=['node2', 'node3'],
                  directives={'fence_kdump_args': '-p 7410'}).config
    assert config['extra_modules'] == 'gfs2 dm_mod'
    assert config['fence_kdump_nodes'] == 'node2 node3'
    assert config['force_rebuild'] == '1'


def test_commandline_append_merges_into_sysconfig_and_only_needs_reload(fixture_text):
    plan = rhel('el9', fixture_text, sysconfig=True, commandline_append='rd.driver.blacklist=module1,module2 nr_cpus=2')
    assert not plan.changes[0].changed
    append = ShellVarsFile.parse(plan.changes[1].after).get('KDUMP_COMMANDLINE_APPEND')
    assert append.startswith('irqpoll nr_cpus=2 reset_devices ')
    assert append.endswith(' hugetlb_cma=0 rd.driver.blacklist=module1,module2')
    assert plan.reload_required and not plan.rebuild_required


def test_commandline_remove_exclusive_sets_exact_value(fixture_text):
    plan = rhel('el8', fixture_text, sysconfig=True, commandline_remove='quiet', exclusive=True)
    assert ShellVarsFile.parse(plan.changes[1].after).get('KDUMP_COMMANDLINE_REMOVE') == 'quiet'


def test_debian_mapping_of_every_supported_option(fixture_text):
    plan = debian(fixture_text, target=SSH, path='/srv/crash', sshkey='/root/.ssh/kdump_id_ed25519',
                  dump_level=31, compression='zstd', failure_action='poweroff',
                  directives={'KDUMP_NUM_DUMPS': '5'})
    assert plan.config == {'USE_KDUMP': '1', 'KDUMP_KERNEL': '/var/lib/kdump/vmlinuz',
                           'KDUMP_INITRD': '/var/lib/kdump/initrd.img', 'KDUMP_COREDIR': '/srv/crash',
                           'SSH': 'kdump@dump.example.com', 'SSH_KEY': '/root/.ssh/kdump_id_ed25519',
                           'MAKEDUMP_ARGS': '-F -z -d 31', 'KDUMP_FAIL_CMD': 'poweroff -f',
                           'KDUMP_NUM_DUMPS': '5'}
    assert plan.changes[0].after.endswith('#SSH="<user at server>"\nSSH="kdump@dump.example.com"\n'
                                          '#SSH_KEY="<path>"\nSSH_KEY="/root/.ssh/kdump_id_ed25519"\n')
    assert not plan.rebuild_required and not plan.reload_required
    assert plan.dump_dir is None


@pytest.mark.parametrize('machine, expected', [
    ('x86_64', 'reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb'),
    ('aarch64', 'reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1'),
    ('ppc64le', 'reset_devices systemd.unit=kdump-tools-dump.service maxcpus=1 irqpoll noirqdistrib usbcore.nousb'),
])
def test_debian_commandline_append_keeps_builtin_default(fixture_text, machine, expected):
    plan = debian(fixture_text, machine=machine, commandline_append='rd.driver.blacklist=module1,module2')
    assert plan.config['KDUMP_CMDLINE_APPEND'] == expected + ' rd.driver.blacklist=module1,module2'
    assert plan.reload_required


def test_debian_commandline_append_merges_into_existing_value():
    plan = debian(None, text='KDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service cio_ignore=all"\n',
                  commandline_append='nr_cpus=1')
    assert plan.config['KDUMP_CMDLINE_APPEND'] == \
        'reset_devices systemd.unit=kdump-tools-dump.service cio_ignore=all nr_cpus=1'


def test_debian_nfs_target_replaces_ssh():
    plan = debian(None, text='USE_KDUMP=1\nSSH="a@b"\nSSH_KEY=/k\n', target={'type': 'nfs', 'location': '[2001:db8::1]:/export'})
    assert plan.changes[0].after == 'USE_KDUMP=1\nSSH_KEY=/k\nNFS="[2001:db8::1]:/export"\n'


def test_debian_local_dump_creates_coredir(fixture_text):
    assert debian(fixture_text, path='/srv/crash').dump_dir == {'path': '/srv/crash', 'device': None}


def test_debian_template_with_use_kdump_is_a_no_op(fixture_text):
    assert not debian(fixture_text, path='/var/crash').changed


def test_debian_refuses_a_file_that_is_not_shell_assignments(fixture_text):
    with pytest.raises(SettingsError, match="'auto_reset_crashkernel yes' is not a KEY=value"):
        debian(None, text=fixture_text('el9_kdump.conf'), path='/var/crash')


# ---------------------------------------------------------------------------
# capture_panic_timeout: panic=<n> on the capture kernel command line

DEBIAN_DEFAULT_APPEND = 'reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb'


@pytest.mark.parametrize('cmdline, expected', [
    ('irqpoll panic=10 nr_cpus=1', '10'),
    ('panic=5 irqpoll panic=30', '30'),
    ('irqpoll panic_on_warn=1 nopanic', None),
    ('', None),
    (None, None),
], ids=['one', 'last-wins', 'similar-names-are-not-panic', 'empty', 'none'])
def test_find_panic(cmdline, expected):
    assert find_panic(cmdline) == expected


@pytest.mark.parametrize('cmdline, seconds, expected', [
    ('reset_devices nr_cpus=1', 10, 'reset_devices nr_cpus=1 panic=10'),
    ('reset_devices panic=30 nr_cpus=1', 10, 'reset_devices panic=30 nr_cpus=1'),
    ('reset_devices panic=0', 10, 'reset_devices panic=0'),
    ('', 5, 'panic=5'),
    ('reset_devices', None, 'reset_devices'),
], ids=['added-at-the-end', 'own-value-kept', 'own-zero-kept', 'empty', 'not-given'])
def test_with_capture_panic_keeps_a_users_value(cmdline, seconds, expected):
    assert with_capture_panic(cmdline, seconds) == expected


def test_debian_capture_panic_extends_the_builtin_default_then_is_idempotent(fixture_text):
    plan = debian(fixture_text, capture_panic_timeout=10)
    assert plan.changed and plan.reload_required and not plan.rebuild_required
    assert plan.config['KDUMP_CMDLINE_APPEND'] == DEBIAN_DEFAULT_APPEND + ' panic=10'
    after = plan.changes[0].after
    expected = '#KDUMP_CMDLINE_APPEND="{0}"\nKDUMP_CMDLINE_APPEND="{0} panic=10"\n'.format(DEBIAN_DEFAULT_APPEND)
    assert expected in after
    again = debian(None, text=after, capture_panic_timeout=10)
    assert not again.changed and not again.reload_required and again.warnings == []


@pytest.mark.parametrize('text, params', [
    ('USE_KDUMP=1\nKDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service panic=30"\n', {}),
    ('USE_KDUMP=1\nKDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service panic=30"\n',
     {'commandline_append': 'nr_cpus=1'}),
], ids=['in-the-file', 'in-the-file-with-commandline-append'])
def test_debian_capture_panic_keeps_the_files_own_panic(text, params):
    plan = debian(None, text=text, capture_panic_timeout=10, **params)
    assert find_panic(plan.config['KDUMP_CMDLINE_APPEND']) == '30'
    assert plan.changed == bool(params)


def test_debian_capture_panic_keeps_panic_of_commandline_append_of_the_same_call(fixture_text):
    plan = debian(fixture_text, capture_panic_timeout=10, commandline_append='panic=60')
    assert plan.config['KDUMP_CMDLINE_APPEND'] == DEBIAN_DEFAULT_APPEND + ' panic=60'


def test_debian_capture_panic_zero_in_the_file_is_kept_with_a_warning():
    text = 'USE_KDUMP=1\nKDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service panic=0"\n'
    plan = debian(None, text=text, capture_panic_timeout=10)
    assert not plan.changed
    (warning,) = plan.warnings
    assert 'KDUMP_CMDLINE_APPEND keeps its own panic=0' in warning and 'capture_panic_timeout=10' in warning


def test_debian_capture_panic_with_directive_of_the_same_variable_is_an_error(fixture_text):
    with pytest.raises(SettingsError, match="directives: 'KDUMP_CMDLINE_APPEND' duplicates the capture_panic_timeout"):
        debian(fixture_text, capture_panic_timeout=10, directives={'KDUMP_CMDLINE_APPEND': 'panic=5'})


@pytest.mark.parametrize('name', ['el8', 'el9', 'el10'])
def test_rhel_shipped_sysconfig_already_has_panic_10(fixture_text, name):
    plan = rhel(name, fixture_text, sysconfig=True, capture_panic_timeout=30)
    assert not plan.changed and not plan.reload_required and plan.warnings == []


def test_rhel_capture_panic_added_to_sysconfig_only_needs_reload(fixture_text):
    sysconfig = fixture_text('el9_sysconfig_kdump').replace(' panic=10', '')
    plan = plan_rhel(settings_of(capture_panic_timeout=10), Platform('el9'), '/etc/kdump.conf',
                     fixture_text('el9_kdump.conf'), sysconfig_file='/etc/sysconfig/kdump', sysconfig_text=sysconfig)
    assert not plan.changes[0].changed and plan.changes[1].changed
    assert plan.reload_required and not plan.rebuild_required
    append = ShellVarsFile.parse(plan.changes[1].after).get('KDUMP_COMMANDLINE_APPEND')
    assert append.startswith('irqpoll nr_cpus=1 ') and append.endswith(' hugetlb_cma=0 panic=10')


def test_rhel_capture_panic_with_exclusive_commandline_append(fixture_text):
    plan = rhel('el9', fixture_text, sysconfig=True, capture_panic_timeout=10, exclusive=True,
                commandline_append='irqpoll nr_cpus=1 reset_devices')
    append = ShellVarsFile.parse(plan.changes[1].after).get('KDUMP_COMMANDLINE_APPEND')
    assert append == 'irqpoll nr_cpus=1 reset_devices panic=10'


def test_rhel_capture_panic_needs_the_sysconfig_file(fixture_text):
    with pytest.raises(SettingsError, match=r"capture_panic_timeout: 10 cannot be applied because "
                                            r"/etc/sysconfig/kdump does not exist"):
        rhel('el9', fixture_text, sysconfig=False, capture_panic_timeout=10)


@pytest.mark.parametrize('value', [0, -1, 3601])
def test_capture_panic_timeout_out_of_range(value):
    with pytest.raises(SettingsError, match=r'capture_panic_timeout: %d is out of range; allowed: an integer '
                                            r'from 1 to 3600 \(seconds\)' % value):
        settings_of(capture_panic_timeout=value)
