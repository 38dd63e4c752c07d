# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The capture_proof module through main(): recording, check mode, idempotence, the boot-id guard, forgetting."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil
import stat

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import build_marker, write_marker
from ansible_collections.crashdump.kdump.plugins.modules import capture_proof
from ansible_collections.crashdump.kdump.tests.unit.marker_samples import COVERED

VMCORE = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'vmcore')
BOOT = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
CRASHED_BOOT = '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'
COMPLETE = {'outcome': 'complete', 'complete': True, 'dump': '/var/crash/202601261040/dump.202601261040',
            'detail': 'the capture left a complete kdump-compressed dump in /var/crash/202601261040',
            'returned_after': 74}
INCOMPLETE = {'outcome': 'incomplete', 'complete': False, 'dump': '/var/crash/202601261040/dump-incomplete',
              'detail': 'the capture in /var/crash/202601261040 is incomplete: dump-incomplete marker left'}


class Host(object):
    """The state directory of a host that crashed for a test and came back."""

    def __init__(self, tmp_path):
        self.marker_path = tmp_path / 'state' / 'crash-marker.json'
        self.proof_path = tmp_path / 'state' / 'capture-proof.json'
        self.boot_id = BOOT
        self.marker = self.write_marker()

    def write_marker(self, boot_id=CRASHED_BOOT, triggered_at=1769424000.5, covered=None):
        marker = build_marker(boot_id, triggered_at, 5, 'sysrq', '/var/crash', ['202601251000'],
                              covered=COVERED if covered is None else covered)
        write_marker(marker, str(self.marker_path))
        return marker

    def args(self, **params):
        args = {'outcome': COMPLETE, 'marker_path': str(self.marker_path)}
        args.update(params)
        return dict((name, value) for name, value in args.items() if value is not None)

    def proof_bytes(self):
        return self.proof_path.read_bytes() if self.proof_path.exists() else None

    def stored(self):
        return json.loads(self.proof_path.read_text())


@pytest.fixture
def host(tmp_path, monkeypatch):
    host = Host(tmp_path)
    monkeypatch.setattr(capture_proof, 'PROOF_PATH', str(host.proof_path))
    monkeypatch.setattr(capture_proof, 'read_boot_id', lambda: host.boot_id)
    return host


def test_a_complete_test_is_recorded_as_last_test_and_proof(run_module, host):
    result, failed = run_module(capture_proof.main, host.args(marker=host.marker))
    assert not failed and result['changed'] and result['path'] == str(host.proof_path)
    assert result['outcome'] == dict((key, COMPLETE[key]) for key in ('outcome', 'complete', 'dump', 'detail'))
    stored = host.stored()
    assert stored == {'version': 1, 'last_test': result['last_test'], 'proof': result['proof']}
    assert result['last_test'] == {
        'outcome': 'complete', 'complete': True, 'dump': COMPLETE['dump'], 'detail': COMPLETE['detail'],
        'tested_at': '2026-01-26T10:40:00Z', 'triggered_at': 1769424000.5, 'boot_id': CRASHED_BOOT,
        'covered': COVERED}
    assert result['proof'] == {'tested_at': '2026-01-26T10:40:00Z', 'triggered_at': 1769424000.5,
                               'dump': COMPLETE['dump'], 'boot_id': CRASHED_BOOT, 'covered': COVERED}
    assert stat.S_IMODE(os.stat(str(host.proof_path)).st_mode) == 0o600


def test_the_state_directory_is_created_private(run_module, host, tmp_path, monkeypatch):
    proof_path = tmp_path / 'fresh' / 'capture-proof.json'
    monkeypatch.setattr(capture_proof, 'PROOF_PATH', str(proof_path))
    _result, failed = run_module(capture_proof.main, host.args())
    assert not failed
    assert stat.S_IMODE(os.stat(str(proof_path.parent)).st_mode) == 0o700
    assert os.listdir(str(proof_path.parent)) == ['capture-proof.json']


