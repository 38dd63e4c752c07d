# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The dump server's forced command: what kdump sends is carried out, anything else changes nothing.

The command lines are those of kdump-tools' ``kdump_save_core_to_ssh`` (Debian),
of the RHEL capture script (kdump-utils ``kdump.sh``, kexec-tools
``dracut-kdump.sh``, old and new quoting), of the checks ``kdumpctl`` and
``mkdumprd`` run at service start, and of an attacker holding a client's key.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import io
import os
import shutil
import stat
import struct
import subprocess
import sys

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server import receiver as ssh_receiver
from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server.receiver import (
    Denied,
    capture_owner,
    check_root,
    check_tag,
    decide,
    df_text,
    run,
)

ROOT_NAME = 'srv/crash'
TAG = '192.168.77.1'
OTHER = '192.168.77.10'
DEB = '%s-202601011200' % TAG                # own Debian capture directory
DEB2 = '%s-202601011100' % TAG               # own Debian capture directory, no planted link
RHEL = '%s-2026-01-01-12:00:00' % TAG        # own RHEL capture directory
OTHER_DEB = '%s-202601011200' % OTHER         # another client, same minute
IPV6 = 'fd00:77::5'
HOST = 'web-1'
DUMP = b'makedumpfile\0flattened stream\n' * 64


def build_tree(base):
    """A dump root shared by several clients, with a symlink planted by someone."""
    root = os.path.join(str(base), ROOT_NAME)
    os.makedirs(root)
    os.chmod(root, 0o700)
    for name, files in (
        (DEB, {'dmesg.202601011200': b'own dmesg\n'}),
        (DEB2, {}),
        (RHEL, {}),
        (OTHER_DEB, {'dump.202601011200': b'other client dump\n', 'dump-incomplete': b'partial\n'}),
        ('%s-2026-01-01-12:00:00' % IPV6, {'vmcore-dmesg.txt': b'v6 dmesg\n'}),
        ('%s-202601011200' % HOST, {'dmesg.202601011200': b'host dmesg\n'}),
        ('web-10-202601011200', {'dmesg.202601011200': b'web-10 dmesg\n'}),
    ):
        os.mkdir(os.path.join(root, name), 0o700)
        for file_name, content in files.items():
            with open(os.path.join(root, name, file_name), 'wb') as handle:
                handle.write(content)
            os.chmod(os.path.join(root, name, file_name), 0o600)
    # A directory named like one of the client's captures that is really a link to another client's.
    os.symlink(OTHER_DEB, os.path.join(root, '%s-202601011300' % TAG))
    # A file link inside the client's own directory pointing at another client's dump.
    os.symlink('../%s/dump.202601011200' % OTHER_DEB, os.path.join(root, DEB, 'vmcore-incomplete'))
    outside = os.path.join(str(base), 'etc')
    os.mkdir(outside)
    with open(os.path.join(outside, 'passwd'), 'wb') as handle:
        handle.write(b'root:x:0:0::/root:/bin/sh\n')
    return root


def tree_digest(base):
    """Every entry below ``base``: type, mode, content hash or link target."""
    entries = []
    for directory, dirs, files in os.walk(str(base)):
        dirs.sort()
        for name in sorted(dirs + files):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                detail = 'link:' + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                with open(path, 'rb') as handle:
                    detail = hashlib.sha256(handle.read()).hexdigest()
            else:
                detail = 'dir'
            entries.append((os.path.relpath(path, str(base)), stat.S_IMODE(info.st_mode), detail))
    return entries


def execute(root, tag, command, stdin=b''):
    """Run the receiver in-process; ``(status, stdout bytes, stderr text)``."""
    out = io.BytesIO()
    err = io.StringIO()
    log = []
    status = run(command, root, tag, io.BytesIO(stdin), out, err, log.append)
    return status, out.getvalue(), err.getvalue()


def read(root, relative):
    with open(os.path.join(root, relative), 'rb') as handle:
        return handle.read()


def scp_stream(records):
    """What an scp source sends for ``records`` of ``(name, data)``."""
    stream = b''
    for name, data in records:
        stream += b'C0644 %d %s\n' % (len(data), name.encode()) + data + b'\0'
    return stream


