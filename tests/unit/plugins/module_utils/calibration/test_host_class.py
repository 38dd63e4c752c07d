# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Host classes: the key and a class's recommendation."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.host_class import (
    class_key,
    class_name,
    class_recommendation,
    collector_key,
    ram_bucket,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.defaults import EL9, EL10, TABLES
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import parse_crashkernel

G = 1024 ** 3
M = 1024 ** 2


@pytest.mark.parametrize('ram, bucket', [
    (2146938880, '2G-4G'),        # a "2 GiB" guest: System RAM is 1.99 GiB, the kernel rounds it up to 2G
    (2 * G, '2G-4G'),
    (3 * G, '2G-4G'),
    (1536 * M, '1G-2G'),          # the lab's 1.5 GiB guest
    (3 * G + 512 * M, '2G-4G'),
    (4 * G - 5 * M, '4G-8G'),
    (251 * G, '128G-256G'),
    # 700M of firmware holes: the kernel sees 255.4G, picks its range there, and so does the class.
    (256 * G - 700 * M, '128G-256G'),
    (None, None),
])
def test_ram_bucket(ram, bucket):
    assert ram_bucket(ram) == bucket


def test_no_distribution_default_changes_inside_a_ram_bucket():
    # Why the bucket is a power of two: every host of a class has the same upper bound.
    tables = [table[machine] for table in list(TABLES.values()) + [EL9, EL10] for machine in table]
    for text in tables:
        value = parse_crashkernel(text)
        for exponent in range(30, 42):
            low = 1 << exponent
            sizes = set(value.resolve(ram) for ram in (low, low + 128 * M, 2 * low - 128 * M))
            assert len(sizes) == 1, (text, low)


@pytest.mark.parametrize('collector, key', [
    ('makedumpfile -l --message-level 7 -d 31', 'makedumpfile -l -d 31'),
    ('/usr/sbin/makedumpfile -c -d 31 --message-level=1', 'makedumpfile -c -d 31'),
    ('makedumpfile  -z   -d 1', 'makedumpfile -z -d 1'),
    ('cp', 'cp'),
    ('', None),
    (None, None),
])
def test_collector_key_drops_only_the_message_level(collector, key):
    assert collector_key(collector) == key


def test_two_guests_with_different_ram_are_two_classes_and_the_same_ram_one():
    small = class_key('x86_64', 1536 * M, '6.1.0-28-amd64', 'local', 'makedumpfile -l --message-level 7 -d 31')
    large = class_key('x86_64', 3 * G, '6.1.0-28-amd64', 'local', 'makedumpfile -l --message-level 1 -d 31')
    other_large = class_key('x86_64', 2146938880, '6.1.0-28-amd64', 'local', 'makedumpfile -l -d 31')
    assert class_name(small) != class_name(large) == class_name(other_large)
    assert class_name(large) == 'x86_64 2G-4G 6.1.0-28-amd64 local makedumpfile -l -d 31'


@pytest.mark.parametrize('field, value', [
    ('architecture', 'aarch64'), ('kernel_release', '6.1.0-29-amd64'), ('target', 'ssh'),
    ('collector', 'makedumpfile -c -d 1'),
])
def test_each_key_field_makes_its_own_class(field, value):
    base = dict(architecture='x86_64', kernel_release='6.1.0-28-amd64', target='local',
                collector='makedumpfile -l -d 31')
    changed = dict(base, **{field: value})
    first = class_key(base['architecture'], 2 * G, base['kernel_release'], base['target'], base['collector'])
    second = class_key(changed['architecture'], 2 * G, changed['kernel_release'], changed['target'],
                       changed['collector'])
    assert class_name(first) != class_name(second)


def test_unknown_fields_are_question_marks():
    assert class_name(class_key(None, None, None, None, None)) == '? ? ? ? ?'


def test_class_recommendation_is_the_largest_of_its_hosts():
    assert class_recommendation([144 * M, 160 * M, None, 128 * M]) == 160 * M
    assert class_recommendation([None]) is None
    assert class_recommendation([]) is None
