# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""After the crash, on the controller: the fleet's captures grouped by bug, and what retention deleted.

The ``triage`` and ``prune`` playbooks run ``crash_triage`` / ``vmcore_prune``
on every host's own dump directory and on every dump server that hosts of
the run send their dumps to (``dump_server_jobs``, which names the servers
through ``fleet.dump_server_of``).  These filters turn the results into one
report:

* a capture is attributed to an inventory host by the tag in its directory
  name (``<tag>-<stamp>``): the tag each client computed
  (``kdump_capture_tag``, crashdump.kdump.kdump_ssh_client in check mode),
  then ``tag_hosts`` given by the user, then - for hosts that did not answer -
  the ``ansible_host`` and the inventory name of every inventory host.  A
  capture without a tag, or with a loopback tag, belongs to the host that
  holds it; an unknown tag stays the host name;
* ``triage_report`` groups the captures by signature id - one row per bug,
  with how often and where it struck - and per host;
* the table filters render both as text (``tables.text_table``).

Pure functions of their arguments: nothing here reads a file or the clock.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import posixpath
import re
import time

from ansible.errors import AnsibleFilterError
from ansible_collections.crashdump.kdump.plugins.filter.fleet import dump_server_of
from ansible_collections.crashdump.kdump.plugins.filter.tables import human_bytes, text_table
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.dirs import parse_since
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.retention import DEFAULT_GUARD_SECONDS, check_policy
from ansible_collections.crashdump.kdump.plugins.module_utils.triage.captures import (
    TRIAGE_SINCE_FORMS,
    parse_duration,
    target_server_host,
)

DEFAULT_PATH = '/var/crash'
LOOPBACK_TAGS = frozenset(('127.0.0.1', '::1', 'localhost'))
REMOTE_TARGET_TYPES = ('ssh', 'nfs')
NO_SIGNATURE = 'no-signature'
NO_SIGNATURE_TITLE = 'no signature (no kernel log, or no crash report in it)'
STATE_VERSION = 1
LIST_CELL_ITEMS = 4
_UNSAFE_NAME = re.compile(r'[^A-Za-z0-9._-]')
_DF_LINE = re.compile(r'^.*?\s+(?P<total>\d+)\s+(?P<used>\d+)\s+(?P<available>\d+)\s+(?:\d+%|-)\s+\S.*$')


# --- the time window ----------------------------------------------------------

def triage_state(text, path=None):
    """The state of the last triage run from its JSON text (empty: no earlier run); ``path`` names it in errors."""
    path = path or 'the triage state file'
    if text is None or not str(text).strip():
        return {'version': STATE_VERSION, 'run_at': None, 'hosts': {}}
    try:
        state = json.loads(text)
    except ValueError as error:
        raise AnsibleFilterError('%s is not the JSON a triage run writes (%s); delete it to start over' % (path, error))
    hosts = state.get('hosts') if isinstance(state, dict) else None
    if not isinstance(hosts, dict) or not all(isinstance(value, (int, float)) and not isinstance(value, bool)
                                              for value in hosts.values()):
        raise AnsibleFilterError('%s has no "hosts" map of host to epoch seconds; delete it to start over' % path)
    return {'version': STATE_VERSION, 'run_at': state.get('run_at'), 'hosts': dict(hosts)}


def triage_window(value, state=None):
    """Which captures a triage run reports: ``{'mode', 'since', 'per_host', 'last_run'}``.

    ``value``: empty or ``all`` (every capture), ``last`` (each host since its
    own clock said the last run began, from ``state``; every capture on a host
    the last run did not reach), a duration (``7d``, counted back on each
    host), epoch seconds or a date.  A host's ``since`` is
    ``per_host[host]``, else ``since``.
    """
    text = '' if value is None else str(value).strip()
    state = state or {}
    if text in ('', 'all'):
        return {'mode': 'all', 'since': '', 'per_host': {}, 'last_run': None}
    if text == 'last':
        return {'mode': 'last', 'since': '', 'per_host': dict(state.get('hosts') or {}), 'last_run': state.get('run_at')}
    if parse_duration(text) is None:
        try:
            parse_since(text)
        except ValueError:
            raise AnsibleFilterError('kdump_triage_since: %r is not a time; allowed: empty or all (every capture), '
                                     'last (since the last triage run), or %s' % (value, TRIAGE_SINCE_FORMS))
    return {'mode': 'given', 'since': text, 'per_host': {}, 'last_run': None}


