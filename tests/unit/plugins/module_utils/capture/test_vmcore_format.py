# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Dump headers parsed from their bytes: every format, every incomplete marker."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import struct

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.capture import vmcore_format
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.vmcore_format import (
    describe_dump,
    detect_format,
    flat_record_index,
    inspect_dump_file,
    parse_flat_header,
    parse_kdump_header,
)

VMCORE_FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'vmcore')


def fixture(name):
    return os.path.join(VMCORE_FIXTURES, name)


# name, format, inner, compression, dump_level, kernel_release, reason fragment (None = complete)
CASES = [
    ('debian12_dump_head_tail.bin', 'flattened', 'kdump', 'zlib', 31, '6.1.0-56-amd64', None),
    ('debian12_dump_head_only.bin', 'flattened', 'kdump', 'zlib', 31, '6.1.0-56-amd64', 'no end trailer'),
    ('kdump_lzo_d31.bin', 'kdump', None, 'lzo', 31, '6.1.0-18-amd64', None),
    ('kdump_zlib_d1.bin', 'kdump', None, 'zlib', 1, '6.1.0-18-amd64', None),
    ('kdump_snappy_d17.bin', 'kdump', None, 'snappy', 17, '6.1.0-18-amd64', None),
    ('kdump_zstd_d31.bin', 'kdump', None, 'zstd', 31, '6.1.0-18-amd64', None),
    ('kdump_uncompressed_d0.bin', 'kdump', None, 'none', 0, '6.1.0-18-amd64', None),
    ('kdump_s390x_zlib_bigendian.bin', 'kdump', None, 'zlib', 31, '5.14.0-362.8.1.el9_3.s390x', None),
    ('kdump_incomplete_status.bin', 'kdump', None, 'lzo', 31, '6.1.0-18-amd64', 'incomplete bit 0x8'),
    ('flat_kdump_zlib_d31.bin', 'flattened', 'kdump', 'zlib', 31, '6.1.0-18-amd64', None),
    ('flat_kdump_no_trailer.bin', 'flattened', 'kdump', 'zlib', 31, '6.1.0-18-amd64', 'no end trailer'),
    ('flat_elf.bin', 'flattened', 'elf', 'none', None, None, None),
    ('elf64_core.bin', 'elf', None, 'none', None, None, None),
    ('elf32_core.bin', 'elf', None, 'none', None, None, None),
    ('elf64_core_incomplete_flag.bin', 'elf', None, 'none', None, None, 'e_flags has the incomplete bit 0x1'),
    ('elf64_core_truncated.bin', 'elf', None, 'none', None, None, 'program headers describe'),
    ('unknown_format.bin', None, None, None, None, None, 'unknown format'),
    ('diskdump_old.bin', 'diskdump', None, None, None, None, 'old diskdump format'),
]


@pytest.mark.parametrize('name, fmt, inner, compression, dump_level, release, reason', CASES,
                         ids=[case[0] for case in CASES])
def test_fixture_is_described_from_its_bytes(name, fmt, inner, compression, dump_level, release, reason):
    facts = inspect_dump_file(fixture(name))
    assert facts['format'] == fmt
    assert facts['inner_format'] == inner
    assert facts['compression'] == compression
    assert facts['dump_level'] == dump_level
    assert facts['kernel_release'] == release
    assert facts['size'] == os.path.getsize(fixture(name))
    if reason is None:
        assert facts['incomplete_reasons'] == []
    else:
        assert len(facts['incomplete_reasons']) == 1
        assert reason in facts['incomplete_reasons'][0]


@pytest.mark.parametrize('head, expected', [
    (b'makedumpfile\0\0\0\0', 'flattened'),
    (b'KDUMP   \x06\0\0\0', 'kdump'),
    (b'DISKDUMP', 'diskdump'),
    (b'\x7fELF\x02\x01', 'elf'),
    (b'KDUMP\0\0\0', None),
    (b'', None),
], ids=['flattened', 'kdump', 'diskdump', 'elf', 'kdump-without-spaces', 'empty'])
def test_detect_format_by_signature(head, expected):
    assert detect_format(head) == expected


def test_kdump_status_bits_each_give_their_compression_and_incomplete_only_for_0x8():
    with open(fixture('kdump_lzo_d31.bin'), 'rb') as handle:
        header = bytearray(handle.read(464))
    for status, compression, incomplete in ((0x1, 'zlib', False), (0x2, 'lzo', False), (0x4, 'snappy', False),
                                            (0x20, 'zstd', False), (0x8, 'none', True), (0x10, 'none', False)):
        struct.pack_into('<I', header, 424, status)
        parsed = parse_kdump_header(bytes(header))
        assert (parsed['compression'], parsed['incomplete_flag']) == (compression, incomplete), hex(status)


