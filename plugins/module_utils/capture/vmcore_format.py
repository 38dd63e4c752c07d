# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a dump file is and whether it is complete, read from its own bytes.

Three formats leave a kdump capture (makedumpfile's ``diskdump_mod.h`` and
``makedumpfile.h`` define them):

* **ELF core** (``\\x7fELF``; ``cp /proc/vmcore``, ``makedumpfile -E``).
  makedumpfile sets ``e_flags`` bit ``0x1`` when it ran out of space.  A copy
  cut short is also shorter than its program headers say, which is checked.
* **kdump-compressed** (``"KDUMP   "``).  ``struct disk_dump_header`` in the
  byte order of the dumped machine: ``header_version`` @8, ``utsname`` @12
  (release @142, machine @272), ``status`` @424 (``0x1`` zlib, ``0x2`` lzo,
  ``0x4`` snappy, ``0x8`` incomplete, ``0x20`` zstd), ``block_size`` @428.
  The sub header at ``block_size`` holds ``dump_level`` at +8 (LP64).
* **flattened** (``makedumpfile -F``: every Debian dump, RHEL ssh and raw
  targets, SUSE).  A 4096-byte header block starting with ``makedumpfile``
  and big-endian ``type = 1``, ``version = 1``; then records
  ``{int64 offset; int64 size}`` (big-endian) each followed by ``size``
  bytes that belong at ``offset`` of the rearranged file; the stream ends
  with ``offset = size = -1``.  makedumpfile never sets the incomplete bit in
  flattened output, so a stream without that trailer is the incomplete sign.
  The first records carry the kdump (or ELF) header, then the ELF notes,
  then the sub header (a real Debian 12 dump: offsets 0, 4200, 4096), which
  are parsed the same way as in an unflattened file.

``inspect_dump_file(path)`` reads only the head (``HEAD_BYTES``), a few
record headers and the sub header, and the last 16 bytes, never the whole
file.  The ``parse_*``
functions take bytes and are what the unit tests feed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import struct

HEAD_BYTES = 8192
ELF_MAGIC = b'\x7fELF'
KDUMP_SIGNATURE = b'KDUMP   '
DISKDUMP_SIGNATURE = b'DISKDUMP'
FLAT_SIGNATURE = b'makedumpfile'
FLAT_HEADER_SIZE = 4096
FLAT_RECORD_HEADER = struct.Struct('>qq')
FLAT_END_TRAILER = b'\xff' * 16
# makedumpfile writes the main header, the ELF notes, the sub header and the
# vmcoreinfo before any page data, so they are among the first records.
FLAT_RECORDS_SCANNED = 64

STATUS_ZLIB = 0x1
STATUS_LZO = 0x2
STATUS_SNAPPY = 0x4
STATUS_INCOMPLETE = 0x8
STATUS_EXCLUDED_VMEMMAP = 0x10
STATUS_ZSTD = 0x20
ELF_FLAG_INCOMPLETE = 0x1

# struct disk_dump_header offsets (LP64; the fields used are before any padding)
_KDUMP_HEADER_VERSION = 8
_UTSNAME = 12
_UTS_FIELD = 65
_UTS_NODENAME = _UTSNAME + _UTS_FIELD
_UTS_RELEASE = _UTSNAME + 2 * _UTS_FIELD
_UTS_MACHINE = _UTSNAME + 4 * _UTS_FIELD
_KDUMP_STATUS = 424
_KDUMP_BLOCK_SIZE = 428
KDUMP_HEADER_SIZE = 464
_SUB_HEADER_DUMP_LEVEL = 8

COMPRESSIONS = ((STATUS_ZLIB, 'zlib'), (STATUS_LZO, 'lzo'), (STATUS_SNAPPY, 'snappy'), (STATUS_ZSTD, 'zstd'))


