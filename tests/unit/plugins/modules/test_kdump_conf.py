# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kdump_conf module through main(): check, diff, idempotence, failures."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.crashdump.kdump.plugins.modules import kdump_conf

SSH = {'type': 'ssh', 'location': 'kdump@dump.example.com'}


@pytest.fixture
def el_files(tmp_path, fixture_text):
    """Copies of the shipped defaults of one release; returns a factory."""
    def make(release='el9'):
        conf = tmp_path / 'kdump.conf'
        sysconfig = tmp_path / 'sysconfig_kdump'
        conf.write_bytes(fixture_text('%s_kdump.conf' % release).encode('utf-8'))
        sysconfig.write_bytes(fixture_text('%s_sysconfig_kdump' % release).encode('utf-8'))
        os.chmod(str(conf), 0o600)
        return conf, sysconfig
    return make


def args_for(conf, sysconfig=None, platform='el9', **params):
    params.update(platform=platform, config_file=str(conf), create_path=params.get('create_path', False))
    if sysconfig is not None:
        params['sysconfig_file'] = str(sysconfig)
    return params


def test_ssh_target_path_and_collector_then_no_change(run_module, el_files):
    conf, _sysconfig = el_files()
    args = args_for(conf, target=SSH, path='/var/crash/fleet', dump_level=31, compression='zstd')
    result, failed = run_module(kdump_conf.main, args)
    assert not failed and result['changed'] and result['rebuild_required'] and not result['reload_required']
    assert result['files'] == [str(conf)]
    text = conf.read_text()
    assert 'ssh kdump@dump.example.com\n' in text
    assert 'core_collector makedumpfile -F -z --message-level 7 -d 31\n' in text
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600

    again, failed = run_module(kdump_conf.main, args)
    assert not failed and not again['changed'] and not again['rebuild_required'] and again['files'] == []
    assert conf.read_text() == text


def test_check_mode_reports_change_and_diff_but_writes_nothing(run_module, el_files):
    conf, _sysconfig = el_files()
    before = conf.read_bytes()
    result, failed = run_module(kdump_conf.main, args_for(conf, target=SSH), check_mode=True, diff=True)
    assert not failed and result['changed'] and result['rebuild_required']
    assert conf.read_bytes() == before
    (diff,) = result['diff']
    assert diff['before'] == before.decode('utf-8')
    assert 'ssh kdump@dump.example.com\n' in diff['after']
    assert diff['before_header'] == diff['after_header'] == str(conf)


def test_no_diff_returned_without_diff_mode(run_module, el_files):
    conf, _sysconfig = el_files()
    result, _failed = run_module(kdump_conf.main, args_for(conf, target=SSH))
    assert 'diff' not in result


def test_backup_returns_backup_file_with_old_content(run_module, el_files):
    conf, _sysconfig = el_files()
    before = conf.read_bytes()
    result, failed = run_module(kdump_conf.main, args_for(conf, final_action='poweroff', backup=True))
    assert not failed and result['changed']
    with open(result['backup_file'], 'rb') as handle:
        assert handle.read() == before


def test_commandline_change_only_needs_reload(run_module, el_files):
    conf, sysconfig = el_files('el10')
    conf_before = conf.read_bytes()
    result, failed = run_module(kdump_conf.main, args_for(
        conf, sysconfig, platform='el10', commandline_append='rd.driver.blacklist=module1,module2'))
    assert not failed and result['changed']
    assert result['reload_required'] and not result['rebuild_required']
    assert result['files'] == [str(sysconfig)]
    assert conf.read_bytes() == conf_before
    assert ' pcie_ports=compat rd.driver.blacklist=module1,module2"\n' in sysconfig.read_text()


