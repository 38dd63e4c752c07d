# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""crashkernel= grammar: sizes, ranges, offsets, high/low, range resolution, command lines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import (
    CrashkernelError,
    effective_crashkernel,
    format_size,
    parse_crashkernel,
    parse_size,
    replace_crashkernel,
    round_up_ram,
    same_value,
    split_args,
)

K, M, G, T = 1024, 1024 ** 2, 1024 ** 3, 1024 ** 4


@pytest.mark.parametrize('text, expected', [
    ('256M', 256 * M),
    ('256m', 256 * M),
    ('1G', G),
    ('131072K', 128 * M),
    ('1T', T),
    ('268435456', 256 * M),
    ('0x10000000', 256 * M),
    ('0', 0),
], ids=['mebibytes', 'lower-case-unit', 'gibibyte', 'kibibytes', 'tebibyte', 'plain-bytes', 'hexadecimal',
        'zero'])
def test_size_is_parsed_like_the_kernel_memparse(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize('text', ['256MB', '1.5G', '', 'M', '-1M', '256 M', '12X', '0x'],
                         ids=['two-letter-unit', 'fraction', 'empty', 'unit-only', 'negative', 'space', 'bad-unit',
                              'bare-hex-prefix'])
def test_malformed_size_is_rejected_with_the_units_named(text):
    with pytest.raises(CrashkernelError, match='K, M, G, T, P or E'):
        parse_size(text)


@pytest.mark.parametrize('size, expected', [
    (256 * M, '256M'), (G, '1G'), (1536 * M, '1536M'), (2 * G, '2G'), (4 * K, '4K'), (1000, '1000'), (0, '0'),
], ids=['256M', '1G', 'one-and-a-half-G-in-M', '2G', '4K', 'bytes', 'zero'])
def test_size_is_formatted_in_the_largest_exact_unit(size, expected):
    assert format_size(size) == expected


@pytest.mark.parametrize('text, kind, size, ranges, offset, high', [
    ('256M', 'size', 256 * M, [], None, False),
    ('256M@16M', 'size', 256 * M, [], 16 * M, False),
    ('512M,high', 'size', 512 * M, [], None, True),
    ('auto', 'auto', None, [], None, False),
    ('1G-4G:192M,4G-64G:256M,64G-:512M', 'ranges', None,
     [(G, 4 * G, 192 * M), (4 * G, 64 * G, 256 * M), (64 * G, None, 512 * M)], None, False),
    ('384M-:128M', 'ranges', None, [(384 * M, None, 128 * M)], None, False),
    ('0-2G:128M,2G-:256M@16M', 'ranges', None, [(0, 2 * G, 128 * M), (2 * G, None, 256 * M)], 16 * M, False),
    ('1G-2G:128M,3G-4G:256M', 'ranges', None, [(G, 2 * G, 128 * M), (3 * G, 4 * G, 256 * M)], None, False),
], ids=['size', 'size-at-offset', 'high', 'auto', 'rhel9-ranges', 'debian12-open-range', 'ranges-at-offset',
        'ranges-with-a-gap'])
def test_valid_values_parse(text, kind, size, ranges, offset, high):
    parsed = parse_crashkernel(text)
    assert (parsed.kind, parsed.size, parsed.ranges, parsed.offset, parsed.high) == (kind, size, ranges, offset,
                                                                                     high)


@pytest.mark.parametrize('text, message', [
    ('', 'empty'),
    ('256MB', 'not a size'),
    ('1G-4G', 'has no size'),
    ('1G-4G:', 'no size after'),
    ('1G:128M', 'has no "-"'),
    ('4G-1G:128M', 'is empty'),
    ('2G-2G:128M', 'is empty'),
    ('1G-4G:192M,2G-8G:256M', 'overlaps'),
    ('1G-:192M,4G-:256M', 'overlaps'),
    ('4G-8G:256M,1G-4G:192M', 'ascending order'),
    ('1G-4G:0', 'reserves 0 bytes'),
    ('0', 'reserves 0 bytes'),
    ('1Q-4G:128M', 'range start'),
    ('1G-4G:12X', 'range size'),
    ('256M@', 'offset'),
    ('256M,low', 'low option'),
    ('1G-:256M,high', 'single size'),
    ('256M@16M,high', '@offset'),
    ('256M 128M', 'single word'),
    ('"256M"', 'quotes'),
], ids=['empty', 'bad-unit', 'range-without-size', 'range-with-empty-size', 'range-without-dash',
        'end-below-start', 'end-equals-start', 'overlapping', 'open-range-not-last', 'unordered', 'range-of-zero',
        'size-zero', 'bad-start-unit', 'bad-size-unit', 'empty-offset', 'low-in-value', 'ranges-high',
        'offset-high', 'two-words', 'quoted'])
def test_malformed_values_are_rejected_with_the_rule_named(text, message):
    with pytest.raises(CrashkernelError, match=message):
        parse_crashkernel(text)


RHEL9 = '1G-4G:192M,4G-64G:256M,64G-:512M'
RHEL10 = '2G-64G:256M,64G-:512M'
DEBIAN12 = '384M-:128M'


@pytest.mark.parametrize('value, ram, expected', [
    (RHEL9, 512 * M, 0),
    (RHEL9, 1024 * M - 1, 192 * M),
    (RHEL9, 896 * M, 0),
    (RHEL9, 900 * M, 192 * M),
    (RHEL9, G, 192 * M),
    (RHEL9, 2 * G, 192 * M),
    (RHEL9, 4 * G - 128 * M, 192 * M),
    (RHEL9, 4 * G, 256 * M),
    (RHEL9, 4 * G - 1, 256 * M),
    (RHEL9, 16 * G, 256 * M),
    (RHEL9, 64 * G - 1, 512 * M),
    (RHEL9, 64 * G, 512 * M),
    (RHEL9, 2 * T, 512 * M),
    (RHEL10, 1536 * M, 0),
    (RHEL10, 2146954240, 256 * M),
    (RHEL10, 2 * G, 256 * M),
    (RHEL10, 63 * G, 256 * M),
    (RHEL10, 64 * G, 512 * M),
    (DEBIAN12, 256 * M, 0),
    (DEBIAN12, 384 * M, 128 * M),
    (DEBIAN12, 2 * G, 128 * M),
    ('1G-2G:128M,3G-4G:256M', int(2.5 * G), 0),
    ('256M', 512 * M, 256 * M),
], ids=['rhel9-512M-below-every-range', 'rhel9-1G-minus-a-byte-rounds-up-into-1G-4G',
        'rhel9-896M-is-a-128M-multiple-below-1G', 'rhel9-900M-rounds-up-to-1G', 'rhel9-1G-start-included', 'rhel9-2G', 'rhel9-just-below-4G',
        'rhel9-4G-end-excluded', 'rhel9-4G-minus-a-byte-rounds-up-to-4G', 'rhel9-16G', 'rhel9-64G-minus-a-byte',
        'rhel9-64G', 'rhel9-2T-open-end', 'rhel10-1.5G-nothing', 'rhel10-qemu-2G-guest-rounds-up',
        'rhel10-2G', 'rhel10-63G', 'rhel10-64G', 'debian12-256M-nothing', 'debian12-384M', 'debian12-2G',
        'gap-between-ranges', 'plain-size-ignores-ram'])
def test_ranges_resolve_for_ram_like_the_kernel(value, ram, expected):
    assert parse_crashkernel(value).resolve(ram) == expected


def test_ram_is_rounded_up_to_128M_like_the_kernel():
    assert round_up_ram(2146954240) == 2 * G
    assert round_up_ram(2 * G) == 2 * G
    assert round_up_ram(2 * G + 1) == 2 * G + 128 * M


@pytest.mark.parametrize('first, second, same', [
    ('256M', '262144K', True),
    ('256M', '256M@16M', False),
    ('1G-4G:192M,4G-:256M', '1024M-4096M:192M,4G-:262144K', True),
    ('1G-4G:192M', '1G-4G:193M', False),
    (None, None, True),
    ('256M', None, False),
    ('512M,high', '512M', False),
], ids=['units', 'offset-differs', 'ranges-in-other-units', 'size-differs', 'both-absent', 'one-absent',
        'high-differs'])
def test_values_compare_by_meaning_not_spelling(first, second, same):
    assert same_value(first, second) is same


def test_command_line_split_keeps_quoted_arguments_together():
    assert split_args(' ro  dyndbg="file foo.c +p" crashkernel=256M\n') == [
        'ro', 'dyndbg="file foo.c +p"', 'crashkernel=256M']


@pytest.mark.parametrize('cmdline, main, low', [
    ('ro quiet', None, None),
    ('ro crashkernel=256M', '256M', None),
    ('crashkernel=auto ro crashkernel=256M', '256M', None),
    ('crashkernel=512M,high crashkernel=128M,low', '512M,high', '128M'),
    ('crashkernel=256M crashkernel=512M,high', '256M', None),
    ('BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=x ro crashkernel=384M-:128M', '384M-:128M', None),
], ids=['none', 'one', 'last-plain-wins', 'high-and-low', 'plain-beats-high', 'debian-boot-image'])
def test_the_value_the_kernel_uses_is_found_in_a_command_line(cmdline, main, low):
    assert effective_crashkernel(split_args(cmdline)) == (main, low)


@pytest.mark.parametrize('cmdline, args, expected', [
    ('ro crashkernel=auto rhgb quiet', ['crashkernel=256M'], 'ro rhgb quiet crashkernel=256M'),
    ('ro rhgb', ['crashkernel=256M'], 'ro rhgb crashkernel=256M'),
    ('ro crashkernel=1G crashkernel=128M,low quiet', [], 'ro quiet'),
    ('', ['crashkernel=256M'], 'crashkernel=256M'),
], ids=['replaced-at-the-end', 'added', 'all-removed', 'empty-line'])
def test_replacing_crashkernel_keeps_other_arguments_in_order(cmdline, args, expected):
    assert replace_crashkernel(cmdline, args) == expected
