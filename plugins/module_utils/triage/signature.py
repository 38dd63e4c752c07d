# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which bug crashed a kernel: a stable signature read from its log.

The input is the crashed kernel's log as a capture saves it - RHEL
``vmcore-dmesg.txt``, kdump-tools ``dmesg.<stamp>``, ``makedumpfile
--dump-dmesg`` output - or as it was copied from a console or syslog.  Lines
may start with a syslog or journal prefix (``Nov 23 22:01:55 host kernel:``),
a printk level (``<4>``), a timestamp (``[  123.456789]``) and a caller id
(``[    C33]``, ``[ T1668]``); all are removed before reading.

``panic_signature(text)`` returns None when the log shows no crash, or a dict:

``kind``
    ``sysrq``, ``oom``, ``hung_task``, ``soft_lockup``, ``hard_lockup``,
    ``nmi``, ``null_pointer``, ``page_fault``, ``gpf``, ``bug_on``
    (``kernel BUG at``), ``bug`` (other ``BUG:`` reports), ``warning``,
    ``oops`` (an ``Oops:`` with no line saying why) or ``panic`` (a panic
    with nothing before it).
``reason``
    What happened, normalised so that two occurrences of one bug read the
    same: addresses, offsets, CPU numbers, PIDs, task names, times and source
    line numbers are removed or replaced by ``<n>``/``<hex>``; the kernel's
    wordings of one fault across versions and architectures are merged (a
    NULL pointer dereference is ``kernel NULL pointer dereference`` on x86,
    arm64 and ppc64 alike).
``function``
    Where: the function of the faulting instruction (x86 ``RIP:``, arm64
    ``pc :``, ppc64 ``NIP [...]``, s390x ``Krnl PSW``), else the first frame
    of the call trace that is not generic (``GENERIC_FRAMES``); compiler
    suffixes (``.cold``, ``.isra.0``...) and the ppc64 ELFv1 leading dot are
    dropped.  None for ``oom`` and ``nmi``, where the interrupted code says
    nothing about the cause, and when no frame is readable.
``module``
    The ``[module]`` the function belongs to, or None (built into the kernel).
``taint``
    The taint letters of the crash (``Tainted: G        W  OE`` gives
    ``GWOE``), ``''`` for ``Not tainted``, None when the log does not say.
``oot_modules``
    When the taint has ``O`` (out-of-tree), ``P`` (proprietary) or ``E``
    (unsigned), the modules marked so in ``Modules linked in:``; else ``[]``.
``arch``
    ``x86_64``, ``i386``, ``arm64``, ``arm``, ``ppc64le``, ``ppc64``,
    ``s390x`` or None, guessed from register names, addresses and release.
``line``
    The log line the signature was read from (prefixes removed).
``title``
    ``reason`` and ``function`` in one phrase (``... in <function>``).
``id``
    ``signature_id(kind, reason, function)``: the first 12 hex digits of the
    SHA-1 of ``kind|reason|function``.  Taint, modules, architecture and
    kernel release are not part of it, so the same bug has the same id on
    every host and every boot.

Which report is the crash: a ``sysrq: Trigger a crash`` line makes it a
deliberate ``sysrq`` crash.  Otherwise the ``Kernel panic - not syncing:``
message decides when it names the detector (hung task, soft or hard lockup,
OOM, NMI, ``panic_on_warn``); a generic one (``Fatal exception``) defers to
the first oops-like report of the log, which is the cause - later reports of
a kernel already tainted ``D`` are its consequences.  Without a panic line the
first oops-like report counts, then warnings, then hung tasks.

Pure functions on text: nothing here reads a file except
``signature_from_file``.  Python 3.6 compatible.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import re

LOG_TAIL_BYTES = 4 * 1024 * 1024
ID_LENGTH = 12
KINDS = ('sysrq', 'oom', 'hung_task', 'soft_lockup', 'hard_lockup', 'nmi', 'null_pointer', 'page_fault', 'gpf',
         'bug_on', 'bug', 'warning', 'oops', 'panic')
# Kinds whose function is not reported: the code they interrupted is arbitrary.
KINDS_WITHOUT_FUNCTION = ('oom', 'nmi')
OOT_TAINTS = ('O', 'P', 'E')

