# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.filter.tables import capture_table, human_bytes, report_rows, report_table, text_table


def test_columns_are_padded_to_the_widest_cell_and_lines_have_no_trailing_blanks():
    assert text_table([['host', 'outcome'], ['bookworm1', 'complete'], ['t', None]]) == [
        'host       outcome',
        'bookworm1  complete',
        't          -',
    ]


def test_capture_table_sorts_hosts_and_shows_missing_dumps_as_dash():
    lines = capture_table({'web2': {'outcome': 'no_capture', 'dump': None, 'detail': 'nothing'},
                           'web1': {'outcome': 'complete', 'dump': '/var/crash/x/dump.1', 'detail': 'ok'}})
    assert lines[1].split() == ['web1', 'complete', '/var/crash/x/dump.1', 'ok']
    assert lines[2].split()[:3] == ['web2', 'no_capture', '-']


def test_report_table_rows():
    lines = report_table({
        'web1': {'family': 'debian', 'operational': True, 'reserved_bytes': 268435456, 'target': 'local:/var/crash',
                 'free_bytes': None, 'last_vmcore': None, 'last_vmcore_complete': False, 'last_test': 'none',
                 'proof': 'missing', 'proof_reasons': ''},
        'web2': {'unreachable': True},
    })
    assert lines[1].split() == ['web1', 'debian', 'true', '256M', 'local:/var/crash', '?', '-', '-', 'none', 'missing', '-']
    assert lines[2].split() == ['web2', '-', 'unreachable'] + ['-'] * 8


def test_human_bytes():
    assert [human_bytes(v) for v in (None, 0, 512, 1536, 268435456, 3 << 40)] == [None, '0', '512', '1.5K', '256M', '3T']


def test_two_hundred_hosts_render_one_line_each():
    report = dict(('host%03d' % i, {'family': 'el9', 'operational': True, 'reserved_bytes': 1 << 28, 'target': 'ssh:u@h:/x',
                                    'free_bytes': 1 << 35, 'last_vmcore': '/var/crash/a/vmcore', 'last_vmcore_complete': True,
                                    'last_test': 'complete', 'proof': 'current', 'proof_reasons': ''}) for i in range(200))
    lines = report_table(report)
    assert len(lines) == 201 and len(set(len(line) for line in lines[1:])) == 1


def test_report_rows_mark_hosts_without_a_row_unreachable():
    rows = report_rows(['web1', 'web2'], {'web1': {'kdump_report_row': {'family': 'el9'}}, 'web2': {}})
    assert rows == {'web1': {'family': 'el9'}, 'web2': {'unreachable': True}}
