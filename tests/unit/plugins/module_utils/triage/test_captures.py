# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One capture's triage record: its verdict, its kernel log (saved, read from the dump, or none) and its signature."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import os
import shutil

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import list_capture_dirs
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.verdict import inspect_capture
from ansible_collections.crashdump.kdump.plugins.module_utils.triage.captures import (
    TRIAGE_SINCE_FORMS,
    extract_dmesg,
    extraction_refusal,
    kernel_release_from_log,
    parse_duration,
    parse_triage_since,
    read_log_tail,
    target_server_host,
    triage_capture,
)
from ansible_collections.crashdump.kdump.tests.unit.fixture_files import find_fixture

NOW = 1769420000.0


def text_of(name):
    with open(find_fixture(name), 'rb') as handle:
        return handle.read().decode('utf-8', 'replace')


def make_capture(root, name, files):
    """A capture directory under ``root``; ``files``: file name -> fixture name (copied)."""
    directory = root / name
    directory.mkdir(parents=True)
    for file_name, source in files.items():
        shutil.copy(find_fixture(source), str(directory / file_name))
    return [entry for entry in list_capture_dirs(str(root)) if entry['name'] == name][0]


class FakeMakedumpfile(object):
    """``run_command`` that writes ``log`` (a fixture name) where ``makedumpfile --dump-dmesg`` would."""

    def __init__(self, log=None, rc=0, err=''):
        self.log = log
        self.rc = rc
        self.err = err
        self.calls = []

    def __call__(self, argv):
        self.calls.append(list(argv))
        if self.log:
            shutil.copy(find_fixture(self.log), argv[3])
        return self.rc, '', self.err


# --- since ---------------------------------------------------------------------

