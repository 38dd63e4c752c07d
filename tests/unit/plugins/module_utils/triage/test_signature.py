# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Panic signatures of real kernel logs: kind, function, taint; one id per bug, another for every other bug."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.triage.signature import (
    classify_panic,
    function_name,
    guess_arch,
    is_generic_frame,
    normalise_reason,
    panic_signature,
    parse_log_lines,
    parse_taint,
    signature_from_file,
    signature_id,
    strip_prefix,
)
from ansible_collections.crashdump.kdump.tests.unit.fixture_files import FIXTURES, PANIC


def fixture_path(name):
    if name.startswith('vmcore/'):
        return os.path.join(FIXTURES, name)
    return os.path.join(PANIC, name)


def read(name):
    with open(fixture_path(name), 'rb') as handle:
        return handle.read().decode('utf-8')


# fixture: (kind, function, module, taint, oot_modules, arch)
EXPECTED = {
    'vmcore/debian12_dmesg_panic.txt': ('sysrq', 'sysrq_handle_crash', None, '', [], 'x86_64'),
    'vmcore/vmcore-dmesg_el8_sysrq.txt': ('sysrq', 'sysrq_handle_crash', None, '', [], 'x86_64'),
    'arm64_hung_task_panic_jetson.txt': ('hung_task', 'iterate_supers', None, '', [], 'arm64'),
    'arm64_null_pointer_bpf_qemu.txt': ('null_pointer', 'may_access_direct_pkt_data', None, '', [], 'arm64'),
    'ppc64_page_fault_ipr_el7.txt': ('page_fault', 'ipr_pci_error_detected', 'ipr', 'GW', [], 'ppc64'),
    'ppc64le_page_fault_pseries.txt': ('page_fault', 'partition_sched_domains_locked', None, '', [], 'ppc64le'),
    's390x_page_fault_panic_on_oops.txt': ('page_fault', 'blk_rq_merge_ok', None, '', [], 's390x'),
    'x86_64_bug_on_list_debug_fc34.txt': ('bug_on', '__dentry_kill', None, 'POE', [], 'x86_64'),
    'x86_64_bug_sleeping_function_hibernate_fc15.txt': ('bug', '__kmalloc', None, 'P', [], 'x86_64'),
    'x86_64_bug_sleeping_function_suspend_fc15.txt': ('bug', '__kmalloc', None, '', [], 'x86_64'),
    'x86_64_general_protection_fault_tipc_syzbot.txt': ('gpf', '__tipc_sendstream', None, '', [], 'x86_64'),
    'x86_64_hard_lockup_panic_ipmi.txt': ('hard_lockup', 'io_idle', None, 'GO', ['bcmcrypt'], 'x86_64'),
    'x86_64_hung_task_spl_el7_boot1.txt': ('hung_task', 'kthread_create_on_node', None, None, [], 'x86_64'),
    'x86_64_hung_task_spl_el7_boot2.txt': ('hung_task', 'kthread_create_on_node', None, None, [], 'x86_64'),
    'x86_64_hung_task_spl_el7_boot3.txt': ('hung_task', 'kthread_create_on_node', None, None, [], 'x86_64'),
    'x86_64_nmi_hpwdt_panic_pve.txt': ('nmi', None, None, 'PO', [], 'x86_64'),
    'x86_64_null_pointer_atlantic_manjaro.txt': ('null_pointer', 'aq_ring_rx_fill', 'atlantic', 'POE', [], 'x86_64'),
    'x86_64_oom_no_killable_panic_qemu.txt': ('oom', None, None, 'GWOE', [], 'x86_64'),
    'x86_64_oom_panic_el7.txt': ('oom', None, None, '', [], 'x86_64'),
    'x86_64_soft_lockup_panic_xfs_qemu.txt': ('soft_lockup', 'xfs_perag_grab_tag', None, '', [], 'x86_64'),
    'x86_64_warning_lis3lv02d_dv6_fc16.txt': ('warning', 'lis3lv02d_get_pwron_wait', 'lis3lv02d', '', [], 'x86_64'),
    'x86_64_warning_lis3lv02d_dv7_fc16.txt': ('warning', 'lis3lv02d_get_pwron_wait', 'lis3lv02d', '', [], 'x86_64'),
}

