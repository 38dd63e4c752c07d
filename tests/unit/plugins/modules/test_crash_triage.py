# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The crash_triage module through main(): captures since a time, logs saved or read from the dump, read-only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import time

import pytest

from ansible.module_utils import basic
from ansible_collections.crashdump.kdump.plugins.modules import crash_triage
from ansible_collections.crashdump.kdump.tests.unit.fixture_files import find_fixture

DAY = 86400


def capture(root, name, files, mtime):
    """A capture directory whose files and the directory itself were last written at ``mtime``."""
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, source in files.items():
        shutil.copy(find_fixture(source), str(directory / file_name))
        os.utime(str(directory / file_name), (mtime, mtime))
    os.utime(str(directory), (mtime, mtime))


def snapshot(root):
    state = {}
    for directory, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, 'rb') as handle:
                state[path] = (handle.read(), os.stat(path).st_mtime)
    return state


@pytest.fixture
def makedumpfile(monkeypatch):
    """makedumpfile on the host, faked: ``--dump-dmesg`` writes ``calls.log`` (a fixture name) to its output."""
    calls = []
    calls_log = {'log': 'vmcore-dmesg_el8_sysrq.txt'}

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return '/usr/sbin/makedumpfile' if name == 'makedumpfile' else None

    def run_command(self, args, **kwargs):
        calls.append(list(args))
        assert isinstance(args, list) and not kwargs.get('use_unsafe_shell')
        shutil.copy(find_fixture(calls_log['log']), args[3])
        return 0, '', ''

    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    return calls


@pytest.fixture
def crash_dir(tmp_path):
    """A host's dump path: a Debian capture with its log (ten days old), a RHEL one without a log (a day old)."""
    root = tmp_path / 'crash'
    now = time.time()
    capture(root, '202601161040', {'dump.202601161040': 'debian12_dump_head_tail.bin',
                                   'dmesg.202601161040': 'debian12_dmesg_panic.txt'}, now - 10 * DAY)
    capture(root, '127.0.0.1-2026-01-25-10:42:00', {'vmcore': 'kdump_zlib_d1.bin'}, now - DAY)
    (root / 'kexec_cmd').write_text(u'/sbin/kexec -p ...\n')
    return root


def test_every_capture_with_its_log_and_signature(run_module, crash_dir, makedumpfile):
    before = snapshot(crash_dir)
    result, failed = run_module(crash_triage.main, {'path': str(crash_dir)})
    assert not failed and not result['changed']
    assert (result['dump_path'], result['count'], result['since_epoch'], result['client']) == (str(crash_dir), 2, None, None)
    assert result['host'] and result['host_time'] <= time.time() and result['target'] is None
    debian, rhel = result['captures']
    assert (debian['name'], debian['dmesg_source'], debian['signature']['kind']) == ('202601161040', 'file', 'sysrq')
    assert (rhel['name'], rhel['dmesg_source'], rhel['dmesg_file']) == ('127.0.0.1-2026-01-25-10:42:00', 'extracted', None)
    assert rhel['signature']['kind'] == 'sysrq' and rhel['kernel_release'] == '6.1.0-18-amd64'
    (argv,) = makedumpfile
    assert argv[:3] == ['/usr/sbin/makedumpfile', '--dump-dmesg', str(crash_dir / '127.0.0.1-2026-01-25-10:42:00' / 'vmcore')]
    assert not os.path.exists(argv[3])
    assert result['msg'] == '2 captures in %s, 2 with a crash signature' % crash_dir
    assert snapshot(crash_dir) == before


def test_check_mode_reports_the_same(run_module, crash_dir, makedumpfile):
    normal, _failed = run_module(crash_triage.main, {'path': str(crash_dir)})
    checked, failed = run_module(crash_triage.main, {'path': str(crash_dir)}, check_mode=True)
    assert not failed and not checked['changed']
    assert [c['signature'] for c in checked['captures']] == [c['signature'] for c in normal['captures']]


@pytest.mark.parametrize('since, names', [
    ('7d', ['127.0.0.1-2026-01-25-10:42:00']),
    ('12h', []),
    ('30d', ['202601161040', '127.0.0.1-2026-01-25-10:42:00']),
    ('', ['202601161040', '127.0.0.1-2026-01-25-10:42:00']),
])
def test_since_a_duration_counts_back_on_this_hosts_clock(run_module, crash_dir, makedumpfile, since, names):
    result, failed = run_module(crash_triage.main, {'path': str(crash_dir), 'since': since})
    assert not failed and [c['name'] for c in result['captures']] == names
    if since:
        assert result['host_time'] - result['since_epoch'] > 0


def test_since_an_epoch_from_an_earlier_run(run_module, crash_dir, makedumpfile):
    result, failed = run_module(crash_triage.main, {'path': str(crash_dir), 'since': time.time() - 2 * DAY})
    assert not failed and [c['name'] for c in result['captures']] == ['127.0.0.1-2026-01-25-10:42:00']