# Frames that say how a report was produced, not where the bug is: stack
# dumping and panic, oops and trap handling, exception entry, the NMI and
# timer paths the watchdogs run in, sleeping and lock primitives (a task hung
# in mutex_lock is hung in its caller), sanitizer hooks and list debugging.
GENERIC_FRAMES = frozenset((
    # dumping and panicking
    'dump_stack', 'dump_stack_lvl', '__dump_stack', 'show_stack', 'show_trace_log_lvl', 'show_regs',
    'dump_backtrace', 'dump_backtrace_log_lvl', 'unwind_backtrace', 'printk', '_printk', 'vprintk',
    'vprintk_emit', 'vprintk_default', 'panic', 'vpanic', 'nmi_panic', 'check_panic_on_oom', 'dump_header',
    '__warn', 'warn_slowpath_common', 'warn_slowpath_fmt', 'warn_slowpath_null', '__warn_printk',
    'report_bug', 'handle_bug', 'bug_handler', 'die', '__die', '__die_body', 'oops_end', 'die_kernel_fault',
    # traps and faults
    'do_trap', 'do_error_trap', 'do_invalid_op', 'invalid_op', 'do_general_protection', 'general_protection',
    'page_fault', 'do_page_fault', '__do_page_fault', 'do_user_addr_fault', 'do_kern_addr_fault',
    'page_fault_oops', 'no_context', 'bad_area_nosemaphore', '__bad_area_nosemaphore',
    'kernelmode_fixup_or_oops', 'handle_page_fault', 'do_mem_abort', 'do_translation_fault',
    '__do_kernel_fault', 'do_bad_area', 'brk_handler', 'call_el1_break_hook', 'do_debug_exception',
    'bad_page_fault', '__bad_page_fault', 'program_check_exception', 'do_program_check', 'illegal_op',
    'do_report_trap', 'pgm_check_handler', 'do_undefinstr',
    # NMI and hard lockup detection
    'nmi_handle', 'default_do_nmi', 'do_nmi', 'nmi', 'end_repeat_nmi', 'repeat_nmi', 'first_nmi',
    'perf_event_nmi_handler', 'perf_event_overflow', '__perf_event_overflow', 'intel_pmu_handle_irq',
    'amd_pmu_handle_irq', 'x86_pmu_handle_irq', 'watchdog_overflow_callback', 'watchdog_hardlockup_check',
    'nmi_cpu_backtrace', 'arch_trigger_cpumask_backtrace', 'io_check_error', 'unknown_nmi_error',
    # timers, interrupts, soft lockup and hung task detection
    'watchdog', 'watchdog_timer_fn', 'softlockup_fn', 'softlockup_tick', 'check_hung_task',
    'check_hung_uninterruptible_tasks', 'hung_task_detector', '__hrtimer_run_queues', '__run_hrtimer',
    'hrtimer_interrupt', 'hrtimer_run_queues', 'local_apic_timer_interrupt', 'smp_apic_timer_interrupt',
    'apic_timer_interrupt', 'tick_sched_timer', 'tick_sched_handle', 'update_process_times',
    'irq_exit', 'irq_exit_rcu', '__irq_exit_rcu', '__do_softirq', 'do_softirq', 'handle_softirqs',
    'call_timer_fn', 'expire_timers', '__run_timers', 'run_timer_softirq', 'handle_domain_irq',
    '__handle_domain_irq', 'gic_handle_irq', 'call_on_irq_stack', 'do_interrupt_handler',
    # sleeping and locking
    '__switch_to', '__switch_to_asm', '__schedule', 'schedule', 'schedule_timeout', 'schedule_preempt_disabled',
    'io_schedule', 'io_schedule_timeout', 'schedule_hrtimeout', 'schedule_hrtimeout_range',
    'wait_for_completion', 'wait_for_completion_timeout', 'wait_for_completion_interruptible',
    'wait_for_completion_killable', 'wait_for_common', '__wait_for_common', 'do_wait_for_common',
    '__wait_on_bit', '__wait_on_bit_lock', 'out_of_line_wait_on_bit', 'out_of_line_wait_on_bit_lock',
    'bit_wait', 'bit_wait_io', '__lock_page', 'folio_wait_bit_common', 'folio_wait_bit', 'wait_on_page_bit',
    'wait_on_page_bit_common', 'rwsem_down_read_failed', 'rwsem_down_write_failed', 'rwsem_down_read_slowpath',
    'rwsem_down_write_slowpath', 'call_rwsem_down_read_failed', 'call_rwsem_down_write_failed',
    'down_read', 'down_write', 'down', '__down', '__down_common', 'down_interruptible', 'down_timeout',
    'mutex_lock', '__mutex_lock', '__mutex_lock_slowpath', 'mutex_lock_nested', 'mutex_lock_interruptible',
    'mutex_lock_killable', 'rt_mutex_lock', 'rt_spin_lock', '_raw_spin_lock', '_raw_spin_lock_irq',
    '_raw_spin_lock_irqsave', '_raw_spin_lock_bh', '_raw_read_lock', '_raw_write_lock',
    '_raw_write_lock_irq', '_raw_write_lock_irqsave', 'do_raw_spin_lock', 'native_queued_spin_lock_slowpath',
    'queued_spin_lock_slowpath', '__pv_queued_spin_lock_slowpath', 'queued_read_lock_slowpath',
    'queued_write_lock_slowpath', 'csd_lock_wait', 'smp_call_function_many', 'smp_call_function_many_cond',
    'smp_call_function_single', 'on_each_cpu', 'on_each_cpu_cond_mask', '__might_sleep', '___might_sleep',
    '__might_resched', '__might_fault', 'might_fault',
    # sanitizers and list debugging
    'write_comp_data', '__list_del_entry_valid', '__list_add_valid', '__list_del_entry_valid_or_report',
    '__list_add_valid_or_report', 'srso_alias_return_thunk', 'srso_return_thunk',
    # thread and syscall entry (bottom of every trace)
    'kthread', 'ret_from_fork', 'ret_from_fork_asm', '__ret_from_fork', 'ret_from_kernel_thread',
    'kernel_thread_helper', 'child_rip', 'worker_thread', 'process_one_work', 'process_scheduled_works',
    'smpboot_thread_fn', 'do_syscall_64', 'do_syscall_x64', 'system_call', 'system_call_fastpath',
    'syscall_exit', 'entry_SYSCALL_64', 'entry_SYSCALL_64_after_hwframe', 'invoke_syscall',
))
GENERIC_FRAME_PREFIXES = ('exc_', 'asm_', 'sysvec_', '__sysvec_', 'el0_', 'el0t_', 'el1_',
                          'el1h_', 'do_el0_', '__sanitizer_cov_', '__pfx_', 'kasan_', '__kasan_', 'ubsan_',
                          '__ubsan_')