def test_create_path_makes_private_dump_dir_and_check_mode_does_not(run_module, tmp_path, monkeypatch):
    conf = tmp_path / 'kdump.conf'
    conf.write_text('path /var/crash\n')
    dump_dir = tmp_path / 'dumps'
    args = dict(platform='el8', config_file=str(conf), path=str(dump_dir))
    monkeypatch.setattr(kdump_conf.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: None)
    result, failed = run_module(kdump_conf.main, args, check_mode=True)
    assert not failed and result['changed'] and str(dump_dir) in result['files']
    assert not dump_dir.exists() and conf.read_text() == 'path /var/crash\n'

    result, failed = run_module(kdump_conf.main, args)
    assert not failed and result['dump_path'] == str(dump_dir)
    assert stat.S_IMODE(dump_dir.stat().st_mode) == 0o700
    again, _failed = run_module(kdump_conf.main, args)
    assert not again['changed']


def test_debian_backend_through_main(run_module, tmp_path, fixture_text):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(fixture_text('debian_kdump-tools'))
    args = dict(platform='debian', config_file=str(defaults), target=SSH, compression='zlib', dump_level=31,
                create_path=False)
    result, failed = run_module(kdump_conf.main, args)
    assert not failed and result['changed'] and not result['rebuild_required']
    assert result['config']['SSH'] == 'kdump@dump.example.com'
    assert result['config']['MAKEDUMP_ARGS'] == '-F -c -d 31'
    assert not run_module(kdump_conf.main, args)[0]['changed']


def test_fence_nodes_naming_this_host_fail(run_module, el_files, monkeypatch):
    conf, _sysconfig = el_files()
    before = conf.read_bytes()
    ip_output = '2: enp1s0    inet 192.0.2.10/24 brd 192.0.2.255 scope global enp1s0\\       valid_lft forever\n'
    monkeypatch.setattr(kdump_conf.AnsibleModule, 'run_command', lambda self, cmd, **kw: (0, ip_output, ''))
    monkeypatch.setattr(kdump_conf.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: '/usr/sbin/' + name)
    result, failed = run_module(kdump_conf.main, args_for(conf, fence_kdump_nodes=['node2', '192.0.2.10']))
    assert failed and "fence_kdump_nodes: '192.0.2.10'" in result['msg']
    assert conf.read_bytes() == before


EXTRA_CONF = 'dracut_args --mount "/dev/vdb1 /mnt ext4 defaults"\n'

