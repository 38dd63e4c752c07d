# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The test-crash marker: content, states, storage."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import (
    MARKER_STATES,
    MarkerError,
    build_marker,
    marker_covered,
    marker_state,
    read_marker,
    same_test,
    validate_marker,
    write_marker,
    write_state_file,
)
from ansible_collections.crashdump.kdump.tests.unit.marker_samples import COVERED

BOOT = '0b3c3a4e-8a0c-4d0e-9d43-3e8f7d2b6a11'
OTHER_BOOT = '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'
# A marker as kdump_crash wrote it before it recorded what the test covers.
VERSION_1_MARKER = {'version': 1, 'boot_id': OTHER_BOOT, 'triggered_at': 1769424000.5, 'trigger_delay': 5,
                    'method': 'sysrq', 'dump_path': '/var/crash', 'capture_dirs': ['202601251000']}


def marker():
    return build_marker(BOOT, 1769424000.5, 5, 'sysrq', '/var/crash', ['202601261050', '202601261040'],
                        covered=COVERED)


def test_marker_records_boot_time_sorted_existing_dirs_and_what_the_test_covers():
    assert marker() == {'version': 2, 'boot_id': BOOT, 'triggered_at': 1769424000.5, 'trigger_delay': 5,
                        'method': 'sysrq', 'dump_path': '/var/crash',
                        'capture_dirs': ['202601261040', '202601261050'], 'covered': COVERED}
    assert marker_covered(marker()) == COVERED


def test_marker_states_are_named_once():
    assert MARKER_STATES == ('none', 'pending', 'completed', 'unreadable')


@pytest.mark.parametrize('stored, boot_id, state', [
    (None, BOOT, 'none'),
    ('marker', BOOT, 'pending'),
    ('marker', OTHER_BOOT, 'completed'),
])
def test_marker_state_follows_the_boot_id(stored, boot_id, state):
    assert marker_state(marker() if stored else None, boot_id) == state


def test_write_then_read_round_trip_with_private_modes(tmp_path):
    path = str(tmp_path / 'state' / 'crash-marker.json')
    write_marker(marker(), path)
    assert read_marker(path) == marker()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert os.listdir(os.path.dirname(path)) == ['crash-marker.json']


def test_missing_marker_reads_as_none(tmp_path):
    assert read_marker(str(tmp_path / 'absent.json')) is None


def test_marker_that_is_not_json_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / 'crash-marker.json'
    path.write_text(u'{not json')
    with pytest.raises(MarkerError, match='crash-marker.json is not JSON'):
        read_marker(str(path))


def test_version_1_marker_stays_readable_without_covered_state(tmp_path):
    path = tmp_path / 'crash-marker.json'
    path.write_text(json.dumps(VERSION_1_MARKER))
    stored = read_marker(str(path))
    assert stored == VERSION_1_MARKER
    assert marker_state(stored, BOOT) == 'completed'
    assert marker_covered(stored) is None and marker_covered(None) is None


@pytest.mark.parametrize('other, same', [
    (json.loads(json.dumps(build_marker(BOOT, 1769424000.5, 5, 'sysrq', None, []))), True),
    (build_marker(BOOT, 1769424001.5, 5, 'sysrq', None, []), False),
    (build_marker(OTHER_BOOT, 1769424000.5, 5, 'sysrq', None, []), False),
    ({'boot_id': BOOT}, False),
    (None, False),
], ids=['same', 'later-trigger', 'other-boot', 'no-time', 'none'])
def test_same_test_is_same_boot_and_trigger_time(other, same):
    assert same_test(marker(), other) is same


def test_state_file_replaces_the_old_one_with_private_modes(tmp_path):
    path = str(tmp_path / 'state' / 'capture-proof.json')
    write_state_file(u'{"a": 1}\n', path)
    write_state_file(u'{"a": 2}\n', path)
    with open(path) as handle:
        assert handle.read() == u'{"a": 2}\n'
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert os.listdir(os.path.dirname(path)) == ['capture-proof.json']


@pytest.mark.parametrize('value, message', [
    ('a string', 'is not a dict'),
    ({'boot_id': BOOT}, 'lacks triggered_at, capture_dirs'),
    (dict(marker(), capture_dirs='202601261040'), 'capture_dirs is not a list'),
    (dict(marker(), triggered_at='soon'), 'is not epoch seconds'),
    (dict(marker(), covered='6.1.0-28-amd64'), 'covered is not a dict'),
])
def test_malformed_marker_is_rejected(value, message):
    with pytest.raises(MarkerError, match=message):
        validate_marker(value, 'since')


def test_marker_survives_json_as_ansible_passes_it_back():
    assert validate_marker(json.loads(json.dumps(marker()))) == marker()