_SYSLOG_PREFIX = re.compile(r'^(?:\S+\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\S+)(?:\s+\S+)?\s+kernel:\s?')
_LEVEL_PREFIX = re.compile(r'^<\d>')
_TIMESTAMP = re.compile(r'\[\s*\d+\.\d+\]|\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3}\s+\d+ \d{2}:\d{2}:\d{2} \d{4}\]')
_CALLER = re.compile(r'^\s?\[\s*(?P<caller>[TC]\d+)\]')

_PANIC = re.compile(r'Kernel panic - not syncing: ?(?P<message>.*)')
_EVENT_PATTERNS = (
    ('sysrq', re.compile(r'(?:sysrq: (?:SysRq : )?|SysRq : )Trigger a crash')),
    ('soft_lockup', re.compile(r'^(?:watchdog: )?BUG: soft lockup - CPU#\d+ stuck for \d+s!')),
    ('hard_lockup', re.compile(r'^(?:NMI watchdog: |watchdog: )?(?:Watchdog detected hard LOCKUP on cpu \d+'
                               r'|CPU \d+ self-detected hard LOCKUP|CPU \d+ detected hard LOCKUP on other CPUs)')),
    ('hung_task', re.compile(r'^INFO: task .+:\d+ blocked for more than \d+ seconds')),
    ('nmi', re.compile(r'^(?:Uhhuh\. NMI received for unknown reason|NMI: IOCK error|NMI: PCI system error)')),
    ('oom', re.compile(r'^Out of memory and no killable processes')),
    ('null_pointer', re.compile(r'^(?:BUG: (?:kernel|Kernel|unable to handle kernel) NULL pointer dereference'
                                r'|Unable to handle kernel NULL pointer dereference)')),
    ('page_fault', re.compile(r'^(?:BUG: unable to handle (?:page fault|kernel paging request)'
                              r'|BUG: Unable to handle kernel (?:data|instruction|unaligned) access'
                              r'|Unable to handle kernel (?:paging request|pointer dereference|access))')),
    ('gpf', re.compile(r'^(?:Oops: )?general protection fault')),
    ('bug_on', re.compile(r'^kernel BUG at ')),
    ('bug', re.compile(r'^BUG: ')),
    ('warning', re.compile(r'^WARNING: ')),
)
# Lines that belong to the report started just before them (the x86 "Oops:"
# after a "BUG:" line, the arm64 "Internal error:" after "Unable to handle"):
# they start a report of their own only when nothing started one shortly before.
_CONTINUATION = re.compile(r'^(?:Oops[: ]|Internal error: |invalid opcode: |illegal operation: |'
                           r'Oops - BUG|kernel BUG at |Faulting instruction address)')