def detect_format(head):
    """``'elf'``, ``'kdump'``, ``'diskdump'``, ``'flattened'`` or None for the first bytes of a file."""
    if head.startswith(FLAT_SIGNATURE):
        return 'flattened'
    if head.startswith(KDUMP_SIGNATURE):
        return 'kdump'
    if head.startswith(DISKDUMP_SIGNATURE):
        return 'diskdump'
    if head.startswith(ELF_MAGIC):
        return 'elf'
    return None


def _c_string(data, offset, length):
    raw = data[offset:offset + length].split(b'\0', 1)[0]
    return raw.decode('ascii', 'replace')


def compression_name(status):
    """Compression recorded in a kdump header ``status``; ``'none'`` when no bit is set."""
    for bit, name in COMPRESSIONS:
        if status & bit:
            return name
    return 'none'


def _kdump_byte_order(data):
    """``'<'`` or ``'>'``: the order in which ``header_version`` and ``block_size`` are sane."""
    for order in ('<', '>'):
        version = struct.unpack_from(order + 'i', data, _KDUMP_HEADER_VERSION)[0]
        block_size = struct.unpack_from(order + 'i', data, _KDUMP_BLOCK_SIZE)[0]
        if 0 < version < 64 and 0 < block_size <= (1 << 20) and block_size & (block_size - 1) == 0:
            return order
    return None


def parse_kdump_header(data):
    """Fields of a ``struct disk_dump_header`` (``"KDUMP   "`` at byte 0).

    Returns a dict, or raises ``ValueError`` naming what is wrong.
    """
    if len(data) < KDUMP_HEADER_SIZE:
        raise ValueError('kdump header cut short: %d of %d bytes' % (len(data), KDUMP_HEADER_SIZE))
    order = _kdump_byte_order(data)
    if order is None:
        raise ValueError('kdump header has no plausible header_version/block_size in either byte order')
    version, = struct.unpack_from(order + 'i', data, _KDUMP_HEADER_VERSION)
    status, block_size = struct.unpack_from(order + 'Ii', data, _KDUMP_STATUS)
    return {
        'header_version': version,
        'byte_order': 'little' if order == '<' else 'big',
        'kernel_release': _c_string(data, _UTS_RELEASE, _UTS_FIELD),
        'nodename': _c_string(data, _UTS_NODENAME, _UTS_FIELD),
        'machine': _c_string(data, _UTS_MACHINE, _UTS_FIELD),
        'status': status,
        'block_size': block_size,
        'compression': compression_name(status),
        'incomplete_flag': bool(status & STATUS_INCOMPLETE),
    }


def parse_sub_header_dump_level(data, byte_order):
    """``dump_level`` from the first bytes of a ``struct kdump_sub_header``; None if too short."""
    if len(data) < _SUB_HEADER_DUMP_LEVEL + 4:
        return None
    return struct.unpack_from(('<' if byte_order == 'little' else '>') + 'i', data, _SUB_HEADER_DUMP_LEVEL)[0]


def parse_elf_header(data):
    """Class, type, ``e_flags`` and program header table of an ELF file header.

    Returns a dict, or raises ``ValueError``.
    """
    if len(data) < 52 or not data.startswith(ELF_MAGIC):
        raise ValueError('not an ELF header')
    elf_class = {1: 32, 2: 64}.get(bytearray(data[4:5])[0])
    order = {1: '<', 2: '>'}.get(bytearray(data[5:6])[0])
    if elf_class is None or order is None:
        raise ValueError('ELF header has an unknown class or data encoding')
    if elf_class == 64:
        if len(data) < 64:
            raise ValueError('ELF64 header cut short')
        e_type, = struct.unpack_from(order + 'H', data, 16)
        e_phoff, = struct.unpack_from(order + 'Q', data, 32)
        e_flags, = struct.unpack_from(order + 'I', data, 48)
        e_phentsize, e_phnum = struct.unpack_from(order + 'HH', data, 54)
    else:
        e_type, = struct.unpack_from(order + 'H', data, 16)
        e_phoff, = struct.unpack_from(order + 'I', data, 28)
        e_flags, = struct.unpack_from(order + 'I', data, 36)
        e_phentsize, e_phnum = struct.unpack_from(order + 'HH', data, 42)
    return {
        'elf_class': elf_class, 'byte_order': 'little' if order == '<' else 'big',
        'is_core': e_type == 4, 'e_flags': e_flags,
        'incomplete_flag': bool(e_flags & ELF_FLAG_INCOMPLETE),
        'phoff': e_phoff, 'phentsize': e_phentsize, 'phnum': e_phnum,
    }