def test_check_mode_reports_the_change_and_the_diff_and_writes_nothing(run_module, host):
    result, failed = run_module(capture_proof.main, host.args(), check_mode=True, diff=True)
    assert not failed and result['changed'] and result['proof']['covered'] == COVERED
    assert result['diff']['before'] == '' and result['diff']['before_header'].endswith('(absent)')
    assert json.loads(result['diff']['after']) == {'version': 1, 'last_test': result['last_test'],
                                                   'proof': result['proof']}
    assert not host.proof_path.exists()


def test_the_same_outcome_of_the_same_marker_again_changes_nothing(run_module, host):
    first, failed = run_module(capture_proof.main, host.args())
    assert not failed and first['changed']
    written = host.proof_bytes()
    for check_mode in (True, False):
        again, failed = run_module(capture_proof.main, host.args(), check_mode=check_mode, diff=True)
        assert not failed and not again['changed']
        assert again['diff']['before'] == again['diff']['after']
        assert (again['last_test'], again['proof']) == (first['last_test'], first['proof'])
    assert host.proof_bytes() == written


def test_a_failed_test_after_a_proof_is_the_last_test_and_keeps_the_proof(run_module, host):
    proven, _failed = run_module(capture_proof.main, host.args())
    host.write_marker(boot_id='c9d8e7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f', triggered_at=1770000000.0,
                      covered=dict(COVERED, kernel_release='6.1.0-29-amd64'))
    result, failed = run_module(capture_proof.main, host.args(outcome=INCOMPLETE), diff=True)
    assert not failed and result['changed']
    assert result['last_test']['outcome'] == 'incomplete'
    assert result['last_test']['covered']['kernel_release'] == '6.1.0-29-amd64'
    assert result['proof'] == proven['proof'] == host.stored()['proof']
    assert '"outcome": "complete"' in result['diff']['before'] and '"outcome": "incomplete"' in result['diff']['after']


def test_a_re_judged_outcome_of_the_same_marker_replaces_the_last_test(run_module, host):
    run_module(capture_proof.main, host.args(outcome=INCOMPLETE))
    result, failed = run_module(capture_proof.main, host.args())
    assert not failed and result['changed'] and host.stored()['proof']['dump'] == COMPLETE['dump']


@pytest.mark.parametrize('setup, message', [
    ('pending', 'was written in the running boot (boot id %s): the host has not crashed since' % BOOT),
    ('no_marker', 'no crash marker at '),
    ('version_1', 'written by an older crashdump.kdump.kdump_crash'),
    ('later_test', 'is not the one stored in'),
    ('garbled_marker', 'is not JSON'),
    ('garbled_proof', 'capture-proof.json is not JSON'),
], ids=['marker-of-this-boot', 'no-marker', 'version-1-marker', 'marker-of-another-test', 'garbled-marker',
        'garbled-proof-file'])
def test_the_guard_fails_clearly_and_writes_nothing(run_module, host, setup, message):
    params = {}
    if setup == 'pending':
        host.write_marker(boot_id=BOOT)
    elif setup == 'no_marker':
        host.marker_path.unlink()
    elif setup == 'version_1':
        host.marker_path.write_text(json.dumps({'version': 1, 'boot_id': CRASHED_BOOT, 'triggered_at': 1769424000.5,
                                                'trigger_delay': 5, 'method': 'sysrq', 'dump_path': '/var/crash',
                                                'capture_dirs': []}))
    elif setup == 'later_test':
        params['marker'] = dict(host.marker, triggered_at=1769420000.0)
    elif setup == 'garbled_marker':
        host.marker_path.write_text(u'{not json')
    elif setup == 'garbled_proof':
        host.proof_path.write_text(u'{"last_test": ')
    before = host.proof_bytes()
    result, failed = run_module(capture_proof.main, host.args(**params), check_mode=setup == 'pending')
    assert failed and message in result['msg'] and not result['changed']
    assert host.proof_bytes() == before
    if setup == 'pending':
        assert result['outcome']['outcome'] == 'not_crashed' and result['outcome']['complete'] is False
    else:
        assert 'outcome' not in result