# Each case: (id, tag, command line, stdin, expected effect).  The effect is
# None for a refusal, else ('file', path, bytes) / ('dir', path) / ('gone', path)
# / ('stdout', bytes prefix) / ('noop',).  Paths are relative to the root;
# ROOT in a command stands for the dump root.
CASES = [
    # --- kdump-tools (Debian) kdump_save_core_to_ssh
    ('deb-mkdir', TAG, 'mkdir -p ROOT/%s-202601011205' % TAG, b'', ('dir', '%s-202601011205' % TAG)),
    ('deb-dd-dump', TAG, 'dd of=ROOT/%s/dump-incomplete' % DEB, DUMP, ('file', DEB + '/dump-incomplete', DUMP)),
    ('deb-dd-dump-compressed', TAG, 'dd of=ROOT/%s/dump-incomplete.gz' % DEB, DUMP, ('file', DEB + '/dump-incomplete.gz', DUMP)),
    ('deb-scp-dmesg', TAG, 'scp -t ROOT/%s/dmesg.202601011200' % DEB, scp_stream([('dmesg.x', b'new dmesg\n')]),
     ('file', DEB + '/dmesg.202601011200', b'new dmesg\n')),
    ('deb-scp-vmcore-fallback', TAG, 'scp -t ROOT/%s/vmcore-incomplete' % DEB2, scp_stream([('vmcore', DUMP)]),
     ('file', DEB2 + '/vmcore-incomplete', DUMP)),
    ('deb-mv-dump', TAG, 'mv ROOT/%s/dmesg.202601011200 ROOT/%s/dump.202601011200' % (DEB, DEB), b'',
     ('file', DEB + '/dump.202601011200', b'own dmesg\n')),
    # a dump path configured with a trailing slash: kdump sends ROOT//TAG-STAMP
    ('trailing-slash-path-mkdir', TAG, 'mkdir -p ROOT//%s-202601011205' % TAG, b'', ('dir', '%s-202601011205' % TAG)),
    ('trailing-slash-path-dd', TAG, 'dd of=ROOT//%s/dump-incomplete' % DEB, DUMP, ('file', DEB + '/dump-incomplete', DUMP)),
    ('hostname-tag-mkdir', HOST, 'mkdir -p ROOT/%s-202601011205' % HOST, b'', ('dir', '%s-202601011205' % HOST)),
    ('hostname-tag-dd', HOST, 'dd of=ROOT/%s-202601011200/dump-incomplete' % HOST, DUMP,
     ('file', '%s-202601011200/dump-incomplete' % HOST, DUMP)),
    # --- RHEL family capture script (kdump-utils / kexec-tools, quoted and unquoted)
    ('rhel-mkdir', TAG, 'mkdir -p ROOT/%s-2026-01-01-12:05:00' % TAG, b'', ('dir', '%s-2026-01-01-12:05:00' % TAG)),
    ('rhel-dd-vmcore-quoted', TAG, "umask 0077 && dd bs=512 of='ROOT/%s/vmcore-incomplete'" % RHEL, DUMP,
     ('file', RHEL + '/vmcore-incomplete', DUMP)),
    ('rhel-dd-vmcore-unquoted', TAG, 'umask 0077 && dd bs=512 of=ROOT/%s/vmcore-incomplete' % RHEL, DUMP,
     ('file', RHEL + '/vmcore-incomplete', DUMP)),
    ('rhel-dd-vmcore-old', TAG, 'dd bs=512 of=ROOT/%s/vmcore-incomplete' % RHEL, DUMP, ('file', RHEL + '/vmcore-incomplete', DUMP)),
    ('rhel-dd-dmesg', TAG, "umask 0077 && dd of='ROOT/%s/vmcore-dmesg-incomplete.txt'" % RHEL, b'dmesg\n',
     ('file', RHEL + '/vmcore-dmesg-incomplete.txt', b'dmesg\n')),
    ('rhel-scp-log-into-dir', TAG, 'scp -t ROOT/%s/' % RHEL, scp_stream([('kexec-dmesg.log', b'log\n')]),
     ('file', RHEL + '/kexec-dmesg.log', b'log\n')),
    ('rhel-scp-core-collector', TAG, 'scp -t ROOT/%s/vmcore-incomplete' % RHEL, scp_stream([('vmcore', DUMP)]),
     ('file', RHEL + '/vmcore-incomplete', DUMP)),
    ('ipv6-tag-dd', IPV6, "umask 0077 && dd bs=512 of='ROOT/%s-2026-01-01-12:00:00/vmcore-incomplete'" % IPV6, DUMP,
     ('file', '%s-2026-01-01-12:00:00/vmcore-incomplete' % IPV6, DUMP)),
    ('ipv6-tag-mkdir', IPV6, 'mkdir -p ROOT/%s-2026-01-01-12:05:00' % IPV6, b'', ('dir', '%s-2026-01-01-12:05:00' % IPV6)),
    # --- service start: kdumpctl / mkdumprd
    ('start-mkdir-root', TAG, 'mkdir -p ROOT', b'', ('noop',)),
    ('start-df-avail', TAG, 'df --output=avail ROOT', b'', ('stdout', b'Avail\n')),
    ('start-df-posix', TAG, 'df -P ROOT', b'', ('stdout', b'Filesystem 1024-blocks Used Available Capacity Mounted on\n')),
    # --- refused: reading, listing, deleting, other programs
    ('read-other-dump-cat', TAG, 'cat ROOT/%s/dump.202601011200' % OTHER_DEB, b'', None),
    ('read-other-dump-dd-if', TAG, 'dd if=ROOT/%s/dump.202601011200' % OTHER_DEB, b'', None),
    ('read-own-dd-if-of', TAG, 'dd if=ROOT/%s/dmesg.202601011200 of=ROOT/%s/copy' % (DEB, DEB), b'', None),
    ('scp-from-server', TAG, 'scp -f ROOT/%s/dump.202601011200' % OTHER_DEB, b'', None),
    ('scp-recursive', TAG, 'scp -r -t ROOT/%s' % DEB, b'', None),
    ('scp-into-root', TAG, 'scp -t ROOT/', scp_stream([('x', b'x')]), None),
    ('list-root', TAG, 'ls ROOT', b'', None),
    ('find-root', TAG, 'find ROOT', b'', None),
    ('delete-other', TAG, 'rm -rf ROOT/%s' % OTHER_DEB, b'', None),
    ('delete-own', TAG, 'rm ROOT/%s/dmesg.202601011200' % DEB, b'', None),
    ('rename-other-into-own', TAG, 'mv ROOT/%s/dump.202601011200 ROOT/%s/stolen' % (OTHER_DEB, DEB), b'', None),
    ('rename-own-into-other', TAG, 'mv ROOT/%s/dmesg.202601011200 ROOT/%s/dump.202601011200' % (DEB, OTHER_DEB), b'', None),
    ('rename-own-out-of-root', TAG, 'mv ROOT/%s/dmesg.202601011200 /tmp/x' % DEB, b'', None),
    ('run-id', TAG, 'id', b'', None),
    ('interactive-login', TAG, '', b'', None),
    ('shell-chain', TAG, 'mkdir -p ROOT/%s-202601011205; id' % TAG, b'', None),
    ('shell-and-after-mkdir', TAG, 'umask 0077 && mkdir -p ROOT/%s-202601011205' % TAG, b'', None),
    ('shell-substitution', TAG, 'dd of=ROOT/%s/$(id)' % DEB, b'', None),
    ('shell-redirection', TAG, 'echo success > ROOT/%s/x' % DEB, b'', None),
    ('kdumpctl-test-status', TAG, 'echo fail kdump_test_id=1-2 > ROOT/kdump-test-1-2/vmcore-creation.status', b'', None),
    ('kdumpctl-test-mkdir', TAG, 'mkdir -p ROOT/kdump-test-1767225600-1', b'', None),
    # --- refused: writing outside the client's own directories
    ('write-other-same-minute', TAG, 'dd of=ROOT/%s/dump-incomplete' % OTHER_DEB, DUMP, None),
    ('overwrite-other-file', TAG, 'dd of=ROOT/%s/dump.202601011200' % OTHER_DEB, DUMP, None),
    ('mkdir-other-tag-prefix', TAG, 'mkdir -p ROOT/%s-202601011205' % OTHER, b'', None),
    ('write-for-longer-host-name', HOST, 'dd of=ROOT/web-10-202601011200/dmesg.202601011200', b'x', None),
    ('write-into-root', TAG, 'dd of=ROOT/evil', b'x', None),
    ('write-outside-root', TAG, 'dd of=/etc/passwd', b'x', None),
    ('dotdot-escape', TAG, 'dd of=ROOT/%s/../%s/dump.202601011200' % (DEB, OTHER_DEB), b'x', None),
    ('dotdot-out-of-root', TAG, 'mkdir -p ROOT/../../etc/%s-202601011205' % TAG, b'', None),
    ('double-slash-into-another-client', TAG, 'dd of=ROOT//%s/dump-incomplete' % OTHER_DEB, b'x', None),
    ('dot-component', TAG, 'dd of=ROOT/./%s/dump-incomplete' % DEB, b'x', None),
    ('subdirectory', TAG, 'mkdir -p ROOT/%s/sub' % DEB, b'', None),
    ('symlinked-capture-dir', TAG, 'dd of=ROOT/%s-202601011300/dump.202601011200' % TAG, b'x', None),
    ('symlinked-file', TAG, 'dd of=ROOT/%s/vmcore-incomplete' % DEB, b'x', None),
    ('mv-onto-symlink-target', TAG, 'mv ROOT/%s/dmesg.202601011200 ROOT/%s/vmcore-incomplete' % (DEB, DEB), b'', None),
    ('mkdir-over-symlink', TAG, 'mkdir -p ROOT/%s-202601011300' % TAG, b'', None),
    ('invalid-stamp', TAG, 'mkdir -p ROOT/%s-202613011200' % TAG, b'', None),
    ('relative-path', TAG, 'dd of=%s/dump-incomplete' % DEB, b'x', None),
    ('hidden-file', TAG, 'dd of=ROOT/%s/.bashrc' % DEB, b'x', None),
    ('df-other-path', TAG, 'df -P /', b'', None),
    ('mktemp-elsewhere', TAG, 'mktemp -dqp /tmp', b'', None),
    ('rmdir-capture-dir', TAG, 'rmdir ROOT/%s' % RHEL, b'', None),
    ('rmdir-other-tag-temp', TAG, 'rmdir ROOT/tmp.%s.AbCdEfGhIj' % OTHER, b'', None),
    ('sftp-with-command-after', TAG, '/usr/lib/openssh/sftp-server; id', b'', None),
]