# The same bug, logged on two hosts or in two boots.
SAME_BUG = [
    ('vmcore/debian12_dmesg_panic.txt', 'vmcore/vmcore-dmesg_el8_sysrq.txt'),
    ('x86_64_bug_sleeping_function_suspend_fc15.txt', 'x86_64_bug_sleeping_function_hibernate_fc15.txt'),
    ('x86_64_warning_lis3lv02d_dv6_fc16.txt', 'x86_64_warning_lis3lv02d_dv7_fc16.txt'),
    ('x86_64_hung_task_spl_el7_boot1.txt', 'x86_64_hung_task_spl_el7_boot2.txt'),
    ('x86_64_hung_task_spl_el7_boot1.txt', 'x86_64_hung_task_spl_el7_boot3.txt'),
]


def test_every_fixture_in_the_directory_has_an_expectation():
    names = sorted(name for name in os.listdir(PANIC) if name.endswith('.txt'))
    assert names == sorted(name for name in EXPECTED if not name.startswith('vmcore/'))


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_signature_of_each_real_log(name):
    signature = panic_signature(read(name))
    kind, function, module, taint, oot_modules, arch = EXPECTED[name]
    assert (signature['kind'], signature['function'], signature['module']) == (kind, function, module)
    assert (signature['taint'], signature['oot_modules'], signature['arch']) == (taint, oot_modules, arch)
    assert signature['id'] == signature_id(signature['kind'], signature['reason'], signature['function'])
    assert len(signature['id']) == 12 and int(signature['id'], 16) >= 0


@pytest.mark.parametrize('first, second', SAME_BUG)
def test_the_same_bug_on_two_hosts_or_boots_has_one_id(first, second):
    one, other = panic_signature(read(first)), panic_signature(read(second))
    assert (one['kind'], one['reason'], one['function']) == (other['kind'], other['reason'], other['function'])
    assert one['id'] == other['id']


def test_every_other_bug_has_its_own_id():
    same = {}
    for first, second in SAME_BUG:
        group = same.get(first) or same.get(second) or set([first])
        group.update((first, second))
        for name in group:
            same[name] = group
    ids = {}
    for name in EXPECTED:
        bug = min(same.get(name, set([name])))
        ids.setdefault(panic_signature(read(name))['id'], set()).add(bug)
    assert all(len(bugs) == 1 for bugs in ids.values()), ids
    assert len(ids) == len(set(min(same.get(name, set([name]))) for name in EXPECTED))


@pytest.mark.parametrize('name, reason', [
    ('vmcore/debian12_dmesg_panic.txt', 'sysrq triggered crash'),
    ('x86_64_bug_on_list_debug_fc34.txt', 'kernel BUG at lib/list_debug.c'),
    ('x86_64_bug_sleeping_function_suspend_fc15.txt', 'BUG: sleeping function called from invalid context at mm/slub.c'),
    ('x86_64_warning_lis3lv02d_dv7_fc16.txt', 'WARNING at drivers/misc/lis3lv02d/lis3lv02d.c'),
    ('x86_64_oom_panic_el7.txt', 'Out of memory: system-wide panic_on_oom is enabled'),
    ('x86_64_oom_no_killable_panic_qemu.txt', 'Out of memory and no killable processes'),
    ('arm64_null_pointer_bpf_qemu.txt', 'kernel NULL pointer dereference'),
    ('x86_64_null_pointer_atlantic_manjaro.txt', 'kernel NULL pointer dereference'),
    ('s390x_page_fault_panic_on_oops.txt', 'unable to handle kernel paging request'),
    ('ppc64le_page_fault_pseries.txt', 'unable to handle kernel paging request'),
    ('x86_64_general_protection_fault_tipc_syzbot.txt', 'general protection fault'),
    ('x86_64_hard_lockup_panic_ipmi.txt', 'hard LOCKUP'),
    ('x86_64_soft_lockup_panic_xfs_qemu.txt', 'soft lockup'),
    ('arm64_hung_task_panic_jetson.txt', 'hung_task: blocked tasks'),
])
def test_reasons_are_normalised_and_merged_across_architectures(name, reason):
    assert panic_signature(read(name))['reason'] == reason


def test_title_names_reason_and_function():
    signature = panic_signature(read('x86_64_null_pointer_atlantic_manjaro.txt'))
    assert signature['title'] == 'kernel NULL pointer dereference in aq_ring_rx_fill'
    assert signature['line'] == 'BUG: kernel NULL pointer dereference, address: 0000000000000008'


def test_hard_lockup_is_read_from_its_own_cpu_among_interleaved_nmi_reports():
    signature = panic_signature(read('x86_64_hard_lockup_panic_ipmi.txt'))
    assert signature['line'] == 'watchdog: Watchdog detected hard LOCKUP on cpu 33'
    assert signature['oot_modules'] == ['bcmcrypt']