@pytest.mark.parametrize('params, words', [
    ({'outcome': 'complete'}, ['outcome', 'dict']),
    ({'outcome': dict(COMPLETE, outcome='refused', complete=False)},
     ["'refused'", 'no test crash happened', 'allowed: complete, incomplete, no_capture, not_returned, error']),
    ({'outcome': dict(COMPLETE, outcome='current')}, ["'current'", 'no test crash happened']),
    ({'outcome': dict(COMPLETE, outcome='exploded', complete=False)}, ["'exploded'", 'allowed: complete']),
    ({'outcome': dict(COMPLETE, complete=False)}, ['outcome.complete', 'does not match']),
    ({'outcome': {'outcome': 'complete', 'complete': True}}, ['outcome', 'lacks dump']),
    ({'outcome': None}, ['outcome', 'required with state=present']),
    ({'state': 'forgotten'}, ['state', 'present, absent']),
    ({'state': 'absent'}, ['outcome', 'not used with state=absent']),
    ({'marker': {'boot_id': CRASHED_BOOT}}, ['marker', 'lacks triggered_at, capture_dirs']),
    ({'find_dump': True}, ['outcome, find_dump', 'give one of them']),
    ({'state': 'absent', 'outcome': None, 'find_dump': True}, ['find_dump', 'not used with state=absent']),
    ({'outcome': None, 'find_dump': 'perhaps'}, ['find_dump', 'bool']),
    ({'proof_path': '/srv/kdump/proof.json'}, ['proof_path']),
], ids=['outcome-not-a-dict', 'outcome-refused', 'outcome-current', 'outcome-unknown', 'complete-mismatch', 'outcome-without-dump',
        'outcome-left-out', 'state-not-a-choice', 'outcome-with-absent', 'marker-malformed', 'unknown-parameter', 'find-dump-and-outcome',
        'find-dump-with-absent', 'find-dump-not-a-bool'])
def test_bad_input_fails_names_the_parameter_and_changes_nothing(run_module, host, params, words):
    run_module(capture_proof.main, host.args(outcome=INCOMPLETE))
    before, marker_before = host.proof_bytes(), host.marker_path.read_bytes()
    result, failed = run_module(capture_proof.main, host.args(**params))
    assert failed and not result.get('changed')
    for word in words:
        assert word in result['msg'], 'expected %r in the message: %s' % (word, result['msg'])
    assert (host.proof_bytes(), host.marker_path.read_bytes()) == (before, marker_before)


def test_absent_forgets_every_test_with_check_mode_and_diff(run_module, host):
    run_module(capture_proof.main, host.args())
    written = host.proof_bytes()
    result, failed = run_module(capture_proof.main, {'state': 'absent'}, check_mode=True, diff=True)
    assert not failed and result['changed'] and host.proof_bytes() == written
    assert json.loads(result['diff']['before'])['proof']['covered'] == COVERED and result['diff']['after'] == ''
    result, failed = run_module(capture_proof.main, {'state': 'absent'})
    assert not failed and result['changed'] and not host.proof_path.exists()
    assert (result['last_test'], result['proof']) == (None, None)
    assert host.marker_path.exists()
    again, failed = run_module(capture_proof.main, {'state': 'absent'})
    assert not failed and not again['changed']


def test_absent_removes_a_garbled_proof_file(run_module, host):
    host.proof_path.write_text(u'{"last_test": ')
    result, failed = run_module(capture_proof.main, {'state': 'absent'})
    assert not failed and result['changed'] and not host.proof_path.exists()


def capture_dir(root, name, files):
    """A capture directory under ``root`` holding copies of dump fixtures."""
    directory = root / name
    directory.mkdir(parents=True)
    for file_name, fixture in files.items():
        shutil.copy(os.path.join(VMCORE, fixture), str(directory / file_name))
    return directory


@pytest.fixture
def dump_dir(tmp_path):
    """The dump directory with the capture the marker lists (one from before the test)."""
    root = tmp_path / 'crash'
    capture_dir(root, '202601251000', {'dump.202601251000': 'flat_kdump_zlib_d31.bin'})
    return root