def elf_segments_end(header, table):
    """Highest ``p_offset + p_filesz`` of the program headers in ``table`` (bytes at ``phoff``)."""
    order = '<' if header['byte_order'] == 'little' else '>'
    end = 0
    for index in range(header['phnum']):
        start = index * header['phentsize']
        if header['elf_class'] == 64:
            if start + 56 > len(table):
                break
            p_offset, = struct.unpack_from(order + 'Q', table, start + 8)
            p_filesz, = struct.unpack_from(order + 'Q', table, start + 32)
        else:
            if start + 32 > len(table):
                break
            p_offset, = struct.unpack_from(order + 'I', table, start + 4)
            p_filesz, = struct.unpack_from(order + 'I', table, start + 16)
        end = max(end, p_offset + p_filesz)
    return end


def parse_flat_header(data):
    """Check the 4096-byte flattened header block; raises ``ValueError``."""
    if len(data) < 32 or not data.startswith(FLAT_SIGNATURE):
        raise ValueError('no makedumpfile signature')
    if data[len(FLAT_SIGNATURE):16].strip(b'\0'):
        raise ValueError('makedumpfile signature followed by unexpected bytes')
    flat_type, flat_version = struct.unpack_from('>qq', data, 16)
    if flat_type != 1:
        raise ValueError('flattened header type is %d, not 1' % flat_type)
    return {'flat_version': flat_version}


def _walk_flat_records(read_at, limit, file_size, outcome):
    """Yield ``(offset, size, payload_position)`` of up to ``limit`` records, reading only their headers.

    Stops at the end trailer (``outcome['ended'] = True``), at a header cut
    by the end of the file or a payload that would pass it, and at
    nonsensical values (negative, or an empty record).
    """
    position = FLAT_HEADER_SIZE
    for _index in range(limit):
        header = read_at(position, FLAT_RECORD_HEADER.size)
        if len(header) < FLAT_RECORD_HEADER.size:
            return
        offset, size = FLAT_RECORD_HEADER.unpack(header)
        if offset == -1 and size == -1:
            outcome['ended'] = True
            return
        payload = position + FLAT_RECORD_HEADER.size
        if offset < 0 or size <= 0 or (file_size is not None and payload + size > file_size):
            return
        yield offset, size, payload
        position = payload + size


def flat_record_index(read_at, limit, file_size=None):
    """``([(offset, size, payload_position)], reached_end_trailer)`` of the first ``limit`` records."""
    outcome = {'ended': False}
    records = list(_walk_flat_records(read_at, limit, file_size, outcome))
    return records, outcome['ended']


def find_flat_record(read_at, wanted_offset, size, file_size=None, limit=None):
    """The first ``size`` bytes of the record written for rearranged ``wanted_offset``, or None.

    Walks the record headers from the start and stops at the first match.
    """
    for offset, record_size, payload in _walk_flat_records(read_at, limit or FLAT_RECORDS_SCANNED, file_size, {}):
        if offset == wanted_offset:
            return read_at(payload, min(size, record_size))
    return None


def _describe_kdump(facts, header_bytes, read_sub_header):
    header = parse_kdump_header(header_bytes)
    facts.update(kernel_release=header['kernel_release'], compression=header['compression'],
                 header_version=header['header_version'], block_size=header['block_size'],
                 machine=header['machine'], nodename=header['nodename'])
    facts['dump_level'] = parse_sub_header_dump_level(read_sub_header(header['block_size']) or b'',
                                                      header['byte_order'])
    if header['incomplete_flag']:
        facts['incomplete_reasons'].append('kdump header status has the incomplete bit 0x8 set '
                                           '(makedumpfile ran out of space)')