def test_hung_task_blocked_frame_is_used_not_the_watchdog_that_panics():
    signature = panic_signature(read('arm64_hung_task_panic_jetson.txt'))
    assert signature['line'].startswith('INFO: task balenad:4049 blocked')
    assert signature['function'] == 'iterate_supers'


def test_a_log_without_a_crash_has_no_signature():
    lines = read('x86_64_hung_task_spl_el7_boot1.txt').splitlines()[:5]
    assert panic_signature('\n'.join(lines)) is None
    assert panic_signature('') is None


@pytest.mark.parametrize('transform', [
    pytest.param(lambda line: line, id='as saved'),
    pytest.param(lambda line: line[line.index(']') + 2:] if line.startswith('[') else line, id='no timestamps'),
    pytest.param(lambda line: 'Jan 26 10:42:01 db-7 kernel: ' + line, id='syslog'),
    pytest.param(lambda line: '<4>' + line, id='printk level'),
    pytest.param(lambda line: line.replace('] ', '][ T608] ', 1) if line.startswith('[') else line, id='caller id'),
])
def test_the_same_log_through_another_logger_has_the_same_signature(transform):
    text = read('vmcore/debian12_dmesg_panic.txt')
    converted = '\n'.join(transform(line) for line in text.splitlines())
    assert panic_signature(converted) == panic_signature(text)


def test_signature_from_file_reads_the_tail(tmp_path):
    log = tmp_path / 'dmesg.202601261042'
    log.write_bytes(b'\xff\xfe not utf-8 boot noise\n' * 10 + read('s390x_page_fault_panic_on_oops.txt').encode('utf-8'))
    assert signature_from_file(str(log)) == panic_signature(read('s390x_page_fault_panic_on_oops.txt'))


@pytest.mark.parametrize('line, text, caller', [
    ('[  339.503217] sysrq: Trigger a crash', 'sysrq: Trigger a crash', None),
    ('[  904.196122] [     C33] watchdog: Watchdog detected hard LOCKUP on cpu 33',
     'watchdog: Watchdog detected hard LOCKUP on cpu 33', 'C33'),
    ('[ 2052.051868][ T1668] Kernel panic - not syncing: Oops: Fatal exception',
     'Kernel panic - not syncing: Oops: Fatal exception', 'T1668'),
    ('<0>[79512.675304] Kernel panic - not syncing: Oops: Fatal exception',
     'Kernel panic - not syncing: Oops: Fatal exception', None),
    ('Nov 23 22:01:55 **** kernel: RIP: 0010:aq_ring_rx_fill+0xd1/0x200 [atlantic]',
     'RIP: 0010:aq_ring_rx_fill+0xd1/0x200 [atlantic]', None),
    (u'\u0438\u044e\u043b 27 14:08:04 laptop kernel: kernel BUG at lib/list_debug.c:51!',
     'kernel BUG at lib/list_debug.c:51!', None),
    (' kernel:[405108.698255] watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [chia_plot:29632]',
     'watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [chia_plot:29632]', None),
    ('apollo login: [ 9500.744813] Kernel panic - not syncing: An NMI occurred.',
     'Kernel panic - not syncing: An NMI occurred.', None),
    ('[  339.504713]  dump_stack_lvl+0x44/0x5c', ' dump_stack_lvl+0x44/0x5c', None),
])
def test_prefixes_are_removed(line, text, caller):
    assert strip_prefix(line) == (text, caller)


@pytest.mark.parametrize('kind, line, reason', [
    # lines quoted from the public reports cited in tests/unit/fixtures/panic/README.md
    ('soft_lockup', 'watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [swapper/2:0]', 'soft lockup'),
    ('bug', 'BUG: spinlock lockup suspected on CPU#3, gdbus/2329', 'BUG: spinlock lockup suspected on CPU#<n>'),
    ('bug', 'BUG: spinlock lockup suspected on CPU#2, sugov:0/1069', 'BUG: spinlock lockup suspected on CPU#<n>'),
    ('bug_on', 'kernel BUG at /usr/src/kernel/arch/x86/kvm/mmu/mmu.c:3722!', 'kernel BUG at arch/x86/kvm/mmu/mmu.c'),
    ('bug_on', 'kernel BUG at drivers/scsi/scsi_lib.c:660!', 'kernel BUG at drivers/scsi/scsi_lib.c'),
    ('warning', 'WARNING: CPU: 7 PID: 2156 at mm/page_alloc.c:4727 __alloc_pages_nodemask+0x25c/0x320',
     'WARNING at mm/page_alloc.c'),
    ('oops', 'Oops: Kernel access of bad area, sig: 11 [#1]', 'Oops: Kernel access of bad area, sig: <n>'),
    ('nmi', 'Uhhuh. NMI received for unknown reason 3d on CPU 97.', 'NMI received for unknown reason'),
    ('nmi', 'Uhhuh. NMI received for unknown reason 2d on CPU 99.', 'NMI received for unknown reason'),
])
def test_reason_normalisation_of_real_report_lines(kind, line, reason):
    assert normalise_reason(kind, {'kind': kind, 'text': line}) == reason