@pytest.fixture
def dump_root(tmp_path):
    return build_tree(tmp_path)


@pytest.mark.parametrize('name, tag, command, stdin, effect', CASES, ids=[case[0] for case in CASES])
def test_command_table(tmp_path, dump_root, name, tag, command, stdin, effect):
    command = command.replace('ROOT', dump_root)
    before = tree_digest(tmp_path)
    status, out, err = execute(dump_root, tag, command, stdin)
    if effect is None:
        assert status == 1, name
        assert err.startswith('kdump-receive: denied: ') and err.count('\n') == 1, err
        assert out == b''
        assert tree_digest(tmp_path) == before
        return
    assert (status, err) == (0, ''), name
    kind = effect[0]
    if kind == 'file':
        assert read(dump_root, effect[1]) == effect[2]
        assert stat.S_IMODE(os.lstat(os.path.join(dump_root, effect[1])).st_mode) == 0o600
    elif kind == 'dir':
        info = os.lstat(os.path.join(dump_root, effect[1]))
        assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
    elif kind == 'stdout':
        assert out.startswith(effect[1])
        assert tree_digest(tmp_path) == before
    else:
        assert tree_digest(tmp_path) == before


def test_table_covers_enough_real_and_hostile_commands():
    allowed = [case for case in CASES if case[4] is not None]
    denied = [case for case in CASES if case[4] is None]
    assert len(CASES) >= 30 and len(allowed) >= 15 and len(denied) >= 30