def triage_state_update(report, state, run_at):
    """The state to keep for the next ``last``: each holder's ``host_time`` of this run, the others' of before."""
    hosts = dict((state or {}).get('hosts') or {})
    hosts.update(report.get('holders') or {})
    return {'version': STATE_VERSION, 'run_at': run_at, 'hosts': dict(sorted(hosts.items()))}


# --- which dump servers, which directories ------------------------------------

def _dig(mapping, dotted):
    value = mapping
    for key in dotted.split('.'):
        if not hasattr(value, 'get'):
            return None
        value = value.get(key)
    return value


def _server_path(name, host_vars, actual):
    """``(directory on the dump server, None)`` or ``(None, why not)`` for one client.

    ``actual``: the client's dump target as its kdump configuration says, or
    None when it did not answer (then its inventory variables count).
    """
    explicit = host_vars.get('kdump_dump_server_path')
    if explicit:
        return str(explicit), None
    if actual is not None:
        target, path = actual, actual.get('path') or DEFAULT_PATH
    else:
        target, path = host_vars.get('kdump_target') or {}, host_vars.get('kdump_path') or DEFAULT_PATH
    if target.get('type') != 'nfs':
        return path, None
    export = str(target.get('location') or '').rsplit(':', 1)[-1]
    if target.get('family') == 'rhel' and export.startswith('/'):
        # kdumpctl mounts the export and writes to <mount>/<path>/<tag>-<stamp>/
        return posixpath.normpath(posixpath.join(export, path.lstrip('/'))), None
    return None, ('%s dumps to nfs %s; set kdump_dump_server_path on it (the directory its captures land in on the '
                  'server) to include them' % (name, target.get('location')))


def dump_server_jobs(hosts, hostvars, target_key):
    """The dump servers of ``hosts``, the directories to read on each, and the clients that write there.

    ``target_key`` names (dotted) each host's actual dump target: a dict with
    ``type``, ``location``, ``path``, ``local_dir`` and ``family`` as
    crash_triage returns it in ``target``.  A host without one (it did not
    answer) is placed by its inventory variables, ``kdump_target`` and
    ``kdump_path``.  ``kdump_ssh_server`` names the server, as for the role;
    ``kdump_dump_server_path`` on a client overrides the directory.

    Returns ``servers`` (``{server: [paths]}``), ``clients`` (``{client:
    {server, address, path}}``: the inventory name of its dump server, the
    address its target names, the directory) and ``problems`` (``{host: why
    its captures are not looked for}``).  A server's own local dump
    directory is not listed again when the server is one of ``hosts`` (its
    own run reads it).
    """
    inventory = dict((name, hostvars[name]) for name in hostvars)
    servers = {}
    clients = {}
    problems = {}
    for name in hosts:
        host_vars = inventory.get(name, {})
        actual = _dig(host_vars, target_key)
        actual = actual if isinstance(actual, dict) else None
        if actual is not None and actual.get('type') not in REMOTE_TARGET_TYPES:
            continue
        target = actual if actual is not None else (host_vars.get('kdump_target') or {})
        server = dump_server_of({'kdump_ssh_server': host_vars.get('kdump_ssh_server'), 'kdump_target': target},
                                inventory)
        if server is None:
            if actual is not None:
                problems[name] = ('%s dumps to %s %s, which is no inventory host; set kdump_ssh_server on it to the '
                                  'inventory name of the dump server' % (name, actual.get('type'), actual.get('location')))
            continue
        path, problem = _server_path(name, host_vars, actual)
        if problem:
            problems[name] = problem
            continue
        clients[name] = {'server': server, 'address': target_server_host(target) or server, 'path': path}
        own = _dig(inventory[server], target_key) if server in hosts else None
        if isinstance(own, dict) and own.get('local_dir') and posixpath.normpath(own['local_dir']) == posixpath.normpath(path):
            continue
        servers.setdefault(server, set()).add(path)
    return {'servers': dict((server, sorted(paths)) for server, paths in sorted(servers.items())),
            'clients': dict(sorted(clients.items())), 'problems': problems}


# --- attribution ----------------------------------------------------------------