CONTINUATION_WINDOW = 24
# Report kinds a crash is made of (informational reports excluded).
_OOPS_KINDS = ('soft_lockup', 'hard_lockup', 'null_pointer', 'page_fault', 'gpf', 'bug_on', 'bug', 'oops')

_PANIC_KINDS = (
    ('sysrq', re.compile(r'sysrq triggered crash', re.I)),
    ('hung_task', re.compile(r'hung_task: blocked tasks')),
    ('soft_lockup', re.compile(r'softlockup: hung tasks')),
    ('hard_lockup', re.compile(r'hard LOCKUP|hardlockup', re.I)),
    ('oom', re.compile(r'out of memory|deadlocked on memory|panic_on_oom', re.I)),
    ('warning', re.compile(r'panic_on_warn')),
    ('nmi', re.compile(r'\bNMI\b|nmi watchdog', re.I)),
)
_PANIC_FOLLOWS_OOPS = re.compile(r'Fatal exception|^Oops|Attempted to kill the idle task|Aiee, killing interrupt')

_BLOCK_END = re.compile(r'---\[ end trace|---\[ end Kernel panic|NMI backtrace for cpu|Sending NMI from CPU|'
                        r'^CPU\d+: stopping|^SMP: stopping')
_RIP = re.compile(r'^(?:RIP|IP): (?:(?P<cs>[0-9a-f]{4}):)?(?:\[<[0-9a-f]+>\]\s+\[<[0-9a-f]+>\]\s+|\[<[0-9a-f]+>\]\s+)?'
                  r'(?P<sym>[A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+/0x[0-9a-f]+(?:\s+\[(?P<mod>[\w-]+)\])?')
_PC = re.compile(r'^(?:pc : |PC is at |EIP is at |NIP \[[0-9a-f]+\] )(?P<sym>[A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+/0x[0-9a-f]+'
                 r'(?:\s+\[(?P<mod>[\w-]+)\])?')
_PSW = re.compile(r'^Krnl PSW : [0-9a-f]+ [0-9a-f]+ \((?P<sym>[A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+/0x[0-9a-f]+'
                  r'(?:\s+\[(?P<mod>[\w-]+)\])?\)')
_USER_CS = ('0033', '0023', '002b', 'e033')
_TRACE_START = re.compile(r'^\s*(?:Call Trace|Call trace|Backtrace|Stack trace)\s*:?\s*$')
_MARKER = re.compile(r'^\s*(?:<{1,2}/?(?:NMI|IRQ|EOE|EOI|TASK|SOFTIRQ)>{1,2}\s*)+')
_FRAME_X86 = re.compile(r'^\s*(?:\(?\[<[0-9a-f]+>\]\)?\s+)?(?P<unreliable>\?\s+)?'
                        r'(?P<sym>[A-Za-z_.$][\w.$]*)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?'
                        r'(?:\s+\S+\.[chS]:\d+)?(?:\s+\[(?P<mod>[\w-]+)\])?\)?\s*(?P<tail>.*)$')
_FRAME_PPC = re.compile(r'^\s*\[[0-9a-f]+\]\s+\[[0-9a-f]+\]\s+(?P<sym>[A-Za-z_.$][\w.$]*)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?'
                        r'(?:\s+\S+\.[chS]:\d+)?(?:\s+\[(?P<mod>[\w-]+)\])?\s*(?P<tail>.*)$')
_FRAME_ARM = re.compile(r'^\s*\[<[0-9a-f]+>\]\s+\((?P<sym>[A-Za-z_.$][\w.$]*)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?'
                        r'(?:\s+\[(?P<mod>[\w-]+)\])?\)\s+from\s')