@pytest.mark.parametrize('text, seconds', [
    ('7d', 7 * 86400), ('12h', 12 * 3600), ('30m', 1800), ('90s', 90), ('2w', 14 * 86400), (' 1.5d ', 1.5 * 86400),
    ('7', None), ('d', None), ('7 days', None), ('2026-01-26', None), ('-1d', None),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize('value, expected', [
    (None, None),
    ('', None),
    ('7d', NOW - 7 * 86400),
    ('30m', NOW - 1800),
    (1769000000, 1769000000.0),
    ('1769000000', 1769000000.0),
    ('2026-01-26', 1769385600.0),
    ('2026-01-26T10:42', 1769424120.0),
    ('2026-01-26T12:42:00+02:00', 1769424120.0),
    ('2026-01-26T10:42:00Z', 1769424120.0),
])
def test_since_is_an_epoch_a_date_or_a_duration_back_from_now(value, expected):
    assert parse_triage_since(value, NOW) == expected


@pytest.mark.parametrize('value', ['last week', '7 days', 'yesterday', '2026-13-01', {'boot_id': 'x'}, True])
def test_bad_since_names_the_allowed_forms(value):
    with pytest.raises(ValueError) as error:
        parse_triage_since(value, NOW)
    assert str(error.value).startswith('since: ') and TRIAGE_SINCE_FORMS in str(error.value)


# --- where dumps go --------------------------------------------------------------

@pytest.mark.parametrize('target, host', [
    ({'type': 'ssh', 'location': 'kdump@dumps.example.com'}, 'dumps.example.com'),
    ({'type': 'ssh', 'location': 'kdump@[2001:db8::9]'}, '2001:db8::9'),
    ({'type': 'ssh', 'location': 'kdump@2001:db8::9'}, '2001:db8::9'),
    ({'type': 'nfs', 'location': 'nfs1.example.com:/export/crash'}, 'nfs1.example.com'),
    ({'type': 'nfs', 'location': '[2001:db8::9]:/export'}, '2001:db8::9'),
    ({'type': 'ssh', 'location': 'no-at-sign'}, None),
    ({'type': 'xfs', 'location': 'UUID=0f3c'}, None),
    ({'type': 'local', 'location': None}, None),
    (None, None),
])
def test_target_server_host(target, host):
    assert target_server_host(target) == host


# --- kernel release and log tail -------------------------------------------------

@pytest.mark.parametrize('log, release', [
    ('debian12_dmesg_panic.txt', '6.1.0-56-amd64'),
    ('vmcore-dmesg_el8_sysrq.txt', '4.18.0-513.5.1.el8_9.x86_64'),
    ('ppc64_page_fault_ipr_el7.txt', '3.10.0-33.el7.ppc64'),
    ('x86_64_bug_on_list_debug_fc34.txt', '5.13.4-200.fc34.x86_64'),
    ('x86_64_hard_lockup_panic_ipmi.txt', '6.12.34-cloudflare-2025.6.9'),
    ('x86_64_soft_lockup_panic_xfs_qemu.txt', '6.4.0-rc3-44c026a73be8+'),
    ('x86_64_bug_sleeping_function_hibernate_fc15.txt', '2.6.38.5-24.fc15.x86_64'),
    ('ppc64le_page_fault_pseries.txt', '5.4.0-rc2-00104-g9e208aa06c21'),
])
def test_kernel_release_from_real_logs(log, release):
    assert kernel_release_from_log(text_of(log)) == release


def test_no_kernel_release_in_a_log_without_one():
    assert kernel_release_from_log('[    0.000000] Command line: ro quiet\n') is None
    assert kernel_release_from_log('') is None and kernel_release_from_log(None) is None


def test_log_tail_reads_only_the_last_bytes(tmp_path):
    log = tmp_path / 'vmcore-dmesg.txt'
    log.write_bytes(b'x' * 100 + b'\n' + b'end of log \xff\n')
    assert read_log_tail(str(log), limit=13) == u'end of log \ufffd\n'


# --- reading the log from the dump -------------------------------------------------

@pytest.mark.parametrize('dump, problem', [
    ('kdump_zlib_d1.bin', None),
    ('elf64_core.bin', None),
    ('debian12_dump_head_tail.bin', "flattened format, which makedumpfile reads only from standard input"),
    ('diskdump_old.bin', 'a format makedumpfile cannot read the log from (diskdump)'),
    ('unknown_format.bin', 'a format makedumpfile cannot read the log from (unknown)'),
])
def test_which_dumps_makedumpfile_reads_the_log_from(tmp_path, dump, problem):
    verdict = inspect_capture(make_capture(tmp_path, '202601261040', {'dump.202601261040': dump}))
    refusal = extraction_refusal(verdict)
    assert (refusal is None) if problem is None else (problem in refusal)


def test_whole_file_compressed_dump_and_no_dump_are_refused():
    assert 'compressed as a whole (gz-compressed file)' in extraction_refusal(
        {'dump_file': '/var/crash/x/dump.202601261040.gz', 'format': 'gz-compressed file'})
    assert extraction_refusal({'dump_file': None, 'format': None}) == 'there is no dump file to read it from'


def test_extraction_runs_makedumpfile_with_an_argv_and_removes_its_output(tmp_path):
    entry = make_capture(tmp_path / 'crash', '127.0.0.1-2026-01-26-10:42:00', {'vmcore': 'kdump_zlib_d1.bin'})
    verdict = inspect_capture(entry)
    work = tmp_path / 'work'
    work.mkdir()
    run = FakeMakedumpfile('vmcore-dmesg_el8_sysrq.txt')
    text, reason = extract_dmesg(verdict, str(work), run, '/usr/sbin/makedumpfile')
    assert reason is None and 'sysrq: SysRq : Trigger a crash' in text
    (argv,) = run.calls
    assert argv[:3] == ['/usr/sbin/makedumpfile', '--dump-dmesg', verdict['dump_file']]
    assert os.path.dirname(argv[3]) == str(work) and os.listdir(str(work)) == []


def test_extraction_accepts_the_kernel_version_mismatch_exit(tmp_path):
    entry = make_capture(tmp_path, '127.0.0.1-2026-01-26-10:42:00', {'vmcore': 'kdump_zlib_d1.bin'})
    text, reason = extract_dmesg(inspect_capture(entry), str(tmp_path), FakeMakedumpfile('debian12_dmesg_panic.txt', rc=2),
                                 '/usr/sbin/makedumpfile')
    assert reason is None and 'Kernel panic - not syncing: sysrq triggered crash' in text


def test_failed_extraction_says_why(tmp_path):
    entry = make_capture(tmp_path, '127.0.0.1-2026-01-26-10:42:00', {'vmcore': 'kdump_zlib_d1.bin'})
    verdict = inspect_capture(entry)
    text, reason = extract_dmesg(verdict, str(tmp_path), FakeMakedumpfile(rc=1, err='readmem: Can\'t read\nThe dmesg log is not extracted.\n'),
                                 '/usr/sbin/makedumpfile')
    assert text is None and reason == ('makedumpfile --dump-dmesg %s failed (exit 1): The dmesg log is not extracted.'
                                       % verdict['dump_file'])
    text, reason = extract_dmesg(verdict, str(tmp_path), FakeMakedumpfile(), None)
    assert text is None and 'makedumpfile is not installed' in reason


def test_flattened_dump_is_never_handed_to_makedumpfile(tmp_path):
    entry = make_capture(tmp_path, '192.0.2.10-2026-01-26-10:42:00', {'vmcore.flat': 'flat_kdump_zlib_d31.bin'})
    run = FakeMakedumpfile('vmcore-dmesg_el8_sysrq.txt')
    text, reason = extract_dmesg(inspect_capture(entry), str(tmp_path), run, '/usr/sbin/makedumpfile')
    assert text is None and 'flattened' in reason and run.calls == []


# --- the record ------------------------------------------------------------------

def test_capture_with_its_saved_log_gets_the_signature(tmp_path):
    entry = make_capture(tmp_path, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin',
                                                    'dmesg.202601261040': 'debian12_dmesg_panic.txt'})
    record = triage_capture(entry)
    assert (record['complete'], record['format'], record['kernel_release'], record['kernel_release_source']) == \
        (True, 'flattened', '6.1.0-56-amd64', 'dump')
    assert (record['dmesg_source'], record['dmesg_reason'], record['signature_reason']) == ('file', None, None)
    assert record['dmesg_file'].endswith('dmesg.202601261040')
    assert record['signature']['kind'] == 'sysrq' and record['signature']['function'] == 'sysrq_handle_crash'
    assert record['seen_at'].endswith('Z') and record['panic_line'] == 'Kernel panic - not syncing: sysrq triggered crash'


def test_the_same_bug_on_two_hosts_has_one_id(tmp_path):
    first = triage_capture(make_capture(tmp_path, '192.0.2.10-2019-11-24-03:00:00', {
        'vmcore': 'kdump_zlib_d1.bin', 'vmcore-dmesg.txt': 'x86_64_hung_task_spl_el7_boot1.txt'}))
    second = triage_capture(make_capture(tmp_path, '192.0.2.11-2019-12-04-03:00:00', {
        'vmcore': 'kdump_zlib_d1.bin', 'vmcore-dmesg.txt': 'x86_64_hung_task_spl_el7_boot2.txt'}))
    other = triage_capture(make_capture(tmp_path, '192.0.2.12-2019-12-05-03:00:00', {
        'vmcore': 'kdump_zlib_d1.bin', 'vmcore-dmesg.txt': 'x86_64_oom_panic_el7.txt'}))
    assert first['signature']['id'] == second['signature']['id'] != other['signature']['id']
    assert first['signature']['kind'] == 'hung_task' and other['signature']['kind'] == 'oom'


def test_kernel_release_comes_from_the_log_when_the_dump_header_has_none(tmp_path):
    record = triage_capture(make_capture(tmp_path, '127.0.0.1-2026-01-26-10:42:00', {
        'vmcore': 'elf64_core.bin', 'vmcore-dmesg.txt': 'vmcore-dmesg_el8_sysrq.txt'}))
    assert (record['format'], record['kernel_release'], record['kernel_release_source']) == \
        ('elf', '4.18.0-513.5.1.el8_9.x86_64', 'dmesg')


def test_capture_without_a_log_and_extraction_off_has_no_signature_and_says_why(tmp_path):
    record = triage_capture(make_capture(tmp_path, '127.0.0.1-2026-01-26-10:42:00', {'vmcore': 'kdump_zlib_d1.bin'}))
    assert (record['dmesg_source'], record['signature']) == ('none', None)
    assert record['dmesg_reason'] == record['signature_reason'] == \
        'the capture saved no kernel log, and extract_dmesg is off'
    assert record['kernel_release'] == '6.1.0-18-amd64' and record['complete']


def test_capture_without_a_log_gets_it_from_the_dump(tmp_path):
    entry = make_capture(tmp_path / 'crash', '127.0.0.1-2026-01-26-10:42:00', {'vmcore': 'elf64_core.bin'})
    work = tmp_path / 'work'
    work.mkdir()
    extract = functools.partial(extract_dmesg, workdir=str(work), run_command=FakeMakedumpfile('vmcore-dmesg_el8_sysrq.txt'),
                                makedumpfile='/usr/sbin/makedumpfile')
    record = triage_capture(entry, extract)
    assert (record['dmesg_source'], record['dmesg_file'], record['dmesg_reason']) == ('extracted', None, None)
    assert record['signature']['kind'] == 'sysrq' and record['kernel_release_source'] == 'dmesg'
    assert record['panic_line'] == 'Kernel panic - not syncing: Fatal exception'


def test_incomplete_capture_still_gets_the_signature_of_its_partial_log(tmp_path):
    record = triage_capture(make_capture(tmp_path, '127.0.0.1-2026-01-26-10:42:00', {
        'vmcore-incomplete': 'kdump_incomplete_status.bin', 'vmcore-dmesg-incomplete.txt': 'vmcore-dmesg_el8_sysrq.txt'}))
    assert not record['complete'] and 'vmcore-incomplete is present' in record['reason']
    assert record['dmesg_source'] == 'file' and record['signature']['kind'] == 'sysrq'


def test_log_without_a_crash_report_gives_no_signature(tmp_path):
    directory = tmp_path / '202601261040'
    directory.mkdir()
    shutil.copy(find_fixture('debian12_dump_head_tail.bin'), str(directory / 'dump.202601261040'))
    lines = text_of('debian12_dmesg_panic.txt').splitlines()[:2]
    (directory / 'dmesg.202601261040').write_text(u'\n'.join(lines) + u'\n')
    record = triage_capture(list_capture_dirs(str(tmp_path))[0])
    assert record['signature'] is None and record['dmesg_source'] == 'file'
    assert record['signature_reason'] == 'the kernel log (%s) shows no crash report' % (directory / 'dmesg.202601261040')