def test_a_whole_debian_capture_in_kdump_tools_order(dump_root):
    directory = '%s/%s-202601021000' % (dump_root, TAG)
    steps = [
        ('mkdir -p %s' % directory, b''),
        ('scp -t %s/dmesg.202601021000' % directory, scp_stream([('dmesg.ssh.202601021000', b'dmesg\n')])),
        ('dd of=%s/dump-incomplete' % directory, DUMP),
        ('mv %s/dump-incomplete %s/dump.202601021000' % (directory, directory), b''),
    ]
    for command, stdin in steps:
        assert execute(dump_root, TAG, command, stdin)[0] == 0, command
    assert sorted(os.listdir(directory)) == ['dmesg.202601021000', 'dump.202601021000']
    assert read(directory, 'dump.202601021000') == DUMP


def test_a_whole_rhel_capture_and_service_start_in_kdumpctl_order(dump_root):
    directory = '%s/%s-2026-01-02-10:00:00' % (dump_root, TAG)
    assert execute(dump_root, TAG, 'mkdir -p %s' % dump_root)[0] == 0
    status, out, _err = execute(dump_root, TAG, 'mktemp -dqp %s' % dump_root)
    temp_dir = out.decode().strip()
    assert status == 0 and os.path.isdir(temp_dir) and os.path.dirname(temp_dir) == dump_root
    assert os.path.basename(temp_dir).startswith('tmp.%s.' % TAG)
    assert execute(dump_root, TAG, 'rmdir %s' % temp_dir)[0] == 0 and not os.path.exists(temp_dir)
    status, out, _err = execute(dump_root, TAG, 'df --output=avail %s' % dump_root)
    assert status == 0 and int(out.decode().splitlines()[-1]) > 0
    steps = [
        ('mkdir -p %s' % directory, b''),
        ("umask 0077 && dd of='%s/vmcore-dmesg-incomplete.txt'" % directory, b'dmesg\n'),
        ('mv %s/vmcore-dmesg-incomplete.txt %s/vmcore-dmesg.txt' % (directory, directory), b''),
        ("umask 0077 && dd bs=512 of='%s/vmcore-incomplete'" % directory, DUMP),
        ("mv '%s/vmcore-incomplete' '%s/vmcore.flat'" % (directory, directory), b''),
        ('scp -t %s/' % directory, scp_stream([('kexec-dmesg.log', b'log\n')])),
    ]
    for command, stdin in steps:
        assert execute(dump_root, TAG, command, stdin)[0] == 0, command
    assert sorted(os.listdir(directory)) == ['kexec-dmesg.log', 'vmcore-dmesg.txt', 'vmcore.flat']
    assert read(directory, 'vmcore.flat') == DUMP