def _tag_map(hosts, hostvars, tag_hosts):
    """``({tag: host}, {host: problem})``: computed tags, then ``tag_hosts``, then inventory names and addresses."""
    computed = {}
    problems = {}
    for name in sorted(hostvars):
        result = hostvars[name].get('kdump_capture_tag')
        if not isinstance(result, dict) or result.get('skipped'):
            continue
        tag = result.get('tag')
        if not tag:
            problem = 'the tag of its captures on the dump server is unknown: %s' % (result.get('msg') or 'no tag')
        elif computed.get(tag, name) != name:
            problem = 'its captures carry the tag %s, as those of %s do; they are counted for %s' % (
                tag, computed[tag], computed[tag])
        else:
            computed[tag] = name
            continue
        if name in hosts:
            problems[name] = problem
    tags = {}
    for name in sorted(hostvars):
        for candidate in (hostvars[name].get('ansible_host'), name):
            if candidate and str(candidate) not in tags:
                tags[str(candidate)] = name
    tags.update(computed)
    tags.update(dict((str(tag), str(host)) for tag, host in (tag_hosts or {}).items()))
    return tags, problems


def _attributed_host(holder, tag, tags):
    if tag is None or tag in LOOPBACK_TAGS:
        return holder
    return tags.get(tag, tag)


def _runs(hostvars, name, local_key, server_key):
    """``[(origin, result)]`` of the module runs a host made: its own directory, then each dump server directory."""
    runs = []
    host_vars = hostvars[name] if name in hostvars else {}
    local = host_vars.get(local_key) if local_key else None
    if isinstance(local, dict):
        runs.append(('local', local))
    served = host_vars.get(server_key) if server_key else None
    if isinstance(served, dict):
        for result in served.get('results') or []:
            if isinstance(result, dict):
                runs.append(('server', result))
    return runs


def _run_problem(result):
    if result.get('skipped'):
        return None
    if result.get('unreachable'):
        return 'unreachable: %s' % (result.get('msg') or 'no answer')
    if result.get('failed'):
        return 'failed: %s' % (result.get('msg') or 'no message')
    return None


# --- triage --------------------------------------------------------------------

def _signature_id(capture):
    signature = capture.get('signature')
    return signature.get('id') if isinstance(signature, dict) else None


def _iso(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch)) if epoch is not None else None


def _collect_triage(hosts, hostvars, jobs, tags):
    """Every capture of the run's hosts, attributed; captures of inventory hosts outside the run are left out."""
    outside = set(hostvars) - set(hosts)
    captures = {}
    holders = {}
    problems = {}
    for holder in list(hosts) + [server for server in (jobs.get('servers') or {}) if server not in hosts]:
        runs = _runs(hostvars, holder, 'kdump_triage_local', 'kdump_triage_server')
        if not runs and holder in hosts:
            problems[holder] = 'no triage result: the host did not answer'
        for origin, result in runs:
            problem = _run_problem(result)
            if problem:
                where = '' if origin == 'local' else ' (dump server directory %s)' % result.get('item')
                problems[holder] = problem + where
                continue
            if 'captures' not in result:
                continue
            holders[holder] = max(holders.get(holder, 0), result.get('host_time') or 0)
            for capture in result['captures']:
                key = (holder, capture['path'])
                host = _attributed_host(holder, capture.get('client'), tags)
                if key in captures or host in outside:
                    continue
                record = dict(capture)
                record.update(host=host, holder=holder,
                              origin=origin, location='%s:%s' % (holder, capture['path']),
                              signature_id=_signature_id(capture))
                captures[key] = record
    ordered = sorted(captures.values(), key=lambda record: (record.get('newest_mtime') or 0, record['location']))
    return ordered, holders, problems


def _signature_rows(captures):
    groups = {}
    for capture in captures:
        groups.setdefault(capture['signature_id'], []).append(capture)
    rows = []
    for signature_id, members in groups.items():
        signature = members[-1].get('signature') or {}
        times = [member.get('newest_mtime') for member in members if member.get('newest_mtime') is not None]
        rows.append({
            'id': signature_id,
            'kind': signature.get('kind'),
            'reason': signature.get('reason'),
            'function': signature.get('function'),
            'module': signature.get('module'),
            'title': signature.get('title') or NO_SIGNATURE_TITLE,
            'count': len(members),
            'complete': len([member for member in members if member.get('complete')]),
            'hosts': sorted(set(str(member['host']) for member in members)),
            'kernel_releases': sorted(set(member['kernel_release'] for member in members if member.get('kernel_release'))),
            'oot_modules': sorted(set(name for member in members
                                      for name in ((member.get('signature') or {}).get('oot_modules') or []))),
            'first_seen': _iso(min(times)) if times else None,
            'last_seen': _iso(max(times)) if times else None,
            'example': members[-1]['location'],
        })
    # most frequent first, then the most recent, then by id; the captures without a signature last
    rows.sort(key=lambda row: row['id'] or '')
    rows.sort(key=lambda row: row['last_seen'] or '', reverse=True)
    rows.sort(key=lambda row: (row['id'] is None, -row['count']))
    return rows