# (id, release, extra kdump.conf text, params, words the message must contain)
VALIDATION_ERRORS = [
    ('two-targets', 'el9', '', dict(target=SSH, directives={'nfs': 'srv:/export'}),
     ['more than one dump target', 'ssh', 'nfs']),
    ('target-and-dracut-mount-option', 'el9', '',
     dict(target=SSH, dracut_args='--mount "/dev/vdb1 /mnt ext4 defaults"'), ['more than one dump target', '--mount']),
    ('target-and-dracut-mount-in-file', 'el9', EXTRA_CONF, dict(target=SSH), ['more than one dump target', '--mount']),
    ('unknown-directive', 'el9', '', dict(directives={'dump_to': 'x'}), ["'dump_to'", 'allowed', 'core_collector']),
    ('deprecated-directive', 'el9', '', dict(directives={'link_delay': '10'}), ["'link_delay'", 'deprecated']),
    ('old-default-spelling', 'el9', '', dict(directives={'default': 'shell'}), ["'default'", 'failure_action']),
    ('empty-value', 'el9', '', dict(path=' '), ['path', 'empty']),
    ('hash-in-value', 'el9', '', dict(kdump_post='/bin/post.sh #x'), ['kdump_post', "'#'"]),
    ('quoted-value', 'el9', '', dict(directives={'fence_kdump_args': '"-p 7410"'}), ['fence_kdump_args', 'quotes']),
    ('duplicate-option-and-directive', 'el9', '', dict(path='/a', directives={'path': '/b'}), ["'path'", 'duplicates']),
    ('duplicate-in-file', 'el9', 'path /srv/other\n', dict(final_action='halt'), ["'path'", 'more than once']),
    ('force-both', 'el9', '', dict(force_rebuild=True, force_no_rebuild=True), ['force_rebuild', 'force_no_rebuild']),
    ('ssh-without-user', 'el9', '', dict(target={'type': 'ssh', 'location': 'dump.example.com'}),
     ['target.location', "'dump.example.com'", '<user>@<host>']),
    ('nfs-without-export', 'el9', '', dict(target={'type': 'nfs', 'location': 'srv'}),
     ['target.location', "'srv'", '<server>:/<export>']),
    ('fs-bad-device', 'el9', '', dict(target={'type': 'xfs', 'location': 'sdb1'}),
     ['target.location', "'sdb1'", 'UUID=']),
    ('auto-reset-on-el8', 'el8', '', dict(auto_reset_crashkernel=False),
     ['auto_reset_crashkernel: False', 'cannot be honoured on platform el8']),
    ('virtiofs-on-el8', 'el8', '', dict(target={'type': 'virtiofs', 'location': 'myfs'}), ["'virtiofs'", 'el8']),
    ('kdump-emergency-before-1.0.60', 'el10', '', dict(directives={'kdump_emergency': '/bin/e.sh'}),
     ["'kdump_emergency'", 'el10']),
    ('free-text-collector-without-F-on-ssh', 'el9', '', dict(target=SSH, core_collector='makedumpfile -l -d 31'),
     ['core_collector', "'makedumpfile -l -d 31'", '-F']),
    ('dump-level-out-of-range', 'el9', '', dict(dump_level=32), ['dump_level', '32', '0 to 31']),
    ('message-level-out-of-range', 'el9', '', dict(message_level=-1), ['message_level', '-1', '0 to 31']),
    ('relative-path', 'el9', '', dict(path='var/crash'), ['path', "'var/crash'", 'absolute']),
    ('multi-word-list-item', 'el9', '', dict(extra_modules=['gfs2 dm_mod']), ['extra_modules', "'gfs2 dm_mod'"]),
    ('bad-action-in-file', 'el9', 'final_action sleep\n', dict(path='/var/crash'), ['final_action', "'sleep'", 'reboot']),
    ('raw-on-debian', 'debian', None, dict(target={'type': 'raw', 'location': '/dev/vdb'}), ["'raw'", 'debian']),
    ('virtiofs-on-debian', 'debian', None, dict(target={'type': 'virtiofs', 'location': 'myfs'}),
     ["'virtiofs'", 'debian']),
    ('dracut-args-on-debian', 'debian', None, dict(dracut_args='--add-drivers e1000'), ['dracut_args', 'debian']),
    ('commandline-remove-on-debian', 'debian', None, dict(commandline_remove='quiet'),
     ['commandline_remove', 'debian']),
    ('shell-failure-action-on-debian', 'debian', None, dict(failure_action='shell'), ['failure_action', 'debian']),
    ('non-makedumpfile-collector-on-debian', 'debian', None, dict(core_collector='cp --sparse=always'),
     ['core_collector', 'debian']),
    ('unknown-debian-variable', 'debian', None, dict(directives={'KDUMP_TARGET': 'x'}), ["'KDUMP_TARGET'", 'allowed']),
    ('unsafe-debian-value', 'debian', None, dict(directives={'KDUMP_FAIL_CMD': 'echo $HOME'}),
     ['KDUMP_FAIL_CMD', "'$'"]),
]


@pytest.mark.parametrize('release, extra, params, words', [case[1:] for case in VALIDATION_ERRORS],
                         ids=[case[0] for case in VALIDATION_ERRORS])
def test_validation_error_names_the_problem_and_leaves_file_untouched(
        run_module, tmp_path, fixture_text, release, extra, params, words):
    if release == 'debian':
        config = tmp_path / 'kdump-tools'
        config.write_bytes(fixture_text('debian_kdump-tools').encode('utf-8'))
    else:
        config = tmp_path / 'kdump.conf'
        config.write_bytes((fixture_text('%s_kdump.conf' % release) + (extra or '')).encode('utf-8'))
    before = config.read_bytes()
    args = dict(params, platform=release, config_file=str(config), create_path=False)
    result, failed = run_module(kdump_conf.main, args)
    assert failed and not result['changed']
    for word in words:
        assert word in result['msg']
    assert config.read_bytes() == before