def test_two_clients_in_the_same_minute_stay_apart(dump_root):
    stamp = '202601031200'
    for tag in (TAG, OTHER):
        assert execute(dump_root, tag, 'mkdir -p %s/%s-%s' % (dump_root, tag, stamp))[0] == 0
        assert execute(dump_root, tag, 'dd of=%s/%s-%s/dump-incomplete' % (dump_root, tag, stamp), tag.encode())[0] == 0
    for tag, victim in ((TAG, OTHER), (OTHER, TAG)):
        status, _out, err = execute(dump_root, tag, 'dd of=%s/%s-%s/dump-incomplete' % (dump_root, victim, stamp), b'evil')
        assert status == 1 and 'another client' in err
    assert read(dump_root, '%s-%s/dump-incomplete' % (TAG, stamp)) == TAG.encode()
    assert read(dump_root, '%s-%s/dump-incomplete' % (OTHER, stamp)) == OTHER.encode()


def test_the_root_is_never_created(tmp_path):
    root = str(tmp_path / 'missing')
    status, _out, err = execute(root, TAG, 'mkdir -p %s' % root)
    assert status == 1 and 'does not exist' in err and not os.path.exists(root)
    status, _out, err = execute(root, TAG, 'mkdir -p %s/%s-202601011200' % (root, TAG))
    assert status == 1 and not os.path.exists(root)


def test_a_symlinked_root_is_refused(tmp_path, dump_root):
    link = str(tmp_path / 'link')
    os.symlink(dump_root, link)
    before = tree_digest(tmp_path)
    status, _out, err = execute(link, TAG, 'mkdir -p %s/%s-202601011205' % (link, TAG))
    assert status == 1 and 'not a directory' in err
    assert tree_digest(tmp_path) == before


def test_files_in_a_hardlinked_name_are_not_overwritten(tmp_path, dump_root):
    os.link(os.path.join(dump_root, OTHER_DEB, 'dump.202601011200'), os.path.join(dump_root, DEB, 'dump-incomplete'))
    before = tree_digest(tmp_path)
    status, _out, _err = execute(dump_root, TAG, 'dd of=%s/%s/dump-incomplete' % (dump_root, DEB), b'evil')
    assert status == 1 and tree_digest(tmp_path) == before


def test_misconfigured_receiver_refuses_everything(dump_root):
    for root, tag in ((dump_root + '/', TAG), ('relative', TAG), (dump_root, '192.168.77.1/..'), (dump_root, '')):
        status, _out, err = execute(root, tag, 'mkdir -p %s' % dump_root)
        assert status == 1 and 'misconfigured' in err


# --- the decision itself --------------------------------------------------

@pytest.mark.parametrize('name, tag, owned', [
    ('192.168.77.1-202601011200', '192.168.77.1', True),
    ('192.168.77.1-2026-01-01-12:00:00', '192.168.77.1', True),
    ('192.168.77.10-202601011200', '192.168.77.1', False),
    ('192.168.77.1-202601011200', '192.168.77.10', False),
    ('192.168.77.1-0-202601011200', '192.168.77.1', False),
    ('web-10-202601011200', 'web-1', False),
    ('web-1-202601011200', 'web-1', True),
    ('fd00::5-2026-01-01-12:00:00', 'fd00::5', True),
    ('fd00::5-2026-01-01-12:00:00', 'fd00::', False),
    ('192.168.77.1-2026-02-30-12:00:00', '192.168.77.1', False),
    ('192.168.77.1-20260101120', '192.168.77.1', False),
    ('192.168.77.1-202601011200.tar', '192.168.77.1', False),
])
def test_capture_owner_matches_tag_dash_stamp_exactly(name, tag, owned):
    assert capture_owner(name, tag) is owned


@pytest.mark.parametrize('tag', ['192.168.77.1', 'fd00:77::5', '::ffff:192.0.2.1', 'web-1', 'web1.example.com', 'db_2'])
def test_valid_tags(tag):
    assert check_tag(tag) == tag