_FRAME_RAW = re.compile(r'^\s*\(?\[<[0-9a-f]+>\]\s+(?:\?\s+)?0x[0-9a-f]+\)?|^\s*\?\s+0x[0-9a-f]+|^\s*0x[0-9a-f]+')
_REGISTER_LINE = re.compile(r'^\s*(?:RIP|RSP|RAX|RBX|RCX|RDX|RBP|RSI|RDI|R\d+|FS|GS|CS|CR\d|DR\d|PKRU|Code|EFLAGS|'
                            r'ORIG_RAX|r\d+|Exception stack)\b|^\s*(?:r\d+:|\.\.\.)')
_TAINT = re.compile(r'(?:^|\s)(?:(?P<not>Not tainted)|Tainted: (?P<flags>.*))')
_MODULES = re.compile(r'^Modules linked in:(?P<rest>.*)$')
_MODULE_TOKEN = re.compile(r'^(?P<name>[\w-]+)(?P<flags>(?:\([A-Z+\-]+\))*)$')
_LAST_UNLOADED = re.compile(r'\[last unloaded:[^\]]*\]')


def signature_id(kind, reason, function):
    """The short stable id of a signature: SHA-1 of ``kind|reason|function``, first ``ID_LENGTH`` hex digits."""
    text = '%s|%s|%s' % (kind or '', reason or '', function or '')
    return hashlib.sha1(text.encode('utf-8')).hexdigest()[:ID_LENGTH]


def strip_prefix(line):
    """``(text, caller)``: one log line without syslog, printk level, timestamp and caller id prefixes.

    Anything before the first timestamp is dropped too (console lines often
    start with what the console printed before the kernel did).  ``caller`` is
    the ``T<pid>``/``C<cpu>`` caller id or None.
    """
    text = _SYSLOG_PREFIX.sub('', line.rstrip('\r\n'), count=1)
    text = _LEVEL_PREFIX.sub('', text, count=1)
    match = _TIMESTAMP.search(text)
    if match:
        text = text[match.end():]
    caller = None
    match = _CALLER.match(text)
    if match:
        caller = match.group('caller')
        text = text[match.end():]
    if text.startswith(' '):
        text = text[1:]
    text = _LEVEL_PREFIX.sub('', text, count=1)
    return text.rstrip(), caller


def parse_log_lines(text):
    """The lines of a kernel log as ``(text, caller)`` pairs (see ``strip_prefix``)."""
    return [strip_prefix(line) for line in (text or '').splitlines()]


def function_name(symbol):
    """A symbol without the ppc64 ELFv1 leading dot and compiler suffixes (``.cold``, ``.isra.0``, ``.part.1``)."""
    if not symbol:
        return None
    name = symbol.lstrip('.').split('.', 1)[0]
    return name or None


def is_generic_frame(name):
    """Whether a function only reports or transports a crash (``GENERIC_FRAMES``, ``GENERIC_FRAME_PREFIXES``)."""
    return name in GENERIC_FRAMES or name.startswith(GENERIC_FRAME_PREFIXES)


def _find_events(lines):
    """Every report start in the log: a list of dicts ``index``, ``kind``, ``text``, ``caller``."""
    events = []
    last_start = None
    for index, (text, caller) in enumerate(lines):
        body = text.strip()
        if not body:
            continue
        panic = _PANIC.search(body)
        if panic and '---[ end' not in body:
            events.append({'index': index, 'kind': 'panic', 'text': body[panic.start():], 'caller': caller,
                           'message': panic.group('message').strip()})
            continue
        kind = None
        for candidate, pattern in _EVENT_PATTERNS:
            if pattern.search(body):
                kind = candidate
                break
        continuation = _CONTINUATION.match(body)
        if continuation and last_start is not None and index - last_start <= CONTINUATION_WINDOW:
            continue
        if kind is None and continuation:
            kind = 'oops'
        if kind is None:
            continue
        events.append({'index': index, 'kind': kind, 'text': body, 'caller': caller})
        if kind in _OOPS_KINDS or kind == 'warning':
            last_start = index
    return events


def classify_panic(message):
    """The kind a ``Kernel panic - not syncing:`` message names, or None when it only follows an oops."""
    if _PANIC_FOLLOWS_OOPS.search(message or ''):
        return None
    for kind, pattern in _PANIC_KINDS:
        if pattern.search(message or ''):
            return kind
    return None


