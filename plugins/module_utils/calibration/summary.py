# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A calibration run as one report: per host, per class, and the rows of its two tables.

``build_report(states)`` takes each host's final state (``bisection.py``,
with ``class`` - the key of ``host_class.class_key`` - and ``original``, the
reservation the host had before) or None for a host that was never
calibrated, and returns the JSON the playbook writes and hands to AWX::

    {"hosts": {"web1": {"status": "calibrated", "detail": "112M captures, 96M does not",
                        "class": "x86_64 2G-4G 6.1.0-28-amd64 local makedumpfile -l -d 31", "class_id": "c1",
                        "lower": "64M", "lower_source": "floor", "upper": "128M", "upper_source": "platform default",
                        "step": "16M", "smallest_capturing": "112M", "largest_too_small": "96M",
                        "recommended": "144M", "class_recommended": "144M", "apply": "144M",
                        "probes": [{"size": "128M", "outcome": "complete", "verdict": "captured", "seconds": 181, ...}],
                        "seconds": 733, "original": {"value": "384M-:128M", "low": null}, "final": null,
                        "restore_error": null, "ok": true}},
     "classes": {"x86_64 2G-4G 6.1.0-28-amd64 local makedumpfile -l -d 31":
                     {"id": "c1", "key": {...}, "hosts": ["web1"], "calibrated_hosts": ["web1"],
                      "hosts_without_result": {}, "upper": "128M", "smallest_capturing": "112M",
                      "recommended": "144M", "note": null}}}