def _describe_elf(facts, header_bytes, read_at, file_size):
    header = parse_elf_header(header_bytes)
    facts.update(compression='none', elf_class=header['elf_class'])
    if not header['is_core']:
        facts['incomplete_reasons'].append('ELF file is not a core file (e_type is not ET_CORE)')
    if header['incomplete_flag']:
        facts['incomplete_reasons'].append('ELF e_flags has the incomplete bit 0x1 set '
                                           '(makedumpfile ran out of space)')
    if read_at is not None and header['phnum']:
        table = read_at(header['phoff'], header['phnum'] * header['phentsize'])
        end = elf_segments_end(header, table)
        if end > file_size:
            facts['incomplete_reasons'].append('ELF file is %d bytes but its program headers describe %d'
                                               % (file_size, end))


def describe_dump(head, tail, file_size, read_at=None):
    """Facts about a dump from its first bytes, its last 16 bytes and its size.

    ``read_at(offset, size)`` reads more of the file (flattened record
    headers, the sub header, ELF program headers); without it only ``head``
    is used.  Returns a dict with ``format`` (``elf``, ``kdump``,
    ``flattened``, ``diskdump`` or None), ``inner_format`` (what a flattened
    stream holds), ``compression``, ``dump_level``, ``kernel_release``,
    ``header_version``, ``size`` and ``incomplete_reasons`` (empty when
    nothing says incomplete).
    """
    if read_at is None:
        def read_at(offset, size):
            return head[offset:offset + size]
    facts = {'format': detect_format(head), 'inner_format': None, 'compression': None, 'dump_level': None,
             'kernel_release': None, 'header_version': None, 'size': file_size, 'incomplete_reasons': []}
    reasons = facts['incomplete_reasons']
    try:
        if facts['format'] == 'kdump':
            _describe_kdump(facts, head, lambda block: read_at(block, 64))
        elif facts['format'] == 'elf':
            _describe_elf(facts, head, read_at, file_size)
        elif facts['format'] == 'flattened':
            _describe_flattened(facts, head, tail, read_at)
        elif facts['format'] == 'diskdump':
            reasons.append('old diskdump format (DISKDUMP signature) is not a kdump capture')
        else:
            reasons.append('unknown format (no ELF, KDUMP or makedumpfile signature)')
    except (ValueError, struct.error) as error:
        reasons.append('header is damaged: %s' % error)
    return facts


def _describe_flattened(facts, head, tail, read_at):
    parse_flat_header(head)
    reasons = facts['incomplete_reasons']
    if tail != FLAT_END_TRAILER:
        reasons.append('flattened stream has no end trailer (offset -1, size -1): the capture stopped '
                       'while writing')
    first = find_flat_record(read_at, 0, KDUMP_HEADER_SIZE, facts['size']) or b''
    inner = detect_format(first)
    facts['inner_format'] = inner
    if inner == 'kdump':
        _describe_kdump(facts, first, lambda block: find_flat_record(read_at, block, 64, facts['size']))
    elif inner == 'elf':
        _describe_elf(facts, first, None, facts['size'])
    else:
        reasons.append('flattened stream does not start with a kdump or ELF header')


def inspect_dump_file(path):
    """``describe_dump`` of a file on disk, reading only what is needed."""
    with open(path, 'rb') as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(0)
        head = handle.read(HEAD_BYTES)
        tail = b''
        if size >= len(FLAT_END_TRAILER):
            handle.seek(size - len(FLAT_END_TRAILER))
            tail = handle.read(len(FLAT_END_TRAILER))

        def read_at(offset, length):
            handle.seek(offset)
            return handle.read(length)
        return describe_dump(head, tail, size, read_at)