def test_without_extraction_makedumpfile_never_runs(run_module, crash_dir, makedumpfile):
    result, failed = run_module(crash_triage.main, {'path': str(crash_dir), 'extract_dmesg': False})
    assert not failed and makedumpfile == []
    rhel = result['captures'][1]
    assert (rhel['dmesg_source'], rhel['signature']) == ('none', None)
    assert rhel['signature_reason'] == 'the capture saved no kernel log, and extract_dmesg is off'
    assert result['msg'].endswith('1 with a crash signature')


def test_flattened_dump_without_a_log_is_not_extracted_and_says_why(run_module, tmp_path, makedumpfile):
    root = tmp_path / 'srv-crash'
    capture(root, '192.0.2.10-2026-01-26-10:40:05', {'vmcore.flat': 'flat_kdump_zlib_d31.bin'}, time.time())
    result, failed = run_module(crash_triage.main, {'path': str(root)})
    assert not failed and makedumpfile == []
    (record,) = result['captures']
    assert record['dmesg_source'] == 'none' and 'flattened format' in record['dmesg_reason']
    assert 'makedumpfile -R' in record['signature_reason']


def test_without_makedumpfile_the_reason_says_so(run_module, crash_dir, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, required=False, opt_dirs=None: None)
    result, failed = run_module(crash_triage.main, {'path': str(crash_dir)})
    assert not failed and 'makedumpfile is not installed' in result['captures'][1]['dmesg_reason']


def test_a_dump_server_reports_every_client_or_one(run_module, tmp_path, makedumpfile):
    root = tmp_path / 'srv-crash'
    now = time.time()
    capture(root, '192.0.2.10-2019-11-24-03:00:00', {'vmcore.flat': 'flat_kdump_zlib_d31.bin',
                                                     'vmcore-dmesg.txt': 'x86_64_hung_task_spl_el7_boot1.txt'}, now - 3)
    capture(root, '192.0.2.100-2019-12-04-03:00:00', {'vmcore.flat': 'flat_kdump_zlib_d31.bin',
                                                      'vmcore-dmesg.txt': 'x86_64_hung_task_spl_el7_boot2.txt'}, now - 2)
    capture(root, 'web-1-201912050300', {'dump.201912050300': 'debian12_dump_head_tail.bin',
                                         'dmesg.201912050300': 'x86_64_oom_panic_el7.txt'}, now - 1)
    everyone, failed = run_module(crash_triage.main, {'path': str(root)})
    assert not failed
    assert [(c['client'], c['signature']['kind']) for c in everyone['captures']] == [
        ('192.0.2.10', 'hung_task'), ('192.0.2.100', 'hung_task'), ('web-1', 'oom')]
    first, second, _oom = everyone['captures']
    assert first['signature']['id'] == second['signature']['id']
    one, failed = run_module(crash_triage.main, {'path': str(root), 'client': '192.0.2.10'})
    assert not failed and [c['name'] for c in one['captures']] == ['192.0.2.10-2019-11-24-03:00:00']


@pytest.mark.parametrize('args, message', [
    ({'since': 'last week'}, 'since: '),
    ({'since': 'marker'}, 'a duration counted back from now'),
    ({'client': '[2001:db8::1]'}, 'client: '),
    ({'client': '-oProxyCommand'}, "starts with '-'"),
], ids=['bad-since', 'marker-is-not-for-triage', 'brackets', 'dash'])
def test_bad_input_fails_and_names_the_allowed_forms(run_module, crash_dir, args, message):
    result, failed = run_module(crash_triage.main, dict(args, path=str(crash_dir)))
    assert failed and message in result['msg']


def test_default_path_comes_from_the_debian_configuration(run_module, crash_dir, tmp_path, makedumpfile):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(u'USE_KDUMP=1\nKDUMP_COREDIR="%s"\n' % crash_dir)
    result, failed = run_module(crash_triage.main, {'platform': 'debian', 'config_file': str(defaults)})
    assert not failed and result['dump_path'] == str(crash_dir) and result['count'] == 2
    assert result['target']['type'] == 'local' and result['target']['family'] == 'debian'
    assert result['target']['server'] is None


def test_a_host_that_dumps_elsewhere_has_no_local_captures_and_does_not_fail(run_module, tmp_path):
    conf = tmp_path / 'kdump.conf'
    conf.write_text(u'ssh kdump@dumps.example.com\npath /srv/crash\n')
    result, failed = run_module(crash_triage.main, {'platform': 'el9', 'config_file': str(conf), 'since': '7d'})
    assert not failed and not result['changed']
    assert (result['dump_path'], result['count'], result['captures']) == (None, 0, [])
    assert (result['target']['type'], result['target']['server'], result['target']['family'], result['target']['path']) == \
        ('ssh', 'dumps.example.com', 'rhel', '/srv/crash')
    assert result['msg'] == ('no local captures: dumps go to ssh target kdump@dumps.example.com (%s), not to a '
                             'directory on this host' % conf)
    assert result['since_epoch'] is not None


def test_missing_path_is_no_captures_not_an_error(run_module, tmp_path):
    result, failed = run_module(crash_triage.main, {'path': str(tmp_path / 'absent')})
    assert not failed and result['captures'] == [] and result['dump_path'] == str(tmp_path / 'absent')
