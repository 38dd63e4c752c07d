# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet playbooks' tables, as lines of text for the controller's output.

Plain Python rather than Jinja loops: a report over hundreds of hosts costs
milliseconds, and the layout is unit-tested.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def _cell(value):
    if value is None or value == '':
        return '-'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def text_table(rows):
    """``rows`` (lists, the first the header) as lines, each column padded to its widest cell."""
    cells = [[_cell(value) for value in row] for row in rows]
    if not cells:
        return []
    widths = [max(len(row[column]) for row in cells) for column in range(len(cells[0]))]
    return ['  '.join(cell.ljust(widths[index]) for index, cell in enumerate(row)).rstrip() for row in cells]


def human_bytes(value):
    """``268435456`` -> ``256M``; None for no value."""
    if value in (None, '', 'None'):
        return None
    number = float(value)
    for unit in ('', 'K', 'M', 'G', 'T'):
        if abs(number) < 1024 or unit == 'T':
            return ('%d%s' % (number, unit)) if number == int(number) else ('%.1f%s' % (number, unit))
        number /= 1024.0
    return None


def capture_table(capture):
    """verify_capture's outcomes ``{host: record}`` as lines."""
    rows = [['host', 'outcome', 'dump', 'detail']]
    for host in sorted(capture):
        record = capture[host]
        rows.append([host, record.get('outcome'), record.get('dump'), record.get('detail')])
    return text_table(rows)


def report_table(report):
    """report's rows ``{host: row}`` as lines."""
    rows = [['host', 'family', 'operational', 'reserved', 'target', 'free', 'last vmcore', 'complete',
             'last test', 'proof', 'changed since']]
    for host in sorted(report):
        row = report[host]
        if row.get('unreachable'):
            rows.append([host, None, 'unreachable'] + [None] * 8)
            continue
        has_vmcore = row.get('last_vmcore') not in (None, '', 'None')
        rows.append([host, row.get('family'), row.get('operational'), human_bytes(row.get('reserved_bytes')) or '0',
                     row.get('target'), human_bytes(row.get('free_bytes')) or '?',
                     row.get('last_vmcore') if has_vmcore else None,
                     row.get('last_vmcore_complete') if has_vmcore else None,
                     row.get('last_test'), row.get('proof'), row.get('proof_reasons')])
    return text_table(rows)


def report_rows(hosts, hostvars):
    """``{host: kdump_report_row}`` for every host of the run; ``{'unreachable': True}``
    for a host that has no row (it did not answer)."""
    rows = {}
    for host in hosts:
        row = hostvars[host].get('kdump_report_row') if host in hostvars else None
        rows[host] = dict(row) if isinstance(row, dict) else {'unreachable': True}
    return rows


class FilterModule(object):
    def filters(self):
        return {'text_table': text_table, 'capture_table': capture_table, 'report_table': report_table,
                'report_rows': report_rows}
