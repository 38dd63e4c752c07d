# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading the running kernel: RAM from /proc/iomem, the reservation with EBUSY retries."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import io

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.common.kernel_runtime import (
    parse_iomem_system_ram,
    parse_meminfo_total,
    read_crash_size,
    system_ram,
)

M, G = 1024 ** 2, 1024 ** 3


@pytest.mark.parametrize('name, expected', [
    ('qemu_2g_iomem.txt', 2146954240),
    ('server_16g_iomem.txt', 16834486272),
    ('unprivileged_iomem.txt', None),
], ids=['qemu-2G-guest', 'server-16G-split-below-and-above-4G', 'zeroed-for-unprivileged-reader'])
def test_system_ram_sums_top_level_ranges_only(fixture_text, name, expected):
    assert parse_iomem_system_ram(fixture_text('crashkernel/' + name)) == expected


def test_meminfo_is_the_fallback_when_iomem_is_zeroed(fixture_text):
    meminfo = fixture_text('crashkernel/qemu_2g_meminfo.txt')
    assert parse_meminfo_total(meminfo) == 1736548 * 1024
    assert system_ram(fixture_text('crashkernel/unprivileged_iomem.txt'), meminfo) == (
        1736548 * 1024, '/proc/meminfo MemTotal')
    assert system_ram(fixture_text('crashkernel/qemu_2g_iomem.txt'), meminfo) == (
        2146954240, '/proc/iomem System RAM')
    assert system_ram(None, None) == (None, None)


class FlakySysfs(object):
    """An opener whose first ``busy`` reads fail with EBUSY."""

    def __init__(self, busy, content='268435456\n', missing=()):
        self.busy = busy
        self.content = content
        self.missing = missing
        self.calls = 0

    def __call__(self, path):
        self.calls += 1
        if path in self.missing:
            raise IOError(errno.ENOENT, 'No such file or directory', path)
        if self.calls <= self.busy:
            raise IOError(errno.EBUSY, 'Device or resource busy', path)
        return io.StringIO(self.content)


def test_crash_size_is_retried_while_busy():
    sleeps = []
    opener = FlakySysfs(busy=3)
    assert read_crash_size(opener=opener, sleep=sleeps.append, attempts=5, delay=0.5) == (256 * M, None)
    assert opener.calls == 4 and sleeps == [0.5, 0.5, 0.5]


def test_crash_size_that_stays_busy_gives_a_reason_not_a_number():
    sleeps = []
    size, reason = read_crash_size(opener=FlakySysfs(busy=100), sleep=sleeps.append, attempts=3, delay=0.1)
    assert size is None and 'stayed busy (EBUSY) for 3 attempts' in reason
    assert len(sleeps) <= 4


def test_crash_size_falls_back_to_the_new_sysfs_name():
    opener = FlakySysfs(busy=0, content='0\n', missing=('/sys/kernel/kexec_crash_size',))
    assert read_crash_size(opener=opener, sleep=lambda _s: None) == (0, None)


def test_kernel_without_kexec_reports_why():
    opener = FlakySysfs(busy=0, missing=('/sys/kernel/kexec_crash_size', '/sys/kernel/kexec/crash_size'))
    size, reason = read_crash_size(opener=opener, sleep=lambda _s: None)
    assert size is None and 'no kexec/kdump support' in reason