@pytest.mark.parametrize('message, kind', [
    ('sysrq triggered crash', 'sysrq'),
    ('hung_task: blocked tasks', 'hung_task'),
    ('softlockup: hung tasks', 'soft_lockup'),
    ('Hard LOCKUP', 'hard_lockup'),
    ('Watchdog detected hard LOCKUP on cpu 1', 'hard_lockup'),
    ('Out of memory: compulsory panic_on_oom is enabled', 'oom'),
    ('System is deadlocked on memory', 'oom'),
    ('NMI: Not continuing', 'nmi'),
    ('Fatal exception', None),
    ('Fatal exception in interrupt', None),
    ('Oops: Fatal exception', None),
    ('Fatal exception: panic_on_oops', None),
    ('Attempted to kill the idle task!', None),
    ('VFS: Unable to mount root fs on unknown-block(0,0)', None),
])
def test_panic_messages_name_their_detector(message, kind):
    assert classify_panic(message) == kind


def test_a_panic_with_nothing_before_it_is_its_own_report():
    text = read('x86_64_oom_panic_el7.txt').replace('Out of memory: system-wide panic_on_oom is enabled',
                                                    'VFS: Unable to mount root fs on unknown-block(0,0)')
    signature = panic_signature(text)
    assert signature['kind'] == 'panic'
    assert signature['reason'] == 'VFS: Unable to mount root fs on unknown-block(<n>,<n>)'


@pytest.mark.parametrize('symbol, name', [
    ('.ipr_pci_error_detected', 'ipr_pci_error_detected'),
    ('__list_del_entry_valid.cold', '__list_del_entry_valid'),
    ('nmi_handle.part.0', 'nmi_handle'),
    ('find_valid_gpt.constprop.0', 'find_valid_gpt'),
    ('csd_lock_wait.isra.1', 'csd_lock_wait'),
    ('gic_handle_irq.22273', 'gic_handle_irq'),
    ('may_access_direct_pkt_data', 'may_access_direct_pkt_data'),
])
def test_compiler_suffixes_and_elfv1_dots_are_dropped(symbol, name):
    assert function_name(symbol) == name


@pytest.mark.parametrize('name, generic', [
    ('dump_stack_lvl', True), ('panic', True), ('native_queued_spin_lock_slowpath', True),
    ('exc_page_fault', True), ('asm_sysvec_apic_timer_interrupt', True), ('el0t_64_sync_handler', True),
    ('__sanitizer_cov_trace_const_cmp1', True), ('schedule_timeout', True),
    ('sysrq_handle_crash', False), ('kthread_create_on_node', False), ('io_idle', False),
])
def test_generic_frames(name, generic):
    assert is_generic_frame(name) is generic


@pytest.mark.parametrize('line, taint', [
    ('CPU: 9 PID: 2073 Comm: spl_dynamic_tas Kdump: loaded Tainted: P           OE    --------- -  - '
     '4.18.0-373.el8.x86_64 #1', 'POE'),
    ('CPU: 2 PID: 25629 Comm: kworker/2:1 Tainted: G OEL 5.10.0-18-2-amd64 #1 Debian 5.10.140-1', 'GOEL'),
    ('CPU: 0 PID: 608 Comm: sh Kdump: loaded Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2', ''),
    ('Tainted: [O]=OOT_MODULE', 'O'),
    ('Tainted: [B]=BAD_PAGE, [W]=WARN', 'BW'),
    ('Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)', None),
])
def test_taint_letters(line, taint):
    assert parse_taint(line) == taint


def test_architecture_needs_evidence():
    assert guess_arch(parse_log_lines('Kernel panic - not syncing: hung_task: blocked tasks')) is None