def test_kdump_header_with_nonsense_fields_is_damaged_not_complete():
    header = bytearray(b'KDUMP   ' + b'\xff' * 456)
    with pytest.raises(ValueError, match='plausible'):
        parse_kdump_header(bytes(header))
    facts = describe_dump(bytes(header), b'', len(header))
    assert facts['format'] == 'kdump'
    assert 'header is damaged' in facts['incomplete_reasons'][0]


def test_kdump_header_cut_short_is_damaged():
    facts = describe_dump(b'KDUMP   \x06\0\0\0', b'', 12)
    assert 'cut short' in facts['incomplete_reasons'][0]


def test_flattened_header_with_wrong_type_is_damaged():
    block = bytearray(4096)
    block[0:12] = b'makedumpfile'
    struct.pack_into('>qq', block, 16, 2, 1)
    with pytest.raises(ValueError, match='type is 2'):
        parse_flat_header(bytes(block))


def test_flattened_header_in_little_endian_is_damaged():
    block = bytearray(4096)
    block[0:12] = b'makedumpfile'
    struct.pack_into('<qq', block, 16, 1, 1)
    facts = describe_dump(bytes(block), b'\xff' * 16, 4096)
    assert 'header is damaged' in facts['incomplete_reasons'][0]


def _reader(data):
    return lambda offset, size: data[offset:offset + size]


def test_flat_record_index_stops_at_the_end_trailer():
    stream = b'\0' * 4096 + struct.pack('>qq', 0, 3) + b'abc' + struct.pack('>qq', 8, 2) + b'de' + \
        struct.pack('>qq', -1, -1)
    records, ended = flat_record_index(_reader(stream), 64, len(stream))
    assert records == [(0, 3, 4112), (8, 2, 4131)]
    assert ended


def test_flat_record_index_stops_at_a_record_cut_by_the_end_of_file():
    stream = b'\0' * 4096 + struct.pack('>qq', 0, 3) + b'abc' + struct.pack('>qq', 8, 10) + b'de'
    records, ended = flat_record_index(_reader(stream), 64, len(stream))
    assert records == [(0, 3, 4112)]
    assert not ended


def test_flat_record_index_reads_at_most_the_limit():
    stream = b'\0' * 4096 + (struct.pack('>qq', 0, 1) + b'x') * 10
    records, _ended = flat_record_index(_reader(stream), 4, len(stream))
    assert len(records) == 4


def test_real_dump_has_its_sub_header_after_the_notes_beyond_the_head_block():
    path = fixture('debian12_dump_head_tail.bin')
    with open(path, 'rb') as handle:
        data = handle.read()
    records, _ended = flat_record_index(_reader(data), 3, len(data))
    assert [(offset, size) for offset, size, _position in records] == [(0, 464), (4200, 4040), (4096, 104)]
    assert records[2][2] > vmcore_format.HEAD_BYTES
    assert describe_dump(data[:vmcore_format.HEAD_BYTES], data[-16:], len(data))['dump_level'] is None
    assert describe_dump(data[:vmcore_format.HEAD_BYTES], data[-16:], len(data), _reader(data))['dump_level'] == 31


def test_flattened_stream_whose_first_record_is_not_a_header_is_incomplete():
    stream = bytearray(4096)
    stream[0:12] = b'makedumpfile'
    struct.pack_into('>qq', stream, 16, 1, 1)
    stream += struct.pack('>qq', 0, 16) + b'\x00' * 16 + struct.pack('>qq', -1, -1)
    facts = describe_dump(bytes(stream), bytes(stream[-16:]), len(stream))
    assert facts['inner_format'] is None
    assert 'does not start with a kdump or ELF header' in facts['incomplete_reasons'][0]


def test_only_head_and_tail_are_read(monkeypatch, tmp_path):
    big = tmp_path / 'dump.202601261040'
    with open(fixture('flat_kdump_zlib_d31.bin'), 'rb') as handle:
        data = handle.read()
    with open(str(big), 'wb') as handle:
        handle.write(data[:-16])
        handle.seek(64 * 1024 * 1024)  # sparse: a 64 MiB stream that must not be read whole
        handle.write(data[-16:])
    reads = []
    real_open = open

    class CountingFile(object):
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *args):
            self.handle.close()

        def read(self, size=-1):
            reads.append(size)
            return self.handle.read(size)

        def __getattr__(self, name):
            return getattr(self.handle, name)

    monkeypatch.setattr(vmcore_format, 'open', lambda path, mode='r': CountingFile(real_open(path, mode)),
                        raising=False)
    facts = inspect_dump_file(str(big))
    assert facts['incomplete_reasons'] == []
    assert facts['dump_level'] == 31
    assert reads and all(0 < size <= vmcore_format.HEAD_BYTES for size in reads)
    assert len(reads) < 16