@pytest.mark.parametrize('tag', ['', '-web', 'web/..', '..', '[fd00::5]', 'fd00::5%eth0', 'a b', 'web;id', 'web-', 'x' * 254])
def test_invalid_tags(tag):
    with pytest.raises(ValueError):
        check_tag(tag)


@pytest.mark.parametrize('root', ['/', 'var/crash', '/var/crash/', '/var//crash', '/var/../crash', '/var/./crash',
                                  '/var/crash dir', '/var/cr"ash', "/var/cr'ash", '/var/$HOME'])
def test_invalid_roots(root):
    with pytest.raises(ValueError):
        check_root(root)


def test_decide_is_pure_and_names_the_reason():
    with pytest.raises(Denied) as error:
        decide('cat /srv/crash/%s/dump.202601011200' % OTHER_DEB, '/srv/crash', TAG)
    assert "'cat' is not allowed" in str(error.value)
    request = decide('scp -v -p -d -t -- /srv/crash/%s' % DEB, '/srv/crash', TAG)
    assert request.op == 'scp' and request.preserve and request.target.capture == DEB
    for subsystem in ('internal-sftp', '/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server -l INFO'):
        assert decide(subsystem, '/srv/crash', TAG).op == 'sftp'


def test_df_output_reads_the_way_both_mkdumprd_versions_read_it():
    class Vfs(object):
        f_frsize = 4096
        f_blocks = 1000
        f_bfree = 600
        f_bavail = 500
    posix = df_text(Vfs(), 'posix', '/srv/crash')
    fields = posix.split()
    assert fields[len(fields) - 3] == '2000'          # old mkdumprd: awk NF-2 over both lines
    assert df_text(Vfs(), 'avail', '/srv/crash').splitlines()[-1] == '2000'   # new: tail -1


# --- the scp sink ------------------------------------------------------------

def test_scp_sink_acknowledges_like_scp_and_keeps_times(dump_root):
    stream = b'T1767225600 0 1767225600 0\n' + scp_stream([('kexec-dmesg.log', b'log\n')])
    status, out, err = execute(dump_root, TAG, 'scp -p -t %s/%s' % (dump_root, RHEL), stream)
    assert (status, err) == (0, '')
    assert out == b'\0' * 4
    assert os.stat(os.path.join(dump_root, RHEL, 'kexec-dmesg.log')).st_mtime == 1767225600


@pytest.mark.parametrize('record', [b'D0755 0 sub\n', b'C0644 3 ../x\n', b'C0644 3 .hidden\n', b'garbage\n'])
def test_scp_sink_refuses_directories_and_strange_names(tmp_path, dump_root, record):
    before = tree_digest(tmp_path)
    status, out, _err = execute(dump_root, TAG, 'scp -t %s/%s' % (dump_root, RHEL), record + b'abc\0')
    assert status == 1 and out[:1] == b'\0' and out[1:2] in (b'\x01', b'\x02')
    assert tree_digest(tmp_path) == before


# --- the SFTP server ------------------------------------------------------------

def packet(packet_type, request_id, payload=b''):
    body = struct.pack('>BI', packet_type, request_id) + payload
    return struct.pack('>I', len(body)) + body


def string(value):
    value = value.encode() if not isinstance(value, bytes) else value
    return struct.pack('>I', len(value)) + value


def replies(data):
    """``[(type, id, payload)]`` of a server's output (VERSION has no id)."""
    result = []
    while data:
        length = struct.unpack('>I', data[:4])[0]
        body, data = data[4:4 + length], data[4 + length:]
        result.append((body[0], struct.unpack('>I', body[1:5])[0], body[5:]))
    return result


def sftp(dump_root, *packets):
    init = struct.pack('>IBI', 5, ssh_receiver.SSH_FXP_INIT, 3)
    status, out, err = execute(dump_root, TAG, '/usr/lib/openssh/sftp-server', init + b''.join(packets))
    assert status == 0, err
    answers = replies(out)
    assert answers[0][:2] == (ssh_receiver.SSH_FXP_VERSION, 3)
    return answers[1:]


def status_code(answer):
    assert answer[0] == ssh_receiver.SSH_FXP_STATUS
    return struct.unpack('>I', answer[2][:4])[0]