def _select(events):
    """``(primary event, kind)`` of the crash; see the module docstring for the order."""
    panics = [event for event in events if event['kind'] == 'panic']
    panic = panics[0] if panics else None
    before = [event for event in events if event['kind'] != 'panic' and (panic is None or event['index'] < panic['index'])]
    sysrq = [event for event in before if event['kind'] == 'sysrq']
    if sysrq:
        return sysrq[-1], 'sysrq'
    panic_kind = classify_panic(panic['message']) if panic else None
    if panic_kind == 'hung_task':
        group = []
        for event in reversed(before):
            if event['kind'] != 'hung_task':
                break
            group.append(event)
        return (group[-1] if group else panic), 'hung_task'
    if panic_kind is not None:
        same = [event for event in before if event['kind'] == panic_kind]
        return (same[-1] if same else panic), panic_kind
    for kinds in (_OOPS_KINDS, ('oom',)):
        found = [event for event in before if event['kind'] in kinds]
        if found:
            return found[0], found[0]['kind']
    if panic is not None:
        return panic, 'panic'
    for kind in ('warning', 'hung_task', 'nmi'):
        found = [event for event in before if event['kind'] == kind]
        if found:
            return found[0], kind
    return None, None


def _block(lines, events, primary, kind):
    """The line indexes that belong to the primary report (same caller id when the log has them)."""
    start = primary['index']
    terminators = [event['index'] for event in events
                   if event['index'] > start and event['kind'] not in ('panic', 'nmi')
                   and (primary['caller'] is None or event['caller'] in (None, primary['caller']))]
    if kind == 'sysrq' and terminators and terminators[0] - start <= 10:
        # the oops the trigger causes on older kernels is part of the sysrq report
        terminators = terminators[1:]
    end = terminators[0] if terminators else len(lines)
    block = []
    for index in range(start, end):
        text, caller = lines[index]
        if primary['caller'] is not None and caller not in (None, primary['caller']):
            continue
        if index > start and _BLOCK_END.search(text.strip()):
            break
        block.append(index)
    return block


def _instruction_pointer(text):
    """``(function, module)`` of an instruction pointer line in kernel mode, or None."""
    body = text.strip()
    match = _RIP.match(body)
    if match:
        if match.group('cs') and match.group('cs') in _USER_CS:
            return None
        return function_name(match.group('sym')), match.group('mod')
    for pattern in (_PC, _PSW):
        match = pattern.match(body)
        if match:
            return function_name(match.group('sym')), match.group('mod')
    return None


def _module(name):
    """A module name from a ``[name]`` suffix; syzbot's ``[inline]`` marks an inlined frame, not a module."""
    return None if name in (None, 'inline') else name


def _frame(text):
    """``(function, module, reliable)`` of one call trace line, ``'marker'``, or None when it is no frame."""
    rest = _MARKER.sub('', text)
    if rest != text and not rest.strip():
        return 'marker'
    if not rest.strip():
        return None
    if _FRAME_RAW.match(rest):
        return (None, None, False)
    for pattern in (_FRAME_ARM, _FRAME_PPC):
        match = pattern.match(rest)
        if match:
            unreliable = '(unreliable)' in (match.groupdict().get('tail') or '')
            return function_name(match.group('sym')), _module(match.group('mod')), not unreliable
    match = _FRAME_X86.match(rest)
    if not match or ('+0x' not in rest and not re.search(r'\.[chS]:\d+', rest)):
        return None
    tail = match.group('tail') or ''
    if tail and not tail.startswith(('(unreliable)', '[inline]')):
        return None
    unreliable = bool(match.group('unreliable')) or tail.startswith('(unreliable)')
    return function_name(match.group('sym')), _module(match.group('mod')), not unreliable


def _trace_frames(lines, block):
    """``(function, module)`` of the reliable call trace frames in the block, in order; NMI sections skipped."""
    frames = []
    in_trace = False
    in_nmi = False
    for index in block:
        text = lines[index][0]
        if _TRACE_START.match(text):
            in_trace = True
            continue
        if not in_trace:
            continue
        if '<NMI>' in text:
            in_nmi = True
        if '</NMI>' in text or 'EOE>' in text:
            in_nmi = False
        frame = _frame(text)
        if frame == 'marker':
            continue
        if frame is None:
            if _REGISTER_LINE.match(text) or not text.strip():
                continue
            in_trace = False
            continue
        function, module, reliable = frame
        if reliable and function and not in_nmi:
            frames.append((function, module))
    return frames


