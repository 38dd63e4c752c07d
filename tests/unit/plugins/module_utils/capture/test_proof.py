# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a crash test covers, how a proof is recorded, and whether it still holds."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import hashlib
import json

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture import proof as capture_proof
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.proof import (
    MEMORY_SOURCE_BLOCKS,
    MEMORY_SOURCE_IOMEM,
    NO_TEST_OUTCOMES,
    REASON_CONFIGURATION,
    REASON_KERNEL,
    REASON_MEMORY,
    REASON_RESERVATION,
    REASON_TARGET,
    REASONS,
    RECORDABLE_OUTCOMES,
    STATUS_CURRENT,
    STATUS_MISSING,
    STATUS_STALE,
    STATUSES,
    ProofError,
    assess_proof,
    check_outcome,
    check_tested_marker,
    compare_covered,
    config_digest,
    config_files,
    machine_memory,
    parse_memory_blocks,
    parse_proof,
    read_config_digest,
    read_covered_state,
    read_machine_memory,
    record_test,
    render_proof,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import build_marker
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import OUTCOMES
from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import summarize_debian, summarize_rhel

BOOT = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
CRASHED_BOOT = '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'
QEMU_2G = 2146954240
MIB = 1 << 20
EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'


def covered(**changes):
    """The covered state of a Debian 12 guest with the shipped kdump-tools defaults."""
    state = {'kernel_release': '6.1.0-28-amd64',
             'config_digest': {'sha256': 'a' * 64, 'files': [
                 {'path': '/etc/default/kdump-tools', 'sha256': 'b' * 64, 'missing': False}]},
             'reserved_bytes': 256 * MIB, 'memory_bytes': QEMU_2G, 'memory_source': MEMORY_SOURCE_IOMEM,
             'target': {'type': 'local', 'location': None, 'path': '/var/crash'}}
    state.update(changes)
    return state


def crashed_marker(state=None, triggered_at=1769424000.5):
    return build_marker(CRASHED_BOOT, triggered_at, 5, 'sysrq', '/var/crash', ['202601251000'],
                        covered=covered() if state is None else state)


COMPLETE = {'outcome': 'complete', 'complete': True, 'dump': '/var/crash/202601261040/dump.202601261040',
            'detail': 'the capture left a complete kdump-compressed dump in /var/crash/202601261040'}
INCOMPLETE = {'outcome': 'incomplete', 'complete': False, 'dump': '/var/crash/202601261040/dump-incomplete',
              'detail': 'the capture in /var/crash/202601261040 is incomplete: dump-incomplete marker left'}


def test_names_are_defined_once():
    assert STATUSES == ('current', 'stale', 'missing')
    assert REASONS == ('kernel', 'configuration', 'reservation', 'memory', 'target')


def test_every_outcome_is_either_recordable_or_no_test():
    """A new outcome in crash_outcome must be decided here too."""
    assert sorted(RECORDABLE_OUTCOMES + NO_TEST_OUTCOMES) == sorted(OUTCOMES)
    assert not set(RECORDABLE_OUTCOMES) & set(NO_TEST_OUTCOMES)


# -- the configuration files and their digest ---------------------------------

@pytest.mark.parametrize('family, config_file, sysconfig_file, expected', [
    ('rhel', None, None, ['/etc/kdump.conf', '/etc/sysconfig/kdump']),
    ('rhel', '/srv/kdump.conf', '/srv/sysconfig', ['/srv/kdump.conf', '/srv/sysconfig']),
    ('debian', None, '/etc/sysconfig/kdump', ['/etc/default/kdump-tools']),
    ('debian', '/srv/kdump-tools', None, ['/srv/kdump-tools']),
], ids=['rhel-defaults', 'rhel-given', 'debian-ignores-sysconfig', 'debian-given'])
def test_config_files_are_the_ones_the_backend_uses(family, config_file, sysconfig_file, expected):
    assert config_files(family, config_file, sysconfig_file) == expected


def test_same_bytes_give_the_same_digest(fixture_text):
    text = fixture_text('el9_kdump.conf').encode('utf-8')
    first = config_digest([('/etc/kdump.conf', text), ('/etc/sysconfig/kdump', b'KDUMP_COMMANDLINE_APPEND=""\n')])
    again = config_digest([('/etc/kdump.conf', bytes(bytearray(text))),
                           ('/etc/sysconfig/kdump', b'KDUMP_COMMANDLINE_APPEND=""\n')])
    assert first == again
    assert first['files'][0] == {'path': '/etc/kdump.conf', 'sha256': hashlib.sha256(text).hexdigest(),
                                 'missing': False}


def test_a_comment_change_changes_the_digest_on_purpose(fixture_text):
    """The digest is over bytes: it cannot know what the tools make of a line, so any edit asks for a re-test."""
    text = fixture_text('debian_kdump-tools')
    before = config_digest([('/etc/default/kdump-tools', text.encode('utf-8'))])
    after = config_digest([('/etc/default/kdump-tools', (text + u'# reviewed 2026-02-01\n').encode('utf-8'))])
    assert before['sha256'] != after['sha256']
    assert before['files'][0]['sha256'] != after['files'][0]['sha256']


def test_the_combined_digest_names_its_paths():
    assert config_digest([('/etc/kdump.conf', b'')])['sha256'] != config_digest([('/srv/kdump.conf', b'')])['sha256']


def test_a_missing_file_is_recorded_as_missing_and_differs_from_an_empty_one():
    missing = config_digest([('/etc/kdump.conf', b'path /var/crash\n'), ('/etc/sysconfig/kdump', None)])
    assert missing['files'][1] == {'path': '/etc/sysconfig/kdump', 'sha256': None, 'missing': True}
    empty = config_digest([('/etc/kdump.conf', b'path /var/crash\n'), ('/etc/sysconfig/kdump', b'')])
    assert empty['files'][1] == {'path': '/etc/sysconfig/kdump', 'sha256': EMPTY_SHA256, 'missing': False}
    assert missing['sha256'] != empty['sha256']


def test_an_unreadable_file_leaves_no_combined_digest():
    digest = config_digest([('/etc/kdump.conf', None, 'Permission denied')])
    assert digest == {'sha256': None, 'files': [{'path': '/etc/kdump.conf', 'sha256': None, 'missing': False}]}


def test_files_are_read_as_bytes(tmp_path):
    conf = tmp_path / 'kdump.conf'
    conf.write_bytes(b'path /var/crash\n# caf\xc3\xa9\n')
    digest = read_config_digest([str(conf), str(tmp_path / 'absent')])
    assert digest['files'] == [
        {'path': str(conf), 'sha256': hashlib.sha256(b'path /var/crash\n# caf\xc3\xa9\n').hexdigest(), 'missing': False},
        {'path': str(tmp_path / 'absent'), 'sha256': None, 'missing': True}]


# -- the machine's memory ---------------------------------------------------------

def test_memory_from_iomem_does_not_move_with_the_reservation(fixture_text):
    iomem = fixture_text('crashkernel/qemu_2g_iomem.txt')
    assert '  77000000-7effffff : Crash kernel' in iomem
    larger = iomem.replace('  77000000-7effffff : Crash kernel', '  6f000000-7effffff : Crash kernel')
    assert machine_memory(iomem, None) == machine_memory(larger, None) == (QEMU_2G, MEMORY_SOURCE_IOMEM)


@pytest.mark.parametrize('block_size, states, expected', [
    ('8000000\n', ['online\n'] * 16, 16 * 128 * MIB),
    ('8000000\n', ['online\n'] * 15 + ['offline\n'], 15 * 128 * MIB),
    ('80000000\n', ['online\n'] * 8, 16 << 30),
    ('', ['online\n'], None),
    ('8000000\n', [], None),
    (None, [None], None),
], ids=['qemu-2g', 'one-block-offline', '2g-blocks', 'no-block-size', 'no-blocks', 'unreadable'])
def test_memory_blocks_count_online_blocks(block_size, states, expected):
    assert parse_memory_blocks(block_size, states) == expected


def make_memory_blocks(directory, count, block_size='8000000'):
    directory.mkdir()
    (directory / 'block_size_bytes').write_text(u'%s\n' % block_size)
    (directory / 'auto_online_blocks').write_text(u'online\n')
    for index in range(count):
        (directory / ('memory%d' % index)).mkdir()
        (directory / ('memory%d' % index) / 'state').write_text(u'online\n')


def test_memory_blocks_count_when_iomem_is_hidden(tmp_path, fixture_text):
    iomem = tmp_path / 'iomem'
    iomem.write_text(fixture_text('crashkernel/unprivileged_iomem.txt'))
    make_memory_blocks(tmp_path / 'memory', 16)
    assert read_machine_memory(str(iomem), str(tmp_path / 'memory')) == (2 << 30, MEMORY_SOURCE_BLOCKS)
    iomem.write_text(fixture_text('crashkernel/qemu_2g_iomem.txt'))
    assert read_machine_memory(str(iomem), str(tmp_path / 'memory')) == (QEMU_2G, MEMORY_SOURCE_IOMEM)
    assert read_machine_memory(str(tmp_path / 'absent'), str(tmp_path / 'absent')) == (None, None)


# -- the covered state per platform -----------------------------------------------------

@pytest.fixture
def kernel(monkeypatch):
    monkeypatch.setattr(capture_proof, 'kernel_release', lambda: '5.14.0-362.8.1.el9_3.x86_64')
    monkeypatch.setattr(capture_proof, 'read_crash_size', lambda: (192 * MIB, None))
    monkeypatch.setattr(capture_proof, 'read_machine_memory', lambda: (QEMU_2G, MEMORY_SOURCE_IOMEM))


@pytest.mark.parametrize('release', ['el8', 'el9', 'el10'])
def test_covered_state_of_a_rhel_family_host(tmp_path, fixture_text, kernel, release):
    conf, sysconfig = tmp_path / 'kdump.conf', tmp_path / 'sysconfig_kdump'
    conf.write_text(fixture_text('%s_kdump.conf' % release))
    sysconfig.write_text(fixture_text('%s_sysconfig_kdump' % release))
    target = dict(summarize_rhel(fixture_text('%s_kdump.conf' % release), []), config_file=str(conf))
    state = read_covered_state('rhel', target, str(sysconfig))
    assert state['kernel_release'] == '5.14.0-362.8.1.el9_3.x86_64'
    assert [entry['path'] for entry in state['config_digest']['files']] == [str(conf), str(sysconfig)]
    assert state['config_digest']['files'][1]['sha256'] == hashlib.sha256(sysconfig.read_bytes()).hexdigest()
    assert (state['reserved_bytes'], state['memory_bytes'], state['memory_source']) == (
        192 * MIB, QEMU_2G, MEMORY_SOURCE_IOMEM)
    assert state['target'] == {'type': 'local', 'location': None, 'path': '/var/crash'}


def test_covered_state_of_a_debian_host_with_an_ssh_target(tmp_path, fixture_text, kernel):
    defaults = tmp_path / 'kdump-tools'
    defaults.write_text(fixture_text('debian_kdump-tools') + u'SSH="kdump@dump.example.com"\n')
    target = dict(summarize_debian(defaults.read_text()), config_file=str(defaults))
    state = read_covered_state('debian', target, '/etc/sysconfig/kdump', reserved_bytes=256 * MIB)
    assert [entry['path'] for entry in state['config_digest']['files']] == [str(defaults)]
    assert state['reserved_bytes'] == 256 * MIB
    assert state['target'] == {'type': 'ssh', 'location': 'kdump@dump.example.com', 'path': '/var/crash'}
    assert json.loads(json.dumps(state)) == state


# -- recording ----------------------------------------------------------------------------

@pytest.mark.parametrize('value, kept', [
    (COMPLETE, COMPLETE),
    (dict(COMPLETE, returned_after=73, refusal=None), COMPLETE),
    (dict(COMPLETE, complete='true'), COMPLETE),
    ({'outcome': 'not_returned', 'complete': False, 'dump': None},
     {'outcome': 'not_returned', 'complete': False, 'dump': None, 'detail': None}),
    ({'outcome': 'error', 'complete': False, 'dump': None, 'detail': 'the dump server could not be read'},
     {'outcome': 'error', 'complete': False, 'dump': None, 'detail': 'the dump server could not be read'}),
], ids=['vmcore-info-outcome', 'role-result-extra-keys-ignored', 'complete-as-a-string', 'no-detail', 'error'])
def test_outcome_is_kept_with_its_own_keys_only(value, kept):
    assert check_outcome(value) == kept


@pytest.mark.parametrize('value, message', [
    ('complete', 'outcome: expected the dict of a crash test result'),
    ({'outcome': 'complete', 'complete': True}, 'outcome: lacks dump'),
    (dict(COMPLETE, outcome='refused', complete=False), "'refused' means no test crash happened"),
    (dict(COMPLETE, outcome='not_crashed', complete=False), "'not_crashed' means no test crash happened"),
    (dict(COMPLETE, outcome='not_tested', complete=False), "'not_tested' means no test crash happened"),
    (dict(COMPLETE, outcome='current'), "'current' means no test crash happened"),
    (dict(COMPLETE, outcome='exploded', complete=False),
     "outcome.outcome: 'exploded' is not an outcome of a crash test; allowed: complete, incomplete, no_capture, "
     "not_returned, error"),
    (dict(COMPLETE, complete=False), 'outcome.complete: false does not match outcome'),
    (dict(INCOMPLETE, complete=True), "outcome.complete: true does not match outcome 'incomplete'"),
    (dict(COMPLETE, complete='perhaps'), "outcome.complete: 'perhaps' is not a boolean"),
    (dict(COMPLETE, dump=['a']), 'outcome.dump'),
], ids=['not-a-dict', 'no-dump', 'refused', 'not-crashed', 'not-tested', 'current', 'unknown', 'complete-false',
        'incomplete-true',
        'complete-not-bool', 'dump-a-list'])
def test_bad_outcome_is_rejected(value, message):
    with pytest.raises(ProofError) as error:
        check_outcome(value)
    assert message in str(error.value)


def test_marker_of_a_crash_that_happened_is_accepted():
    marker = crashed_marker()
    assert check_tested_marker(marker, BOOT, '/var/lib/crashdump-kdump/crash-marker.json') is marker
    assert check_tested_marker(marker, BOOT, 'm', given=json.loads(json.dumps(marker))) is marker


@pytest.mark.parametrize('stored, given, message', [
    (None, None, 'no crash marker at m: no crash test was started on this host'),
    ('pending', None, 'was written in the running boot (boot id %s): the host has not crashed since' % BOOT),
    ('crashed', 'later', 'the given marker (boot id %s, triggered at 1769420000.0) is not the one stored in m'
     % CRASHED_BOOT),
    ('version-1', None, 'written by an older crashdump.kdump.kdump_crash and does not record the host state'),
], ids=['no-marker', 'same-boot', 'another-test', 'old-format'])
def test_marker_not_of_this_test_is_refused(stored, given, message):
    marker = {'pending': dict(crashed_marker(), boot_id=BOOT), 'crashed': crashed_marker(),
              'version-1': {'version': 1, 'boot_id': CRASHED_BOOT, 'triggered_at': 1769424000.5, 'trigger_delay': 5,
                            'method': 'sysrq', 'dump_path': '/var/crash', 'capture_dirs': []}}.get(stored)
    with pytest.raises(ProofError) as error:
        check_tested_marker(marker, BOOT, 'm', given=crashed_marker(triggered_at=1769420000.0) if given else None)
    assert message in str(error.value)


def test_a_complete_test_becomes_the_proof():
    record = record_test(None, check_outcome(COMPLETE), crashed_marker())
    assert record['version'] == 1
    assert record['last_test'] == dict(COMPLETE, tested_at='2026-01-26T10:40:00Z', triggered_at=1769424000.5,
                                       boot_id=CRASHED_BOOT, covered=covered())
    assert record['proof'] == {'tested_at': '2026-01-26T10:40:00Z', 'triggered_at': 1769424000.5,
                               'dump': COMPLETE['dump'], 'boot_id': CRASHED_BOOT, 'covered': covered()}


def test_a_failed_test_is_the_last_test_but_keeps_the_earlier_proof():
    proven = record_test(None, check_outcome(COMPLETE), crashed_marker())
    later = record_test(proven, check_outcome(INCOMPLETE),
                        crashed_marker(covered(kernel_release='6.1.0-29-amd64'), triggered_at=1770000000.0))
    assert later['last_test']['outcome'] == 'incomplete' and later['last_test']['tested_at'] == '2026-02-02T02:40:00Z'
    assert later['proof'] == proven['proof']
    assert record_test(None, check_outcome(INCOMPLETE), crashed_marker())['proof'] is None


def test_recording_the_same_outcome_of_the_same_marker_again_is_the_same_record():
    first = record_test(None, check_outcome(COMPLETE), crashed_marker())
    stored = parse_proof(render_proof(first))
    assert record_test(stored, check_outcome(COMPLETE), json.loads(json.dumps(crashed_marker()))) == stored


@pytest.mark.parametrize('text, message', [
    ('{"last_test": ', 'proof.json is not JSON'),
    ('[]', 'does not hold a capture proof'),
    ('{"proof": null}', 'does not hold a capture proof'),
], ids=['not-json', 'a-list', 'no-last-test'])
def test_a_proof_file_that_is_not_one_is_an_error_naming_it(text, message):
    with pytest.raises(ProofError) as error:
        parse_proof(text, '/var/lib/crashdump-kdump/capture-proof.json')
    assert message in str(error.value) and 'state=absent' in str(error.value)


def test_no_proof_file_reads_as_none():
    assert parse_proof(None) is None


# -- is the proof current -----------------------------------------------------------------

def test_nothing_changed_is_no_reason():
    assert compare_covered(covered(), copy.deepcopy(covered())) == []


@pytest.mark.parametrize('now, reason', [
    (covered(kernel_release='6.1.0-29-amd64'),
     {'what': REASON_KERNEL, 'then': '6.1.0-28-amd64', 'now': '6.1.0-29-amd64'}),
    (covered(config_digest={'sha256': 'c' * 64, 'files': [
        {'path': '/etc/default/kdump-tools', 'sha256': 'd' * 64, 'missing': False}]}),
     {'what': REASON_CONFIGURATION, 'then': 'a' * 64, 'now': 'c' * 64, 'files': ['/etc/default/kdump-tools']}),
    (covered(reserved_bytes=512 * MIB), {'what': REASON_RESERVATION, 'then': 256 * MIB, 'now': 512 * MIB}),
    (covered(reserved_bytes=0), {'what': REASON_RESERVATION, 'then': 256 * MIB, 'now': 0}),
    (covered(memory_bytes=2 * QEMU_2G), {'what': REASON_MEMORY, 'then': QEMU_2G, 'now': 2 * QEMU_2G}),
    (covered(target={'type': 'ssh', 'location': 'kdump@dump.example.com', 'path': '/var/crash'}),
     {'what': REASON_TARGET, 'then': {'type': 'local', 'location': None, 'path': '/var/crash'},
      'now': {'type': 'ssh', 'location': 'kdump@dump.example.com', 'path': '/var/crash'}}),
], ids=['kernel', 'configuration', 'reservation', 'reservation-gone', 'memory', 'target'])
def test_each_change_is_one_reason(now, reason):
    assert compare_covered(covered(), now) == [reason]


def test_configuration_reason_names_only_the_files_that_changed():
    then = covered(config_digest=config_digest([('/etc/kdump.conf', b'path /var/crash\n'),
                                                ('/etc/sysconfig/kdump', b'KEXEC_ARGS="-s"\n')]))
    now = covered(config_digest=config_digest([('/etc/kdump.conf', b'path /var/crash\n'),
                                               ('/etc/sysconfig/kdump', None)]))
    (reason,) = compare_covered(then, now)
    assert reason['what'] == REASON_CONFIGURATION and reason['files'] == ['/etc/sysconfig/kdump']


@pytest.mark.parametrize('now', [
    covered(reserved_bytes=None),
    covered(memory_bytes=None, memory_source=None),
    covered(memory_bytes=2 << 30, memory_source=MEMORY_SOURCE_BLOCKS),
    covered(config_digest={'sha256': None, 'files': []}),
], ids=['reservation-unreadable', 'memory-unreadable', 'memory-counted-otherwise', 'configuration-unreadable'])
def test_what_cannot_be_compared_is_no_reason(now):
    assert compare_covered(covered(), now) == []


def test_several_changes_come_in_a_fixed_order():
    now = covered(kernel_release='6.1.0-29-amd64', reserved_bytes=512 * MIB,
                  target={'type': 'nfs', 'location': 'nfs.example.com:/export/crash', 'path': '/var/crash'})
    assert [reason['what'] for reason in compare_covered(covered(), now)] == [
        REASON_KERNEL, REASON_RESERVATION, REASON_TARGET]


def test_never_tested_is_missing():
    assert assess_proof(None, covered()) == {
        'status': STATUS_MISSING, 'reasons': [], 'tested_at': None, 'dump': None, 'last_test': None,
        'unrecorded_test': False, 'detail': 'no complete crash test is recorded on this host'}


def test_only_failed_tests_is_missing_with_the_last_test():
    record = record_test(None, check_outcome(INCOMPLETE), crashed_marker())
    proof = assess_proof(record, covered())
    assert proof['status'] == STATUS_MISSING and proof['tested_at'] is None
    assert proof['last_test'] == dict(INCOMPLETE, tested_at='2026-01-26T10:40:00Z')
    assert proof['detail'] == ('no complete crash test is recorded on this host; the last test, at '
                               '2026-01-26T10:40:00Z, ended incomplete')


def test_unchanged_host_is_current():
    record = record_test(None, check_outcome(COMPLETE), crashed_marker())
    proof = assess_proof(record, covered(), crashed_marker(), 'completed')
    assert proof == {'status': STATUS_CURRENT, 'reasons': [], 'tested_at': '2026-01-26T10:40:00Z',
                     'dump': COMPLETE['dump'], 'last_test': dict(COMPLETE, tested_at='2026-01-26T10:40:00Z'),
                     'unrecorded_test': False,
                     'detail': 'the complete crash test of 2026-01-26T10:40:00Z covers the host as it is now'}


def test_kernel_update_makes_it_stale_while_a_later_failure_is_the_last_test():
    proven = record_test(None, check_outcome(COMPLETE), crashed_marker())
    record = record_test(proven, check_outcome(INCOMPLETE),
                         crashed_marker(covered(kernel_release='6.1.0-29-amd64'), triggered_at=1770000000.0))
    proof = assess_proof(record, covered(kernel_release='6.1.0-29-amd64'))
    assert proof['status'] == STATUS_STALE and proof['tested_at'] == '2026-01-26T10:40:00Z'
    assert proof['reasons'] == [{'what': 'kernel', 'then': '6.1.0-28-amd64', 'now': '6.1.0-29-amd64'}]
    assert proof['last_test']['outcome'] == 'incomplete'
    assert proof['detail'] == ('the complete crash test of 2026-01-26T10:40:00Z no longer covers this host: '
                               'the kernel changed (6.1.0-28-amd64, now 6.1.0-29-amd64)')


@pytest.mark.parametrize('marker, state, unrecorded', [
    (crashed_marker(), 'completed', False),
    (crashed_marker(triggered_at=1770000000.0), 'completed', True),
    (dict(crashed_marker(triggered_at=1770000000.0), boot_id=BOOT), 'pending', False),
    (None, 'none', False),
    (None, 'unreadable', False),
], ids=['recorded', 'later-test-not-recorded', 'later-test-pending', 'no-marker', 'unreadable-marker'])
def test_a_crash_test_whose_outcome_was_not_recorded_is_reported(marker, state, unrecorded):
    record = record_test(None, check_outcome(COMPLETE), crashed_marker())
    assert assess_proof(record, covered(), marker, state)['unrecorded_test'] is unrecorded