def test_core_collector_with_structured_options_is_rejected_by_the_argument_spec(run_module, el_files):
    conf, _sysconfig = el_files()
    result, failed = run_module(kdump_conf.main, args_for(conf, core_collector='cp', dump_level=1))
    assert failed and 'mutually exclusive' in result['msg']


# ---------------------------------------------------------------------------
# capture_panic_timeout


@pytest.fixture
def debian_defaults(tmp_path, fixture_text):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_bytes(fixture_text('debian_kdump-tools').encode('utf-8'))
    return defaults


def test_capture_panic_on_debian_check_mode_diff_then_apply_then_no_change(run_module, debian_defaults):
    args = dict(platform='debian', config_file=str(debian_defaults), capture_panic_timeout=10, create_path=False)
    before = debian_defaults.read_bytes()
    checked, failed = run_module(kdump_conf.main, args, check_mode=True, diff=True)
    assert not failed and checked['changed'] and checked['reload_required'] and not checked['rebuild_required']
    assert debian_defaults.read_bytes() == before
    (diff,) = checked['diff']
    assert 'KDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll ' \
           'usbcore.nousb panic=10"\n' in diff['after']

    result, failed = run_module(kdump_conf.main, args, diff=True)
    assert not failed and result['changed'] and result['files'] == [str(debian_defaults)]
    assert debian_defaults.read_text() == diff['after']
    assert result['config']['KDUMP_CMDLINE_APPEND'].endswith(' panic=10')

    again, failed = run_module(kdump_conf.main, args)
    assert not failed and not again['changed'] and not again['reload_required'] and again['files'] == []


def test_capture_panic_keeps_the_users_own_value_and_reports_no_change(run_module, tmp_path):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(u'USE_KDUMP=1\nKDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service '
                        u'panic=30"\n')
    before = defaults.read_bytes()
    result, failed = run_module(kdump_conf.main, dict(platform='debian', config_file=str(defaults),
                                                      capture_panic_timeout=10, create_path=False))
    assert not failed and not result['changed'] and defaults.read_bytes() == before


def test_capture_panic_zero_kept_is_a_warning(run_module, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(kdump_conf.AnsibleModule, 'warn', lambda self, warning: warnings.append(warning))
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(u'USE_KDUMP=1\nKDUMP_CMDLINE_APPEND="reset_devices panic=0"\n')
    result, failed = run_module(kdump_conf.main, dict(platform='debian', config_file=str(defaults),
                                                      capture_panic_timeout=10, create_path=False))
    assert not failed and not result['changed']
    assert len(warnings) == 1 and 'panic=0' in warnings[0]


def test_capture_panic_on_el9_shipped_defaults_leaves_sysconfig_untouched(run_module, el_files):
    conf, sysconfig = el_files('el9')
    before = conf.read_bytes(), sysconfig.read_bytes()
    result, failed = run_module(kdump_conf.main, args_for(conf, sysconfig, capture_panic_timeout=10,
                                                          failure_action='reboot'))
    assert not failed and result['changed']  # failure_action reboot is written
    assert result['files'] == [str(conf)] and sysconfig.read_bytes() == before[1]
    again, failed = run_module(kdump_conf.main, args_for(conf, sysconfig, capture_panic_timeout=10,
                                                         failure_action='reboot'))
    assert not failed and not again['changed']


def test_capture_panic_on_el8_sysconfig_without_panic_is_added_and_needs_reload(run_module, el_files):
    conf, sysconfig = el_files('el8')
    sysconfig.write_text(sysconfig.read_text().replace(' panic=10', ''))
    conf_before = conf.read_bytes()
    result, failed = run_module(kdump_conf.main, args_for(conf, sysconfig, platform='el8', capture_panic_timeout=10))
    assert not failed and result['changed'] and result['files'] == [str(sysconfig)]
    assert result['reload_required'] and not result['rebuild_required']
    assert conf.read_bytes() == conf_before
    assert ' panic=10"\n' in sysconfig.read_text()