def test_sftp_upload_as_scp_does_it(dump_root):
    path = '%s/%s/vmcore-incomplete' % (dump_root, RHEL)
    flags = ssh_receiver.SSH_FXF_WRITE | ssh_receiver.SSH_FXF_CREAT | ssh_receiver.SSH_FXF_TRUNC
    answers = sftp(dump_root,
                   packet(ssh_receiver.SSH_FXP_STAT, 1, string(path)),
                   packet(ssh_receiver.SSH_FXP_OPEN, 2, string(path) + struct.pack('>II', flags, 4) + struct.pack('>I', 0o644)),
                   packet(ssh_receiver.SSH_FXP_WRITE, 3, string(b'1') + struct.pack('>Q', 0) + string(DUMP[:100])),
                   packet(ssh_receiver.SSH_FXP_WRITE, 4, string(b'1') + struct.pack('>Q', 100) + string(DUMP[100:])),
                   packet(ssh_receiver.SSH_FXP_FSTAT, 5, string(b'1')),
                   packet(ssh_receiver.SSH_FXP_CLOSE, 6, string(b'1')))
    assert status_code(answers[0]) == ssh_receiver.SSH_FX_NO_SUCH_FILE
    assert answers[1][0] == ssh_receiver.SSH_FXP_HANDLE
    assert [status_code(answer) for answer in answers[2:4]] == [0, 0]
    assert answers[4][0] == ssh_receiver.SSH_FXP_ATTRS
    assert status_code(answers[5]) == 0
    assert read(dump_root, RHEL + '/vmcore-incomplete') == DUMP


def open_flags(path, pflags):
    return string(path) + struct.pack('>II', pflags, 0)


