# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""kdumpctl / kdump-config / systemctl output, and the kernel's crash-loaded flag."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.service.status import (
    parse_kdump_config_show,
    parse_kdump_config_status,
    parse_kdumpctl_status,
    parse_last_test,
    parse_systemctl_show,
    read_crash_loaded,
    resolve_last_test,
    unit_state,
)

DATE = 'Tue Jan  2 10:00:00 UTC 2024'
KDUMPCTL = [
    ('kdumpctl_status_el10_operational_tested.txt', 0, True, 'success'),
    ('kdumpctl_status_el10_not_operational_failed_test.txt', 3, False, 'fail'),
    ('kdumpctl_status_el10_untested.txt', 0, True, 'none'),
    ('kdumpctl_status_el10_manual.txt', 0, True, 'manual'),
    ('kdumpctl_status_el9_operational.txt', 0, True, None),
    ('kdumpctl_status_el8_not_operational.txt', 3, False, None),
    ('kdumpctl_status_no_config.txt', 1, None, None),
]


@pytest.mark.parametrize('name, rc, operational, test_state', KDUMPCTL, ids=[case[0] for case in KDUMPCTL])
def test_kdumpctl_status(fixture_text, name, rc, operational, test_state):
    stderr = fixture_text('kdump_status/' + name)
    parsed = parse_kdumpctl_status(rc, '', stderr)
    assert parsed['operational'] is operational
    assert parsed['messages'] == stderr.splitlines()
    if test_state is None:
        assert parsed['last_test'] is None
    else:
        assert parsed['last_test']['state'] == test_state
        assert parsed['last_test']['date'] == (None if test_state == 'none' else DATE)


def test_rc0_without_the_operational_message_is_not_taken_as_operational():
    assert parse_kdumpctl_status(0, '', 'kdump: something else\n')['operational'] is None


def test_last_test_line_keeps_the_text_without_prefixes(fixture_text):
    last = parse_last_test(fixture_text('kdump_status/kdumpctl_status_el10_not_operational_failed_test.txt'))
    assert last['line'] == 'Last NOT successful vmcore creation test on ' + DATE


@pytest.mark.parametrize('name, ready', [
    ('kdump-config_status_ready.txt', True),
    ('kdump-config_status_not_ready.txt', False),
])
def test_kdump_config_status(fixture_text, name, ready):
    assert parse_kdump_config_status(fixture_text('kdump_status/' + name)) is ready


def test_kdump_config_status_without_state_line_is_unknown():
    assert parse_kdump_config_status(' * /etc/default/kdump-tools: USE_KDUMP is not set or zero\n') is None


def test_kdump_config_show(fixture_text):
    shown = parse_kdump_config_show(fixture_text('kdump_status/kdump-config_show_ready.txt'))
    assert shown['DUMP_MODE'] == 'kdump'
    assert shown['USE_KDUMP'] == '1'
    assert shown['KDUMP_COREDIR'] == '/var/crash'
    assert shown['crashkernel_addr'] == '0x6f000000'
    assert shown['ready'] is True


@pytest.mark.parametrize('name, expected', [
    ('systemctl_show_enabled_active.txt', {'masked': False, 'missing': False, 'enabled': True, 'active': True}),
    ('systemctl_show_masked.txt', {'masked': True, 'missing': False, 'enabled': False, 'active': False}),
    ('systemctl_show_not_found.txt', {'masked': False, 'missing': True, 'enabled': False, 'active': False}),
])
def test_unit_state(fixture_text, name, expected):
    state = unit_state(parse_systemctl_show(fixture_text('kdump_status/' + name)))
    for key, value in expected.items():
        assert state[key] is value, key


def _opener(contents):
    """Fake ``open``: path -> text, or an errno to raise (a list is consumed one per call)."""
    def fake_open(path):
        value = contents.get(path, errno.ENOENT)
        if isinstance(value, list):
            value = value.pop(0)
        if isinstance(value, int):
            raise IOError(value, 'fake', path)
        from io import StringIO
        return StringIO(value)
    return fake_open


@pytest.mark.parametrize('contents, expected', [
    ({'/sys/kernel/kexec_crash_loaded': u'1\n'}, True),
    ({'/sys/kernel/kexec_crash_loaded': u'0\n'}, False),
    ({'/sys/kernel/kexec/crash_loaded': u'1\n'}, True),
    ({'/sys/kernel/kexec_crash_loaded': [errno.EBUSY, errno.EBUSY, u'1\n']}, True),
], ids=['loaded', 'not-loaded', 'new-path', 'busy-then-loaded'])
def test_crash_loaded_from_the_kernel(contents, expected):
    assert read_crash_loaded(opener=_opener(contents), sleep=lambda _s: None) == (expected, None)


def test_crash_loaded_missing_means_no_kexec_support():
    loaded, reason = read_crash_loaded(opener=_opener({}), sleep=lambda _s: None)
    assert loaded is None and 'without kexec/crash dump support' in reason


def test_crash_loaded_busy_for_ever_says_so():
    loaded, reason = read_crash_loaded(opener=_opener({'/sys/kernel/kexec_crash_loaded': errno.EBUSY}),
                                       sleep=lambda _s: None, attempts=3)
    assert loaded is None and 'EBUSY' in reason


def test_crash_loaded_garbage_is_not_a_state():
    loaded, reason = read_crash_loaded(opener=_opener({'/sys/kernel/kexec_crash_loaded': u'yes\n'}))
    assert loaded is None and "'yes'" in reason


@pytest.mark.parametrize('status, capture, expected', [
    ('success kdump_test_id=1704189600-12', None, 'success'),
    ('pending kdump_test_id=1704189600-12', None, 'pending'),
    ('pending kdump_test_id=1704189600-12', 'success kdump_test_id=1704189600-12', 'success'),
    ('pending kdump_test_id=1704189600-12', 'fail kdump_test_id=1704189600-12', 'fail'),
    ('manual kdump_test_id=1704189600-12', None, 'manual'),
])
def test_last_test_from_kdump_utils_files(status, capture, expected):
    resolved = resolve_last_test(status, capture)
    assert resolved == {'state': expected, 'test_id': '1704189600-12', 'date': '2024-01-02T10:00:00'}


def test_no_recorded_test():
    assert resolve_last_test(None) is None
    assert resolve_last_test('') is None