def _locate(lines, block, kind, primary):
    """``(function, module)`` of the crash: the instruction pointer, else the first non-generic frame."""
    if kind in KINDS_WITHOUT_FUNCTION:
        return None, None
    candidates = []
    if kind == 'warning':
        match = re.search(r'\s(?P<sym>[A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+/0x[0-9a-f]+(?:\s+\[(?P<mod>[\w-]+)\])?',
                          primary['text'])
        if match:
            candidates.append((function_name(match.group('sym')), match.group('mod')))
    for index in block:
        found = _instruction_pointer(lines[index][0])
        if found:
            candidates.append(found)
            break
    candidates.extend(_trace_frames(lines, block))
    for function, module in candidates:
        if function and not is_generic_frame(function):
            return function, module
    return None, None


def parse_taint(text):
    """The taint letters of a ``Tainted:``/``Not tainted`` line (``''`` for not tainted), or None."""
    match = _TAINT.search(text)
    if not match:
        return None
    if match.group('not'):
        return ''
    if match.group('flags').startswith('['):
        # the second taint line of newer kernels: "Tainted: [O]=OOT_MODULE, [W]=WARN"
        return ''.join(re.findall(r'\[([A-Z])\]=', match.group('flags')))
    letters = []
    for token in match.group('flags').split():
        if token[:1].isdigit() or token.startswith('['):
            break
        if re.match(r'^[A-Z]+$', token):
            letters.append(token)
    return ''.join(letters)


def _taint(lines, block):
    for index in block:
        taint = parse_taint(lines[index][0])
        if taint is not None:
            return taint
    return None


def parse_modules(lines, index):
    """``(name, flags)`` of the modules in the ``Modules linked in:`` line at ``index`` and its continuation lines."""
    match = _MODULES.match(lines[index][0].strip())
    if not match:
        return []
    caller = lines[index][1]
    texts = [match.group('rest')]
    for text, line_caller in lines[index + 1:]:
        if caller is not None and line_caller not in (None, caller):
            continue
        body = _LAST_UNLOADED.sub('', text).strip()
        if not text.startswith((' ', '\t')) or not body:
            break
        if not all(_MODULE_TOKEN.match(token) for token in body.split()):
            break
        texts.append(body)
    modules = []
    for token in _LAST_UNLOADED.sub('', ' '.join(texts)).split():
        match = _MODULE_TOKEN.match(token)
        if match:
            modules.append((match.group('name'), ''.join(re.findall(r'[A-Z+\-]', match.group('flags')))))
    return modules


def _oot_modules(lines, block, primary_index, taint):
    if not taint or not any(letter in taint for letter in OOT_TAINTS):
        return []
    candidates = [index for index in block if _MODULES.match(lines[index][0].strip())]
    if not candidates:
        candidates = [index for index in range(primary_index - 1, -1, -1) if _MODULES.match(lines[index][0].strip())][:1]
    if not candidates:
        return []
    names = []
    for name, flags in parse_modules(lines, candidates[0]):
        if any(letter in flags for letter in OOT_TAINTS) and name not in names:
            names.append(name)
    return names


def guess_arch(lines):
    """The architecture the log comes from (register names, kernel addresses, release), or None."""
    text = '\n'.join(line for line, _caller in lines)
    if 'Krnl PSW' in text or 'Krnl GPRS' in text or re.search(r'\.s390x\b', text):
        return 's390x'
    if re.search(r'(?m)^NIP[: ]|^GPR00:|^MSR: ', text) or re.search(r'\.ppc64(?:le)?\b', text):
        little = re.search(r'(?m)^LE |[<,]LE>|,LE,|\.ppc64le\b|\bppc64le\b', text)
        return 'ppc64le' if little else 'ppc64'
    if re.search(r'(?m)^pstate: |^\s*x29: |\bel[01]t?_\w+\+0x|\bel0_svc\w*\+0x|__arm64_sys_|\.aarch64\b', text) \
            or re.search(r'\[<ffffff80[0-9a-f]{8}>\]|\[<ffff8000[0-9a-f]{8}>\]', text):
        return 'arm64'
    if re.search(r'(?m)^pc : \[<[0-9a-f]{8}>\]|\bpsr: [0-9a-f]{8}|^PC is at ', text):
        return 'arm'
    if re.search(r'(?m)^RIP: |^RSP: |entry_SYSCALL_64|\.x86_64\b|-amd64\b|\[<ffffffff[89abc][0-9a-f]{7}>\]'
                 r'|Hardware name: QEMU Standard PC', text):
        return 'x86_64'
    if re.search(r'(?m)^EIP: |^EIP is at ', text):
        return 'i386'
    return None


