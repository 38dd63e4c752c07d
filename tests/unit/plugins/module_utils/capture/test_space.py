# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Expected dump size (makedumpfile --mem-usage, else RAM) against free space."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.space import (
    RAM_BOUND_NOTE,
    WHOLE_RAM_NOTE,
    dump_bound,
    existing_ancestor,
    expected_dump_bytes,
    free_bytes,
    parse_mem_usage,
    space_check,
    whole_ram_bytes,
)

GIB = 1 << 30


def test_mem_usage_pages_are_parsed(fixture_text):
    parsed = parse_mem_usage(fixture_text('kdump_status/makedumpfile_mem-usage_2g.txt'))
    assert parsed == {'page_size': 4096, 'pages': {'ZERO': 8975, 'NON_PRI_CACHE': 19004, 'PRI_CACHE': 1553,
                                                   'USER': 3963, 'FREE': 389385, 'KERN_DATA': 49099}}


@pytest.mark.parametrize('dump_level, pages', [
    (31, 49099),
    (None, 49099),
    (1, 49099 + 19004 + 1553 + 3963 + 389385),
    (0, 49099 + 8975 + 19004 + 1553 + 3963 + 389385),
    (17, 49099 + 19004 + 1553 + 3963),
    (2, 49099 + 8975 + 1553 + 3963 + 389385),
    (4, 49099 + 8975 + 3963 + 389385),
    (24, 49099 + 8975 + 19004 + 1553),
])
def test_expected_size_keeps_what_the_dump_level_keeps(fixture_text, dump_level, pages):
    expected, source = expected_dump_bytes(fixture_text('kdump_status/makedumpfile_mem-usage_2g.txt'), 2 * GIB,
                                           dump_level)
    assert (expected, source) == (pages * 4096, 'makedumpfile --mem-usage')


@pytest.mark.parametrize('output, dump_level, expected', [
    (None, 31, GIB // 2),
    ('makedumpfile: /proc/kcore: not supported\n', 31, GIB // 2),
    (None, 23, 2 * GIB),
    (None, 1, 2 * GIB),
    (None, 28, GIB // 2),
])
def test_without_mem_usage_the_bound_comes_from_ram(output, dump_level, expected):
    assert expected_dump_bytes(output, 2 * GIB, dump_level) == (expected, RAM_BOUND_NOTE)


class MemUsage(object):
    """Stands for makedumpfile --mem-usage; counts how often it was asked."""

    def __init__(self, text):
        self.text = text
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.text


def test_whole_ram_bound_has_room_for_headers():
    assert whole_ram_bytes(2 * GIB) == 2 * GIB + 64 * (1 << 20)
    assert whole_ram_bytes(None) is None and whole_ram_bytes(0) is None


@pytest.mark.parametrize('free', [2 * GIB + 64 * (1 << 20), 100 * GIB])
def test_more_room_than_ram_needs_no_mem_usage(free):
    mem_usage = MemUsage('never read')
    assert dump_bound(free, 2 * GIB, 31, mem_usage) == (2 * GIB + 64 * (1 << 20), WHOLE_RAM_NOTE)
    assert mem_usage.calls == 0


def test_less_room_than_ram_asks_mem_usage(fixture_text):
    mem_usage = MemUsage(fixture_text('kdump_status/makedumpfile_mem-usage_2g.txt'))
    assert dump_bound(2 * GIB, 2 * GIB, 31, mem_usage) == (49099 * 4096, 'makedumpfile --mem-usage')
    assert mem_usage.calls == 1


@pytest.mark.parametrize('free, ram', [(None, 2 * GIB), (100 * GIB, None)])
def test_unknown_free_space_or_ram_asks_mem_usage(free, ram):
    mem_usage = MemUsage(None)
    expected = (GIB // 2, RAM_BOUND_NOTE) if ram else (None, None)
    assert dump_bound(free, ram, 31, mem_usage) == expected
    assert mem_usage.calls == 1


def test_without_any_data_the_size_is_unknown():
    assert expected_dump_bytes(None, None, 31) == (None, None)


@pytest.mark.parametrize('free, expected, minimum, result', [
    (10 * GIB, GIB, None, (True, GIB)),
    (GIB - 1, GIB, None, (False, GIB)),
    (GIB, GIB, None, (True, GIB)),
    (10 * GIB, GIB, 20 * GIB, (False, 20 * GIB)),
    (10 * GIB, None, 5 * GIB, (True, 5 * GIB)),
    (None, GIB, None, (None, GIB)),
    (10 * GIB, None, None, (None, None)),
])
def test_space_check(free, expected, minimum, result):
    assert space_check(free, expected, minimum) == result


class FakeStat(object):
    f_bavail = 1000
    f_frsize = 4096


def test_free_bytes_asks_the_nearest_existing_directory(tmp_path):
    asked = []

    def statvfs(path):
        asked.append(path)
        return FakeStat()

    assert free_bytes(str(tmp_path / 'crash' / 'not-yet'), statvfs=statvfs) == 4096000
    assert asked == [str(tmp_path)]


def test_free_bytes_unknown_when_statvfs_fails():
    def statvfs(path):
        raise OSError(5, 'I/O error')
    assert free_bytes('/', statvfs=statvfs) is None


def test_existing_ancestor_stops_at_root():
    assert existing_ancestor('/nonexistent-a/b/c', exists=lambda path: path == '/') == '/'


def test_mem_usage_without_a_reservation_falls_back_to_the_ram_bound(fixture_text):
    output = fixture_text('kdump_status/makedumpfile_mem-usage_no_crashkernel.txt')
    assert parse_mem_usage(output) is None
    assert expected_dump_bytes(output, 2 * GIB, 31) == (GIB // 2, RAM_BOUND_NOTE)