def _host_rows(hosts, captures, problems):
    rows = dict((str(name), {'inventory': True, 'captures': 0, 'complete': 0, 'signatures': [], 'unsigned': 0,
                             'last_seen': None, 'last_title': None, 'last_kernel_release': None, 'holders': [],
                             'problem': problems.get(name)})
                for name in hosts)
    for capture in captures:
        row = rows.setdefault(str(capture['host']), {
            'inventory': False, 'captures': 0, 'complete': 0, 'signatures': [], 'unsigned': 0, 'last_seen': None,
            'last_title': None, 'last_kernel_release': None, 'holders': [], 'problem': None})
        row['captures'] += 1
        row['complete'] += 1 if capture.get('complete') else 0
        if capture['signature_id']:
            if capture['signature_id'] not in row['signatures']:
                row['signatures'].append(capture['signature_id'])
        else:
            row['unsigned'] += 1
        # captures come oldest first: the last one seen is the newest
        row.update(last_seen=capture.get('seen_at'), last_kernel_release=capture.get('kernel_release'),
                   last_title=(capture.get('signature') or {}).get('title') or NO_SIGNATURE_TITLE)
        holder = '%s:%s' % (capture['holder'], posixpath.dirname(capture['path']))
        if holder not in row['holders']:
            row['holders'].append(holder)
    for name, problem in problems.items():
        if name in rows and not rows[name]['problem']:
            rows[name]['problem'] = problem
    return dict(sorted(rows.items()))


def triage_report(hosts, hostvars, jobs, tag_hosts=None, since=''):
    """The fleet's captures by bug and by host, from the triage playbook's results.

    Reads each host's ``kdump_triage_local`` (crash_triage on its own dump
    directory), each dump server's ``kdump_triage_server`` (crash_triage,
    looped over the directories of ``jobs['servers']``) and each client's
    ``kdump_capture_tag``.  Returns ``since``, ``signatures`` (one row per
    signature id, most frequent first; captures without a signature in one
    last row with id None), ``hosts`` (``{host: row}``), ``captures`` (every
    capture, oldest first, with ``host``, ``holder``, ``origin``,
    ``location`` and ``signature_id``), ``problems`` (``{host: detail}``),
    ``holders`` (``{holder: host_time}``, for the next ``last``) and ``tags``.
    """
    tags, problems = _tag_map(hosts, hostvars, tag_hosts)
    problems.update((jobs or {}).get('problems') or {})
    captures, holders, run_problems = _collect_triage(hosts, hostvars, jobs or {}, tags)
    problems.update(run_problems)
    return {'since': since, 'signatures': _signature_rows(captures), 'hosts': _host_rows(hosts, captures, problems),
            'captures': captures, 'problems': dict(sorted(problems.items())), 'holders': holders,
            'tags': dict(sorted(tags.items()))}


def _list_cell(values):
    values = list(values or [])
    if len(values) <= LIST_CELL_ITEMS:
        return ','.join(values)
    return '%s +%d' % (','.join(values[:LIST_CELL_ITEMS]), len(values) - LIST_CELL_ITEMS)


def triage_signature_table(report):
    """``triage_report``'s signatures as lines: one per bug, most frequent first."""
    rows = [['signature', 'count', 'complete', 'kind', 'title', 'hosts', 'kernels', 'first seen', 'last seen',
             'example']]
    for row in report.get('signatures') or []:
        rows.append([row['id'], row['count'], row['complete'], row['kind'], row['title'], _list_cell(row['hosts']),
                     _list_cell(row['kernel_releases']), row['first_seen'], row['last_seen'], row['example']])
    return text_table(rows)


def triage_host_table(report):
    """``triage_report``'s hosts as lines: captures, signatures and the newest crash of each, or its problem."""
    rows = [['host', 'captures', 'complete', 'signatures', 'last seen', 'last crash', 'kernel', 'where', 'note']]
    for name, row in sorted((report.get('hosts') or {}).items()):
        note = row.get('problem') or ('' if row.get('inventory') else 'not an inventory host (capture tag)')
        rows.append([name, row['captures'], row['complete'], len(row['signatures']) + (1 if row['unsigned'] else 0),
                     row['last_seen'], row['last_title'], row['last_kernel_release'], _list_cell(row['holders']), note])
    return text_table(rows)