_PATH_PREFIX = re.compile(r'\S*?/(?=(?:arch|block|certs|crypto|drivers|fs|include|init|io_uring|ipc|kernel|lib|mm|net|'
                          r'rust|samples|security|sound|virt)/)')


def _normalise(text):
    """Addresses, numbers, CPU ids, tasks and source lines out of a report line."""
    text = re.sub(r'\s*\[#\d+\].*$', '', text)
    text = _PATH_PREFIX.sub('', text)
    text = re.sub(r'(\S+\.(?:c|h|S|rs)):\d+', r'\1', text)
    text = re.sub(r'\s*\[[^\]\s]*:\d+\]$', '', text)
    text = re.sub(r',\s*[^,\s]+/\d+$', '', text)
    text = re.sub(r'CPU#?\s*\d+|cpu\s+\d+', lambda match: re.sub(r'\d+', '<n>', match.group(0)), text)
    text = re.sub(r'0x[0-9a-fA-F]+|\b[0-9a-fA-F]{8,}\b', '<hex>', text)
    text = re.sub(r'(?<![\w.<-])\d+(?![\w.>-])', '<n>', text)
    return re.sub(r'\s+', ' ', text).strip().rstrip('!.: ') if text else text


def normalise_reason(kind, event):
    """The reason of a report of ``kind`` (see the module docstring)."""
    text = event['text']
    if kind == 'sysrq':
        return 'sysrq triggered crash'
    if kind == 'null_pointer':
        return 'kernel NULL pointer dereference'
    if kind == 'page_fault':
        return 'unable to handle kernel paging request'
    if kind == 'gpf':
        return 'general protection fault'
    if kind == 'soft_lockup':
        return 'soft lockup'
    if kind == 'hard_lockup':
        return 'hard LOCKUP'
    if kind == 'hung_task':
        return 'hung_task: blocked tasks'
    if kind == 'bug_on':
        match = re.match(r'kernel BUG at (?P<where>[^!]+)', text)
        return 'kernel BUG at %s' % _normalise(match.group('where')) if match else 'kernel BUG'
    if kind == 'warning':
        match = re.match(r'WARNING: (?:CPU: \d+ PID: \d+ )?at (?P<where>\S+)', text)
        if match:
            return 'WARNING at %s' % _normalise(match.group('where'))
        return _normalise(text)
    if kind == 'nmi' and text.startswith('Uhhuh.'):
        # the reason byte mixes in timer bits: the same NMI source shows 2d and 3d
        return 'NMI received for unknown reason'
    if kind == 'bug':
        text = re.sub(r'^(BUG: scheduling while atomic).*$', r'\1', text)
        return _normalise(text)
    if event['kind'] == 'panic':
        return _normalise(event['message'])
    return _normalise(text)


def panic_signature(text):
    """The signature of the crash in a kernel log, or None when it shows none (see the module docstring)."""
    lines = parse_log_lines(text)
    events = _find_events(lines)
    primary, kind = _select(events)
    if primary is None:
        return None
    block = _block(lines, events, primary, kind)
    function, module = _locate(lines, block, kind, primary)
    reason = normalise_reason(kind, primary)
    taint = _taint(lines, block)
    signature = {
        'kind': kind,
        'reason': reason,
        'function': function,
        'module': module,
        'taint': taint,
        'oot_modules': _oot_modules(lines, block, primary['index'], taint),
        'arch': guess_arch(lines),
        'line': primary['text'],
        'title': '%s in %s' % (reason, function) if function else reason,
        'id': signature_id(kind, reason, function),
    }
    return signature


def signature_from_file(path, limit=LOG_TAIL_BYTES):
    """``panic_signature`` of the last ``limit`` bytes of a log file; raises IOError/OSError."""
    with open(path, 'rb') as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - limit))
        data = handle.read()
    return panic_signature(data.decode('utf-8', 'replace'))