def find_dump_args(host, dump_dir, **params):
    return host.args(outcome=None, find_dump=True, path=str(dump_dir), **params)


def test_find_dump_judges_the_tests_own_dump_and_records_it(run_module, host, dump_dir):
    new = capture_dir(dump_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin',
                                                 'dmesg.202601261040': 'debian12_dmesg_panic.txt'})
    result, failed = run_module(capture_proof.main, find_dump_args(host, dump_dir, marker=host.marker), diff=True)
    assert not failed and result['changed']
    assert [dump['name'] for dump in result['dumps']] == ['202601261040']
    assert result['outcome'] == {'outcome': 'complete', 'complete': True, 'dump': str(new / 'dump.202601261040'),
                                 'detail': 'the capture left a complete flattened dump in %s' % new}
    assert host.stored()['proof']['dump'] == str(new / 'dump.202601261040')
    assert json.loads(result['diff']['after'])['last_test']['outcome'] == 'complete'
    again, failed = run_module(capture_proof.main, find_dump_args(host, dump_dir))
    assert not failed and not again['changed']


@pytest.mark.parametrize('files, outcome, words', [
    (None, 'no_capture', 'left no new capture directory in'),
    ({'dump-incomplete': 'flat_kdump_no_trailer.bin'}, 'incomplete', 'dump-incomplete is present'),
], ids=['nothing-new', 'ran-out-of-memory'])
def test_find_dump_records_a_failed_capture_and_keeps_no_proof(run_module, host, dump_dir, files, outcome, words):
    if files:
        capture_dir(dump_dir, '202601261040', files)
    result, failed = run_module(capture_proof.main, find_dump_args(host, dump_dir))
    assert not failed and result['changed']
    assert (result['outcome']['outcome'], result['outcome']['complete']) == (outcome, False)
    assert words in result['outcome']['detail']
    assert host.stored()['last_test']['outcome'] == outcome and host.stored()['proof'] is None


def test_find_dump_before_the_crash_fails_not_crashed_and_writes_nothing(run_module, host, dump_dir):
    host.write_marker(boot_id=BOOT)
    capture_dir(dump_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'})
    result, failed = run_module(capture_proof.main, find_dump_args(host, dump_dir))
    assert failed and 'has not crashed' in result['msg'] and not result['changed']
    assert result['outcome']['outcome'] == 'not_crashed' and host.proof_bytes() is None


def test_find_dump_check_mode_judges_but_writes_nothing(run_module, host, dump_dir):
    capture_dir(dump_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'})
    result, failed = run_module(capture_proof.main, find_dump_args(host, dump_dir), check_mode=True)
    assert not failed and result['changed'] and result['outcome']['outcome'] == 'complete'
    assert host.proof_bytes() is None


def test_find_dump_of_a_remote_target_fails_naming_find_dump(run_module, host, tmp_path):
    conf = tmp_path / 'kdump.conf'
    conf.write_text(u'ssh kdump@dump.example.com\npath /srv/crash\n')
    args = host.args(outcome=None, find_dump=True, platform='el9', config_file=str(conf))
    result, failed = run_module(capture_proof.main, args)
    assert failed and result['msg'].startswith('find_dump: dumps go to ssh target') and 'give path' in result['msg']
    assert host.proof_bytes() is None


def test_find_dump_reads_the_dump_directory_from_the_debian_configuration(run_module, host, dump_dir, tmp_path):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(u'USE_KDUMP=1\nKDUMP_COREDIR="%s"\n' % dump_dir)
    capture_dir(dump_dir, '202601261040', {'dump.202601261040': 'debian12_dump_head_tail.bin'})
    args = host.args(outcome=None, find_dump=True, platform='debian', config_file=str(defaults))
    result, failed = run_module(capture_proof.main, args)
    assert not failed and result['outcome']['dump'] == str(dump_dir / '202601261040' / 'dump.202601261040')