# --- copies on the controller ---------------------------------------------------

def _safe_name(text):
    return _UNSAFE_NAME.sub('_', str(text)).lstrip('.') or '_'


def triage_fetch_plan(report, fetch_dir, vmcore=False):
    """Where the small files of each capture go on the controller, and what is copied from which holder.

    Each capture gets ``<fetch_dir>/<signature id or no-signature>/<host>-<stamp>/``
    with ``triage.json`` (its record, written by the controller) and the
    kernel log it saved; with ``vmcore`` also its dump file.  Returns
    ``dirs`` (to create), ``records`` (``dest``, ``content``), ``files``
    (``{holder: [{src, dest, kind, bytes}]}``, ``kind`` ``dmesg`` or
    ``vmcore``) and ``vmcore_bytes`` (the dumps' total size).
    """
    dirs = set()
    records = []
    files = {}
    vmcore_bytes = 0
    for capture in report.get('captures') or []:
        stamp = re.sub(r'[-:]', '', capture.get('captured_at') or capture['name'])
        directory = posixpath.join(fetch_dir, _safe_name(capture['signature_id'] or NO_SIGNATURE),
                                   '%s-%s' % (_safe_name(capture['host']), _safe_name(stamp)))
        dirs.add(directory)
        records.append({'dest': posixpath.join(directory, 'triage.json'), 'content': capture})
        holder_files = files.setdefault(capture['holder'], [])
        if capture.get('dmesg_source') == 'file' and capture.get('dmesg_file'):
            holder_files.append({'src': capture['dmesg_file'], 'kind': 'dmesg', 'bytes': None,
                                 'dest': posixpath.join(directory, posixpath.basename(capture['dmesg_file']))})
        if vmcore and capture.get('dump_file'):
            holder_files.append({'src': capture['dump_file'], 'kind': 'vmcore', 'bytes': capture.get('size') or 0,
                                 'dest': posixpath.join(directory, posixpath.basename(capture['dump_file']))})
            vmcore_bytes += capture.get('size') or 0
    return {'dirs': sorted(dirs), 'records': records, 'files': files, 'vmcore_bytes': vmcore_bytes}


def df_available_bytes(output):
    """Bytes available from the output of ``df -P -k <dir>`` (POSIX format, 1024-byte blocks).

    File system names and mount points may contain blanks (macOS ``map
    auto_home``), so the numbers are found by their shape, not by position.
    """
    lines = [line for line in str(output or '').splitlines() if line.strip()]
    match = _DF_LINE.match(lines[-1]) if len(lines) > 1 else None
    if not match:
        raise AnsibleFilterError('cannot read the available space from df -P -k output: %r' % (output,))
    return int(match.group('available')) * 1024


# --- retention ----------------------------------------------------------------