CREATE = ssh_receiver.SSH_FXF_WRITE | ssh_receiver.SSH_FXF_CREAT | ssh_receiver.SSH_FXF_TRUNC
REFUSED_SFTP = [
    ('read-other', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/%s/dump.202601011200' % (r, OTHER_DEB), ssh_receiver.SSH_FXF_READ)),
    ('read-write-own', ssh_receiver.SSH_FXP_OPEN,
     lambda r: open_flags('%s/%s/dmesg.202601011200' % (r, DEB), ssh_receiver.SSH_FXF_READ | ssh_receiver.SSH_FXF_WRITE)),
    ('create-in-other', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/%s/x' % (r, OTHER_DEB), CREATE)),
    ('overwrite-other', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/%s/dump.202601011200' % (r, OTHER_DEB), CREATE)),
    ('create-in-root', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/evil' % r, CREATE)),
    ('create-through-link', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/%s/vmcore-incomplete' % (r, DEB), CREATE)),
    ('create-dotdot', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/%s/../%s/x' % (r, DEB, OTHER_DEB), CREATE)),
    ('nul-in-path', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/%s/x\0/../evil' % (r, DEB), CREATE)),
    ('newline-in-path', ssh_receiver.SSH_FXP_OPEN, lambda r: open_flags('%s/%s/x\nfake log line' % (r, DEB), CREATE)),
    ('opendir', ssh_receiver.SSH_FXP_OPENDIR, string),
    ('remove', ssh_receiver.SSH_FXP_REMOVE, lambda r: string('%s/%s/dmesg.202601011200' % (r, DEB))),
    ('rename', ssh_receiver.SSH_FXP_RENAME, lambda r: string('%s/%s/dmesg.202601011200' % (r, DEB)) + string('%s/%s/x' % (r, DEB))),
    ('mkdir', ssh_receiver.SSH_FXP_MKDIR, lambda r: string('%s/%s-202601011205' % (r, TAG)) + struct.pack('>I', 0)),
    ('symlink', ssh_receiver.SSH_FXP_SYMLINK, lambda r: string('%s/%s/l' % (r, DEB)) + string('/etc/passwd')),
    ('readlink', ssh_receiver.SSH_FXP_READLINK, lambda r: string('%s/%s/vmcore-incomplete' % (r, DEB))),
    ('stat-other', ssh_receiver.SSH_FXP_STAT, lambda r: string('%s/%s/dump.202601011200' % (r, OTHER_DEB))),
    ('stat-outside', ssh_receiver.SSH_FXP_LSTAT, lambda r: string('/etc/passwd')),
    ('realpath-other', ssh_receiver.SSH_FXP_REALPATH, lambda r: string('%s/%s' % (r, OTHER_DEB))),
    ('setstat-other', ssh_receiver.SSH_FXP_SETSTAT,
     lambda r: string('%s/%s/dump.202601011200' % (r, OTHER_DEB)) + struct.pack('>III', 8, 0, 0)),
    ('read-handle', ssh_receiver.SSH_FXP_READ, lambda r: string(b'1') + struct.pack('>QI', 0, 100)),
    ('extended', ssh_receiver.SSH_FXP_EXTENDED, lambda r: string('copy-data') + string(b'1')),
]


@pytest.mark.parametrize('name, packet_type, payload', REFUSED_SFTP, ids=[case[0] for case in REFUSED_SFTP])
def test_sftp_refuses_everything_but_writing_own_files(tmp_path, dump_root, name, packet_type, payload):
    before = tree_digest(tmp_path)
    (answer,) = sftp(dump_root, packet(packet_type, 7, payload(dump_root)))
    assert answer[1] == 7
    assert status_code(answer) in (ssh_receiver.SSH_FX_PERMISSION_DENIED, ssh_receiver.SSH_FX_OP_UNSUPPORTED), name
    assert tree_digest(tmp_path) == before


# --- end to end with the real OpenSSH scp client ------------------------------------

FAKE_SSH = r'''#!/bin/sh
# Stands in for ssh + sshd: runs the forced command the way sshd does for a key
# with command="...", with SSH_ORIGINAL_COMMAND set to what the client asked for.
subsystem=
while [ $# -gt 0 ]; do
    case "$1" in
        -s) subsystem=1; shift ;;
        -l|-i|-o|-p|-F|-c|-J|-b|-E|-m|-D|-L|-R|-W|-w|-S|-O|-Q|-B|-I|-e) shift 2 ;;
        --) shift; break ;;
        -*) shift ;;
        *) break ;;
    esac
done
shift
if [ -n "$subsystem" ]; then
    SSH_ORIGINAL_COMMAND="@SFTP_SERVER@"
else
    SSH_ORIGINAL_COMMAND="$*"
fi
export SSH_ORIGINAL_COMMAND
exec "@RECEIVER@" --root "@ROOT@" --tag "@TAG@"
'''

SCP = shutil.which('scp')


def make_fake_ssh(tmp_path, dump_root, sftp_server):
    receiver = tmp_path / 'kdump-receive'
    with open(ssh_receiver.__file__) as handle:
        receiver.write_text(u'#!%s\n%s' % (sys.executable, handle.read()))
    receiver.chmod(0o755)
    script = tmp_path / 'fake-ssh'
    script.write_text(FAKE_SSH.replace('@RECEIVER@', str(receiver)).replace('@ROOT@', dump_root).replace('@TAG@', TAG)
                      .replace('@SFTP_SERVER@', sftp_server or ''))
    script.chmod(0o755)
    return str(script)


def scp(fake_ssh, mode, *args):
    command = [SCP, '-q', '-S', fake_ssh] + (['-O'] if mode == 'legacy' else []) + list(args)
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)


@pytest.mark.skipif(SCP is None, reason='the OpenSSH scp client is not installed')
@pytest.mark.parametrize('mode, sftp_server', [('legacy', None), ('sftp', '/usr/lib/openssh/sftp-server'),
                                               ('sftp', 'internal-sftp')])
def test_real_scp_uploads_into_the_own_directory_only(tmp_path, dump_root, mode, sftp_server):
    fake_ssh = make_fake_ssh(tmp_path, dump_root, sftp_server)
    source = tmp_path / 'vmcore'
    source.write_bytes(DUMP * 512)
    log = tmp_path / 'kexec-dmesg.log'
    log.write_bytes(b'log\n')
    os.utime(str(log), (1767225600, 1767225600))
    own = '%s/%s' % (dump_root, RHEL)
    done = scp(fake_ssh, mode, str(source), 'kdump@server:%s/vmcore-incomplete' % own)
    assert done.returncode == 0, done.stderr
    done = scp(fake_ssh, mode, '-p', str(log), 'kdump@server:%s/' % own)
    assert done.returncode == 0, done.stderr
    assert os.stat(os.path.join(own, 'kexec-dmesg.log')).st_mtime == 1767225600
    assert read(own, 'vmcore-incomplete') == DUMP * 512
    assert read(own, 'kexec-dmesg.log') == b'log\n'
    assert stat.S_IMODE(os.stat(os.path.join(own, 'vmcore-incomplete')).st_mode) == 0o600

    before = tree_digest(tmp_path)
    for remote in ('%s/%s/dump.202601011200' % (dump_root, OTHER_DEB),
                   '%s/%s/new' % (dump_root, OTHER_DEB),
                   '%s/' % dump_root,
                   '%s/evil' % dump_root,
                   '%s/%s/../%s/x' % (dump_root, RHEL, OTHER_DEB),
                   '%s/%s-202601011300/x' % (dump_root, TAG),
                   '/tmp/evil-%s' % os.getpid()):
        done = scp(fake_ssh, mode, str(log), 'kdump@server:%s' % remote)
        assert done.returncode != 0, remote
    target = tmp_path / 'stolen'
    for remote in ('%s/%s/dump.202601011200' % (dump_root, OTHER_DEB), '%s/vmcore-incomplete' % own):
        done = scp(fake_ssh, mode, 'kdump@server:%s' % remote, str(target))
        assert done.returncode != 0 and not target.exists(), remote
    assert tree_digest(tmp_path) == before
