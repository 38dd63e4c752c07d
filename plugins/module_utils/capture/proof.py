# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A crash test proves capture for the host as it was tested; is that still the host as it is now?

Red Hat's kdump documentation asks for a new crash test after every kernel,
hardware or configuration change.  So a test records what it covers, and a
later look compares that with the host now.

**Covered state** (``covered_state``), recorded in the crash marker by
``crashdump.kdump.kdump_crash`` just before the crash::

    {"kernel_release": "6.1.0-28-amd64",                        # os.uname()
     "config_digest": {"sha256": "<combined>",
                       "files": [{"path": "/etc/default/kdump-tools", "sha256": "<hex>", "missing": false}]},
     "reserved_bytes": 268435456,                               # /sys/kernel/kexec_crash_size
     "memory_bytes": 2146954240, "memory_source": "/proc/iomem System RAM",
     "target": {"type": "local", "location": null, "path": "/var/crash"}}

* ``config_digest`` covers the files the platform's backend writes and the
  kdump tools read (``config_files``): ``/etc/kdump.conf`` and
  ``/etc/sysconfig/kdump`` on the RHEL family, ``/etc/default/kdump-tools``
  on Debian.  Each file's SHA-256 is taken over its bytes, so any edit counts,
  a comment or blank line too: the digest cannot know what the tools make of
  a line (kdumpctl itself rebuilds its initramfs when kdump.conf is newer than
  it, whatever changed), and a re-test after a harmless edit is cheaper than
  trusting a wrong guess.  A missing file is recorded with ``missing: true``
  and ``sha256: null``; the combined ``sha256`` is taken over
  ``<path>\\0<sha256 or "missing">\\n`` of every file in order, and is null
  when a file could not be read (then the configuration is not compared).
* ``memory_bytes`` is the machine's RAM, which does not move when the
  reservation does: the top-level ``System RAM`` ranges of ``/proc/iomem``
  (the crash kernel range is nested inside them), as the crashkernel code
  reads it; when ``/proc/iomem`` shows zero addresses (an unprivileged
  reader), the online memory blocks of ``/sys/devices/system/memory``.
  ``MemTotal`` is never used, because it shrinks when the reservation grows.
  The two sources count slightly differently, so ``memory_source`` says which
  one counted, and only values of the same source are compared.
* ``reserved_bytes`` and ``memory_bytes`` are null when they cannot be read;
  a null is never counted as a change.

**Proof file** (``PROOF_PATH``, JSON, mode 0600), written by
``crashdump.kdump.capture_proof`` on the tested host once the crash test is
judged::

    {"version": 1,
     "last_test": {"outcome": "complete", "complete": true, "dump": "/var/crash/.../dump.202601261040",
                   "detail": "...", "tested_at": "2026-01-26T10:40:00Z", "triggered_at": 1769424000.5,
                   "boot_id": "<boot that crashed>", "covered": {...}},
     "proof": {"tested_at": "...", "triggered_at": ..., "dump": "...", "boot_id": "...", "covered": {...}} or null}

``last_test`` is the most recent recorded test, whatever its outcome;
``proof`` the most recent *complete* one (null until there is one).
``boot_id`` and ``triggered_at`` are the marker's: they name the test
(``crash_marker.same_test``), so recording the same outcome of the same
marker again changes nothing.