Every size is given twice: as text (``144M``) and in bytes (``recommended_bytes``).
``apply`` is what ``kdump_calibrate_apply`` sets on the host: its class's
recommendation when the host itself has a result and the class has one, else
null (the host keeps its original reservation).  A class has no
recommendation when one of its hosts is ``upper_bound_fails``: the platform
default does not capture on that host, so no smaller size may be applied to
its class.  ``ok`` says whether the run did its job on the host (``host_ok``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.bisection import (
    RESULT_STATUSES,
    STATUS_CALIBRATING,
    STATUS_NOT_CALIBRATED,
    STATUS_STOPPED,
    STATUS_UPPER_BOUND_FAILS,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.host_class import (
    KEY_FIELDS,
    class_name,
    class_recommendation,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.calibration.probe import CAPTURED, TOO_SMALL
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import format_size

NOT_CALIBRATED_DETAIL = 'no calibration ran (failure budget spent, or the host was unreachable)'
UNREACHABLE_DETAIL = 'the host stopped answering during a probe; its calibration stopped there'
_MARKS = {CAPTURED: '+', TOO_SMALL: '-'}


def _size(value):
    return format_size(int(value)) if value not in (None, '') else None


def _sized(record, name, value):
    record[name] = _size(value)
    record[name + '_bytes'] = int(value) if value not in (None, '') else None


def _host_record(state):
    if state is None:
        return {'status': STATUS_NOT_CALIBRATED, 'detail': NOT_CALIBRATED_DETAIL, 'key': None, 'probes': [],
                'original': None, 'final': None, 'restore_error': None, 'recommended_bytes': None}
    status, detail = state.get('status'), state.get('detail')
    if status == STATUS_CALIBRATING:
        status, detail = STATUS_STOPPED, UNREACHABLE_DETAIL
    bounds = state.get('bounds') or {}
    record = {'status': status, 'detail': detail, 'key': state.get('class'),
              'lower_source': bounds.get('lower_source'), 'upper_source': bounds.get('upper_source'),
              'probes': list(state.get('probes') or []), 'original': state.get('original'),
              'final': state.get('final'), 'restore_error': state.get('restore_error')}
    for name, value in (('lower', bounds.get('lower_bytes')), ('upper', bounds.get('upper_bytes')),
                        ('step', bounds.get('step_bytes')),
                        ('smallest_capturing', state.get('smallest_capturing_bytes')),
                        ('largest_too_small', state.get('largest_too_small_bytes')),
                        ('recommended', state.get('recommended_bytes'))):
        _sized(record, name, value)
    timed = record['probes'] + ([record['final']] if record['final'] else [])
    record['seconds'] = sum(int(probe.get('seconds') or 0) for probe in timed)
    return record


def host_ok(record):
    """A host the run did its job on: a proven result, a final test that captured (if one ran) and its
    reservation put back or applied without an error."""
    final = record.get('final')
    return bool(record['status'] in RESULT_STATUSES and not record.get('restore_error')
                and (not final or final.get('verdict') == CAPTURED))


def _class_note(hosts, records):
    failing = [host for host in hosts if records[host]['status'] == STATUS_UPPER_BOUND_FAILS]
    if failing:
        return 'the upper bound does not capture on %s: no recommendation for this class' % ', '.join(failing)
    missing = [host for host in hosts if records[host]['status'] not in RESULT_STATUSES]
    if missing:
        return 'from %d of %d hosts' % (len(hosts) - len(missing), len(hosts))
    return None


def build_report(states):
    """The report of a run from ``{host: state or None}`` (see the module docstring)."""
    records = dict((host, _host_record(state)) for host, state in states.items())
    members = {}
    for host in sorted(records):
        key = records[host].pop('key')
        records[host]['class'] = class_name(key) if key else None
        if key:
            members.setdefault(records[host]['class'], (key, []))[1].append(host)
    classes = {}
    for number, name in enumerate(sorted(members), 1):
        key, hosts = members[name]
        results = [host for host in hosts if records[host]['status'] in RESULT_STATUSES]
        blocked = any(records[host]['status'] == STATUS_UPPER_BOUND_FAILS for host in hosts)
        recommended = None if blocked else class_recommendation(records[host]['recommended_bytes'] for host in results)
        entry = {'id': 'c%d' % number, 'key': dict((field, key.get(field)) for field in KEY_FIELDS),
                 'hosts': hosts, 'calibrated_hosts': results,
                 'hosts_without_result': dict((host, records[host]['status']) for host in hosts if host not in results),
                 'note': _class_note(hosts, records)}
        _sized(entry, 'upper', max([records[host]['upper_bytes'] or 0 for host in hosts]) or None)
        _sized(entry, 'smallest_capturing',
               max([records[host]['smallest_capturing_bytes'] or 0 for host in results] or [0]) or None)
        _sized(entry, 'recommended', recommended)
        classes[name] = entry
    for host, record in records.items():
        entry = classes.get(record['class'])
        record['class_id'] = entry['id'] if entry else None
        _sized(record, 'class_recommended', entry['recommended_bytes'] if entry else None)
        applies = record['status'] in RESULT_STATUSES and record['class_recommended_bytes']
        _sized(record, 'apply', record['class_recommended_bytes'] if applies else None)
        record['ok'] = host_ok(record)
    return {'hosts': records, 'classes': classes}


def probe_marks(probes):
    """``[128M complete, 96M no_capture]`` -> ``'128M+ 96M-'``: ``+`` captured, ``-`` too small, ``!`` stop."""
    return ' '.join('%s%s' % (probe['size'], _MARKS.get(probe['verdict'], '!')) for probe in probes or [])


def class_rows(report):
    """Header and one row per class, in class id order."""
    rows = [['class', 'architecture', 'ram', 'kernel', 'target', 'collector', 'hosts', 'with result', 'upper bound',
             'smallest capturing', 'recommended', 'note']]
    for name in sorted(report.get('classes') or {}):
        entry = report['classes'][name]
        key = entry['key']
        rows.append([entry['id'], key.get('architecture'), key.get('ram'), key.get('kernel_release'),
                     key.get('target'), key.get('collector'), len(entry['hosts']), len(entry['calibrated_hosts']),
                     entry['upper'], entry['smallest_capturing'], entry['recommended'], entry['note']])
    return rows


def host_rows(report):
    """Header and one row per host, sorted by name."""
    rows = [['host', 'class', 'status', 'probes', 'too small', 'captures', 'recommended', 'class recommended', 'final', 'time',
             'detail']]
    for host in sorted(report.get('hosts') or {}):
        record = report['hosts'][host]
        final = record.get('final')
        rows.append([host, record.get('class_id'), record['status'], probe_marks(record.get('probes')) or None,
                     record.get('largest_too_small'), record.get('smallest_capturing'), record.get('recommended'),
                     record.get('class_recommended'),
                     '%s %s' % (final['size'], final['outcome']) if final else None,
                     '%ds' % record['seconds'] if record.get('seconds') else None, record.get('detail')])
    return rows
