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
    return {'defaults': defaults, 'crash': crash, 'commands': commands}


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