def _survey_value(value, convert, name):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise AnsibleFilterError('%s: %r is not a number' % (name, value))
    try:
        return convert(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise AnsibleFilterError('%s: %r is not a number' % (name, value))


def prune_policy(keep=None, max_age_days=None, max_total_bytes=None, confirm=None, guard_seconds=None):
    """The prune playbook's policy, checked once on the controller (AWX survey strings accepted).

    Returns ``keep``, ``max_age_days``, ``max_total_bytes`` (bytes) - each
    None when not given -, ``guard_seconds`` (the module's default when not
    given) and ``delete`` (true only for ``confirm`` ``delete``).  Fails
    naming the variable when a value is wrong or no rule is given.
    """
    keep = _survey_value(keep, int, 'kdump_prune_keep')
    max_age_days = _survey_value(max_age_days, float, 'kdump_prune_max_age_days')
    guard_seconds = _survey_value(guard_seconds, int, 'kdump_prune_guard_seconds')
    if guard_seconds is None:
        guard_seconds = DEFAULT_GUARD_SECONDS
    if isinstance(max_total_bytes, str) and not max_total_bytes.strip():
        max_total_bytes = None
    confirm = '' if confirm is None else str(confirm).strip()
    if confirm not in ('', 'delete'):
        raise AnsibleFilterError('kdump_prune_confirm: %r is not the word delete; give delete to delete, or leave it '
                                 'empty for a dry run' % (confirm,))
    try:
        policy = check_policy(keep, max_age_days, max_total_bytes, guard_seconds)
    except ValueError as error:
        message = str(error)
        if message.startswith(('keep:', 'max_age_days:', 'max_total_bytes:', 'guard_seconds:')):
            raise AnsibleFilterError('kdump_prune_%s' % message)
        raise AnsibleFilterError('give at least one of kdump_prune_keep, kdump_prune_max_age_days or '
                                 'kdump_prune_max_total_bytes: without a rule nothing is deleted')
    return {'keep': policy['keep'], 'max_age_days': policy['max_age_days'],
            'max_total_bytes': policy['max_total_bytes'], 'guard_seconds': policy['guard_seconds'],
            'delete': confirm == 'delete'}


def prune_report(hosts, hostvars, jobs, tag_hosts=None):
    """What the prune playbook deleted (or would delete), per host whose captures they were.

    Reads each host's ``kdump_prune_local`` (vmcore_prune on its own dump
    directory), each dump server's ``kdump_prune_server`` (looped over the
    directories of ``jobs['servers']``) and each client's
    ``kdump_capture_tag``.  Returns ``rows`` (one per host and directory:
    ``host``, ``location``, ``deleted``, ``kept``, ``bytes_freed``,
    ``bytes_kept``, ``dry_run``, ``over_limit``), ``deleted`` (every
    capture deleted, with ``host`` and ``location``), ``problems``,
    ``dry_run`` (true when any run deleted nothing because of check mode or a
    missing confirmation) and ``bytes_freed``.
    """
    tags, problems = _tag_map(hosts, hostvars, tag_hosts)
    problems.update((jobs or {}).get('problems') or {})
    rows = {}
    deleted = []
    dry_run = False
    for holder in list(hosts) + [server for server in ((jobs or {}).get('servers') or {}) if server not in hosts]:
        runs = _runs(hostvars, holder, 'kdump_prune_local', 'kdump_prune_server')
        if not runs and holder in hosts:
            problems[holder] = 'no prune result: the host did not answer'
        for origin, result in runs:
            problem = _run_problem(result)
            if problem:
                problems[holder] = problem + ('' if origin == 'local' else ' (dump server directory %s)' % result.get('item'))
                continue
            if 'deleted' not in result:
                continue
            dry_run = dry_run or bool(result.get('dry_run'))
            location = '%s:%s' % (holder, result.get('dump_path'))
            for state, entries in (('deleted', result['deleted']), ('kept', result.get('kept') or [])):
                for entry in entries:
                    host = _attributed_host(holder, entry.get('client'), tags)
                    row = rows.setdefault((str(host), location), {
                        'host': str(host), 'location': location, 'deleted': 0, 'kept': 0, 'bytes_freed': 0,
                        'bytes_kept': 0, 'dry_run': bool(result.get('dry_run')), 'over_limit': bool(result.get('over_limit'))})
                    row[state] += 1
                    row['bytes_freed' if state == 'deleted' else 'bytes_kept'] += entry.get('bytes') or 0
                    if state == 'deleted':
                        deleted.append(dict(entry, host=str(host), location=location))
    ordered = [rows[key] for key in sorted(rows)]
    return {'rows': ordered, 'deleted': deleted, 'problems': dict(sorted(problems.items())), 'dry_run': dry_run,
            'bytes_freed': sum(row['bytes_freed'] for row in ordered)}


def prune_table(report):
    """``prune_report`` as lines: per host and directory, what was (or would be) deleted and what is kept."""
    verb = 'would delete' if report.get('dry_run') else 'deleted'
    rows = [['host', 'where', verb, 'freed', 'kept', 'kept bytes', 'note']]
    for row in report.get('rows') or []:
        rows.append([row['host'], row['location'], row['deleted'], human_bytes(row['bytes_freed']) or '0', row['kept'],
                     human_bytes(row['bytes_kept']) or '0', 'over max_total_bytes' if row['over_limit'] else ''])
    for name, problem in sorted((report.get('problems') or {}).items()):
        rows.append([name, None, None, None, None, None, problem])
    return text_table(rows)


class FilterModule(object):
    def filters(self):
        return {
            'triage_state': triage_state,
            'triage_window': triage_window,
            'triage_state_update': triage_state_update,
            'dump_server_jobs': dump_server_jobs,
            'triage_report': triage_report,
            'triage_signature_table': triage_signature_table,
            'triage_host_table': triage_host_table,
            'triage_fetch_plan': triage_fetch_plan,
            'df_available_bytes': df_available_bytes,
            'prune_policy': prune_policy,
            'prune_report': prune_report,
            'prune_table': prune_table,
        }