**Assessment** (``assess_proof``): ``status`` is ``current`` (the last
complete test covers the host as it is now), ``stale`` (something changed
since: ``reasons``) or ``missing`` (no complete test recorded).  Each reason
is ``{"what": <REASONS>, "then": ..., "now": ...}``; a ``configuration``
reason also has ``files``, the paths that changed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import time

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.crashdump.kdump.plugins.module_utils.capture.marker import (
    MARKER_COMPLETED,
    STATE_DIR,
    marker_covered,
    same_test,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.capture.outcome import OK_OUTCOMES
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_debian import (
    DEFAULT_CONFIG_FILE as DEBIAN_CONFIG_FILE,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_rhel import (
    DEFAULT_CONFIG_FILE as RHEL_CONFIG_FILE,
    DEFAULT_SYSCONFIG_FILE as RHEL_SYSCONFIG_FILE,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.kernel_runtime import (
    IOMEM_PATH,
    parse_iomem_system_ram,
    read_crash_size,
)

PROOF_PATH = os.path.join(STATE_DIR, 'capture-proof.json')
PROOF_VERSION = 1
MEMORY_BLOCKS_DIR = '/sys/devices/system/memory'
MEMORY_SOURCE_IOMEM = '/proc/iomem System RAM'
MEMORY_SOURCE_BLOCKS = '/sys/devices/system/memory online blocks'

STATUS_CURRENT = 'current'
STATUS_STALE = 'stale'
STATUS_MISSING = 'missing'
STATUSES = (STATUS_CURRENT, STATUS_STALE, STATUS_MISSING)

REASON_KERNEL = 'kernel'
REASON_CONFIGURATION = 'configuration'
REASON_RESERVATION = 'reservation'
REASON_MEMORY = 'memory'
REASON_TARGET = 'target'
REASONS = (REASON_KERNEL, REASON_CONFIGURATION, REASON_RESERVATION, REASON_MEMORY, REASON_TARGET)

# Outcomes (crash_outcome.OUTCOMES) of a test in which the host crashed, which
# can be recorded; and those that mean no test crash happened, so there is
# nothing to record: the crash was refused, never happened, no test ran, or
# none was needed because the proof was current.
RECORDABLE_OUTCOMES = ('complete', 'incomplete', 'no_capture', 'not_returned', 'error')
NO_TEST_OUTCOMES = ('refused', 'not_crashed', 'not_tested', 'current', 'skipped')
_OUTCOME_KEYS = ('outcome', 'complete', 'dump')
_TARGET_KEYS = ('type', 'location', 'path')


class ProofError(Exception):
    """A proof cannot be recorded or read; the message says why and what to do."""


class NotCrashedError(ProofError):
    """The stored marker is of the running boot: the test crash has not happened."""


# -- what a test covers --------------------------------------------------

def config_files(family, config_file=None, sysconfig_file=None):
    """Paths of the kdump configuration the platform family's backend writes and its tools read."""
    if family == 'debian':
        return [config_file or DEBIAN_CONFIG_FILE]
    return [config_file or RHEL_CONFIG_FILE, sysconfig_file or RHEL_SYSCONFIG_FILE]


def config_digest(contents):
    """Digest of configuration files: ``contents`` is a list of ``(path, bytes)``, bytes None when the
    file is missing, or ``(path, None, error)`` when it could not be read (see the module docstring)."""
    files = []
    combined = hashlib.sha256()
    readable = True
    for entry in contents:
        path, data = entry[0], entry[1]
        unreadable = len(entry) > 2 and entry[2] is not None
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
        files.append({'path': path, 'sha256': digest, 'missing': data is None and not unreadable})
        readable = readable and not unreadable
        combined.update(('%s\0%s\n' % (path, digest or 'missing')).encode('utf-8', 'surrogateescape'))
    return {'sha256': combined.hexdigest() if readable else None, 'files': files}


def _read_bytes(path):
    """``(path, bytes)``; bytes None when the file does not exist; ``(path, None, error)`` when unreadable."""
    try:
        with open(path, 'rb') as handle:
            return path, handle.read()
    except (IOError, OSError) as error:
        if not os.path.exists(path):
            return path, None
        return path, None, str(error)


def read_config_digest(paths, reader=_read_bytes):
    return config_digest([reader(path) for path in paths])


def parse_memory_blocks(block_size_text, block_states):
    """Bytes of the online memory blocks: ``block_size_bytes`` (hex) times the blocks whose ``state`` is
    ``online``; None when unknown."""
    try:
        block_size = int((block_size_text or '').strip(), 16)
    except ValueError:
        return None
    online = [state for state in block_states if (state or '').strip() == 'online']
    if not block_size or not online:
        return None
    return block_size * len(online)


def _read_attribute(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def read_memory_blocks(directory=MEMORY_BLOCKS_DIR):
    try:
        names = [name for name in os.listdir(directory) if name.startswith('memory') and name[6:].isdigit()]
    except OSError:
        return None
    return parse_memory_blocks(_read_attribute(os.path.join(directory, 'block_size_bytes')),
                               [_read_attribute(os.path.join(directory, name, 'state')) for name in names])


def machine_memory(iomem_text, blocks_bytes):
    """``(bytes, source)`` of the machine's RAM (see the module docstring); ``(None, None)`` when unknown."""
    ram = parse_iomem_system_ram(iomem_text)
    if ram:
        return ram, MEMORY_SOURCE_IOMEM
    if blocks_bytes:
        return blocks_bytes, MEMORY_SOURCE_BLOCKS
    return None, None


def read_machine_memory(iomem_path=IOMEM_PATH, blocks_dir=MEMORY_BLOCKS_DIR):
    iomem_text = _read_attribute(iomem_path)
    blocks = None if parse_iomem_system_ram(iomem_text) else read_memory_blocks(blocks_dir)
    return machine_memory(iomem_text, blocks)


def target_summary(target):
    """``type``, ``location`` and ``path`` of a ``dump_target`` summary."""
    return dict((key, (target or {}).get(key)) for key in _TARGET_KEYS)


def covered_state(kernel_release, digest, reserved_bytes, memory, target):
    """The host state a crash test covers; ``memory`` is ``(bytes, source)``, ``target`` a dump target summary."""
    return {'kernel_release': kernel_release, 'config_digest': digest, 'reserved_bytes': reserved_bytes,
            'memory_bytes': memory[0], 'memory_source': memory[1], 'target': target_summary(target)}


def kernel_release():
    return os.uname()[2]


def read_covered_state(family, target, sysconfig_file=None, reserved_bytes=None):
    """This host's covered state now; ``target`` from ``dump_target.read_dump_target`` (its ``config_file``
    is digested), ``reserved_bytes`` when the caller has read it already."""
    if reserved_bytes is None:
        reserved_bytes = read_crash_size()[0]
    paths = config_files(family, target.get('config_file'), sysconfig_file)
    return covered_state(kernel_release(), read_config_digest(paths), reserved_bytes, read_machine_memory(), target)


# -- recording a test ------------------------------------------------------

def check_outcome(value):
    """The outcome record to keep, from a crash test result; raises ``ProofError``.

    Needs ``outcome``, ``complete`` and ``dump``; ``detail`` is kept when
    present, other keys (``returned_after``, ``refusal``...) are ignored.
    """
    if not isinstance(value, dict):
        raise ProofError('outcome: expected the dict of a crash test result (outcome, complete, dump), got %s'
                         % type(value).__name__)
    missing = [key for key in _OUTCOME_KEYS if key not in value]
    if missing:
        raise ProofError('outcome: lacks %s; pass the outcome of crashdump.kdump.vmcore_info (or the crash test '
                         'result of the role)' % ', '.join(missing))
    name = value['outcome']
    if name in NO_TEST_OUTCOMES:
        raise ProofError('outcome.outcome: %r means no test crash happened, so there is no crash test to record; '
                         'allowed: %s' % (name, ', '.join(RECORDABLE_OUTCOMES)))
    if name not in RECORDABLE_OUTCOMES:
        raise ProofError('outcome.outcome: %r is not an outcome of a crash test; allowed: %s'
                         % (name, ', '.join(RECORDABLE_OUTCOMES)))
    try:
        complete = boolean(value['complete'], strict=True)
    except TypeError:
        raise ProofError('outcome.complete: %r is not a boolean' % (value['complete'],))
    if complete != (name in OK_OUTCOMES):
        raise ProofError('outcome.complete: %s does not match outcome %r; complete is true for the outcome '
                         'complete only' % (str(complete).lower(), name))
    dump = value['dump']
    if dump is not None and not isinstance(dump, str):
        raise ProofError('outcome.dump: %r is not a path or null' % (dump,))
    detail = value.get('detail')
    return {'outcome': name, 'complete': complete, 'dump': dump or None,
            'detail': detail if isinstance(detail, str) else None}


def check_tested_marker(marker, boot_id, marker_path, given=None):
    """The stored ``marker`` when it is the marker of a crash test that happened; raises ``ProofError``.

    ``given``, the marker ``kdump_crash`` returned for the test being
    recorded, must be the stored one when it is passed.
    """
    if marker is None:
        raise ProofError('no crash marker at %s: no crash test was started on this host; run '
                         'crashdump.kdump.kdump_crash first' % marker_path)
    if marker['boot_id'] == boot_id:
        raise NotCrashedError('the crash marker %s was written in the running boot (boot id %s): the host has not '
                              'crashed since, so its test has no outcome yet; record it after the host is back from '
                              'the test crash' % (marker_path, boot_id))
    if given is not None and not same_test(marker, given):
        raise ProofError('marker: the given marker (boot id %s, triggered at %s) is not the one stored in %s '
                         '(boot id %s, triggered at %s): a later crash test has replaced it'
                         % (given.get('boot_id'), given.get('triggered_at'), marker_path, marker['boot_id'],
                            marker['triggered_at']))
    if marker_covered(marker) is None:
        raise ProofError('the crash marker %s was written by an older crashdump.kdump.kdump_crash and does not '
                         'record the host state its test covers; run the crash test again' % marker_path)
    return marker


def tested_at(marker):
    """When the test crash was triggered, ISO 8601 UTC (``2026-01-26T10:40:00Z``)."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(float(marker['triggered_at'])))


def record_test(existing, outcome, marker):
    """The proof file content after recording ``outcome`` (from ``check_outcome``) of ``marker``'s test.

    ``existing`` is the current content (None when there is none); its
    ``proof`` is kept unless this test is complete.
    """
    test = dict(outcome, tested_at=tested_at(marker), triggered_at=marker['triggered_at'], boot_id=marker['boot_id'],
                covered=marker_covered(marker))
    proof = (existing or {}).get('proof')
    if test['complete']:
        proof = dict((key, test[key]) for key in ('tested_at', 'triggered_at', 'dump', 'boot_id', 'covered'))
    return {'version': PROOF_VERSION, 'last_test': test, 'proof': proof}


def parse_proof(text, path=PROOF_PATH):
    """The proof file's content, None when there is no file (``text`` None); raises ``ProofError``."""
    if text is None:
        return None
    try:
        record = json.loads(text)
    except ValueError as error:
        raise ProofError('%s is not JSON (%s); remove it with crashdump.kdump.capture_proof state=absent'
                         % (path, error))
    if not isinstance(record, dict) or not isinstance(record.get('last_test'), dict) \
            or not isinstance(record.get('proof'), (dict, type(None))):
        raise ProofError('%s does not hold a capture proof (last_test, proof); remove it with '
                         'crashdump.kdump.capture_proof state=absent' % path)
    return record


def render_proof(record):
    """The proof file's text."""
    return json.dumps(record, indent=2, sort_keys=True) + '\n'


# -- is the proof current ----------------------------------------------------

def _reason(what, then, now, **extra):
    reason = {'what': what, 'then': then, 'now': now}
    reason.update(extra)
    return reason


def _changed_files(then, now):
    before = dict((entry.get('path'), (entry.get('sha256'), entry.get('missing'))) for entry in then.get('files') or [])
    after = dict((entry.get('path'), (entry.get('sha256'), entry.get('missing'))) for entry in now.get('files') or [])
    return sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))


def compare_covered(then, now):
    """What changed from the covered state ``then`` to ``now``: a list of reasons, in ``REASONS`` order."""
    reasons = []
    if then.get('kernel_release') != now.get('kernel_release'):
        reasons.append(_reason(REASON_KERNEL, then.get('kernel_release'), now.get('kernel_release')))
    then_digest, now_digest = then.get('config_digest') or {}, now.get('config_digest') or {}
    if then_digest.get('sha256') and now_digest.get('sha256') and then_digest['sha256'] != now_digest['sha256']:
        reasons.append(_reason(REASON_CONFIGURATION, then_digest['sha256'], now_digest['sha256'],
                               files=_changed_files(then_digest, now_digest)))
    if None not in (then.get('reserved_bytes'), now.get('reserved_bytes')) \
            and then['reserved_bytes'] != now['reserved_bytes']:
        reasons.append(_reason(REASON_RESERVATION, then['reserved_bytes'], now['reserved_bytes']))
    if None not in (then.get('memory_bytes'), now.get('memory_bytes')) \
            and then.get('memory_source') == now.get('memory_source') and then['memory_bytes'] != now['memory_bytes']:
        reasons.append(_reason(REASON_MEMORY, then['memory_bytes'], now['memory_bytes']))
    if target_summary(then.get('target')) != target_summary(now.get('target')):
        reasons.append(_reason(REASON_TARGET, target_summary(then.get('target')), target_summary(now.get('target'))))
    return reasons


def _reason_words(reason):
    what = reason['what']
    if what == REASON_CONFIGURATION:
        return '%s changed' % ', '.join(reason['files'] or ['the configuration'])
    if what == REASON_TARGET:
        return 'the dump target changed'
    return '%s changed (%s, now %s)' % ({REASON_KERNEL: 'the kernel', REASON_RESERVATION: 'the reservation',
                                         REASON_MEMORY: 'the memory'}[what], reason['then'], reason['now'])


def _public_test(test):
    if not test:
        return None
    return dict((key, test.get(key)) for key in ('outcome', 'complete', 'dump', 'detail', 'tested_at'))


def assess_proof(record, now, marker=None, marker_state=None):
    """``proof`` of ``kdump_info``: the proof file ``record`` (None when none) against the covered state ``now``.

    ``marker`` and ``marker_state`` (``crash_marker``) tell whether a crash
    test happened that is not recorded (``unrecorded_test``).
    """
    record = record or {}
    proof = record.get('proof')
    last_test = record.get('last_test')
    unrecorded = marker_state == MARKER_COMPLETED and not same_test(marker, last_test)
    result = {'status': STATUS_MISSING, 'reasons': [], 'tested_at': None, 'dump': None,
              'last_test': _public_test(last_test), 'unrecorded_test': unrecorded}
    if not proof:
        result['detail'] = 'no complete crash test is recorded on this host' + (
            '; the last test, at %s, ended %s' % (last_test.get('tested_at'), last_test.get('outcome'))
            if last_test else '')
        return result
    reasons = compare_covered(proof.get('covered') or {}, now)
    result.update(status=STATUS_STALE if reasons else STATUS_CURRENT, reasons=reasons,
                  tested_at=proof.get('tested_at'), dump=proof.get('dump'))
    if reasons:
        result['detail'] = 'the complete crash test of %s no longer covers this host: %s' % (
            proof.get('tested_at'), '; '.join(_reason_words(reason) for reason in reasons))
    else:
        result['detail'] = 'the complete crash test of %s covers the host as it is now' % proof.get('tested_at')
    return result
