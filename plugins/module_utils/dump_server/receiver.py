# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The forced command that confines one kdump client on a shared dump server.

Many hosts send their vmcores over ssh to one account.  Each host's key in
that account's ``authorized_keys`` runs this file (installed by the
``dump_server`` module with the server's Python as its interpreter)::

    command="<receiver> --root <dump root> --tag <client tag>",from="<address>",restrict ssh-ed25519 AAAA...

sshd puts what the client asked to run in ``SSH_ORIGINAL_COMMAND``.  This
file decides with a pure function (``decide``) whether it is one of the
commands kdump sends, and then performs it itself: nothing is handed to a
shell and no other program is run.  A refusal prints one line on stderr,
exits with status 1 and changes nothing.

The client may write only into its own capture directories
``ROOT/TAG-STAMP/`` (STAMP: ``YYYY-MM-DD-HH:MM:SS`` as the RHEL family writes
it, ``YYYYMMDDHHMM`` as Debian kdump-tools writes it; the tag must be
followed by ``-`` and a whole stamp, so tag ``192.0.2.1`` never owns
``192.0.2.10-...``).  Paths are absolute and spelled plainly: no ``.`` or
``..`` components (repeated slashes count as one, as in every POSIX path), a trailing ``/``
on a directory, only the characters ``A-Z a-z 0-9 _ . + - , : = @ %``; no
existing entry between the root and the file may be a symbolic link (checked
with ``lstat`` and enforced with ``O_NOFOLLOW`` relative to directory
descriptors).  Files are created with mode 0600, directories 0700.

The accepted command lines (words separated by spaces; a word may be written
in single quotes, as the RHEL capture script quotes its paths)::

    mkdir -p ROOT                          succeeds when ROOT is a directory; never creates it
    mkdir -p ROOT/TAG-STAMP                creates the capture directory
    [umask 0077 && ]dd [bs=N] of=FILE      writes stdin to FILE (created or truncated)
    mv FILE FILE                           renames a file; both in the client's capture directories
    scp [-v] [-p] [-d] -t [--] TARGET      receives files with the rcp protocol (regular files only);
                                           TARGET is ROOT/TAG-STAMP[/] (names from the sender) or FILE
    df -P ROOT                             free space of ROOT (POSIX format), from statvfs
    df --output=avail ROOT                 the same, the column kdump-utils reads
    mktemp -dqp ROOT                       creates and prints ROOT/tmp.TAG.XXXXXXXXXX (mkdumprd's write test)
    rmdir ROOT/tmp.TAG.XXXXXXXXXX          removes such an empty directory again
    internal-sftp [ARGS] | /PATH/sftp-server [ARGS]
                                           an SFTP v3 session (what sshd passes for the sftp
                                           subsystem): STAT/LSTAT/FSTAT/REALPATH, OPEN for writing,
                                           WRITE, FSETSTAT/SETSTAT (times only), CLOSE

where FILE is ``ROOT/TAG-STAMP/NAME`` and NAME a plain file name.  These are
the commands of kdump-tools' ``kdump_save_core_to_ssh``, of the RHEL capture
script (kdump-utils ``kdump.sh``, kexec-tools ``dracut-kdump.sh``: its
``mkdir``, ``dd``, ``mv`` and ``scp`` of the vmcore, the dmesg, the opalcore
and the log) and of the checks ``kdumpctl`` and ``mkdumprd`` run when kdump
starts (``mkdir -p``, ``mktemp -dqp`` + ``rmdir``, ``df``).  Everything else
is refused: reading (``cat``, ``dd if=``, ``scp -f``, SFTP READ), listing,
deleting, renaming outside the client's directories, directories for another
tag, any other program, shell syntax beyond the one ``umask 0077 &&`` prefix.
``kdumpctl test`` writes into ``ROOT/kdump-test-<id>/`` with a shell
redirection, which names no client, so it is refused too.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import ipaddress
import os
import random
import re
import stat
import struct
import sys
import time

DIR_MODE = 0o700
FILE_MODE = 0o600
CHUNK_SIZE = 1 << 20
SYSLOG_IDENT = 'kdump-receive'

_SAFE_CHARS = r'A-Za-z0-9_.+,:=@%\-'
_SAFE_COMPONENT = re.compile(r'[%s]+\Z' % _SAFE_CHARS)
_WORD = re.compile(r"(?:[%s/]|'[%s/]*')+\Z" % (_SAFE_CHARS, _SAFE_CHARS))
_FILE_NAME = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}\Z')
_HOST_LABEL = r'[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?'
_IPV6_CHARS = re.compile(r'[0-9A-Fa-f:.]+\Z')
_HOST_NAME = re.compile(r'%s(?:\.%s)*\Z' % (_HOST_LABEL, _HOST_LABEL))
_STAMPS = ((re.compile(r'\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2}\Z'), '%Y-%m-%d-%H:%M:%S'),
           (re.compile(r'\d{12}\Z'), '%Y%m%d%H%M'))
_STAMP_IN_NAME = re.compile(r'-(?:\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2}|\d{12})\Z')
_BLOCK_SIZE = re.compile(r'\d{1,9}[kMG]?\Z')
_TEMP_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
_TEMP_SUFFIX = re.compile(r'[A-Za-z0-9]{10}\Z')
_UMASK_PREFIX = 'umask 0077 && '
_MAX_COMMAND = 4096


class Denied(Exception):
    """A request the client may not make; the message says why, in one line."""


class Request(object):
    """What ``decide`` allows: an operation and its operands.

    ``op`` is one of ``root``, ``mkdir``, ``write``, ``rename``, ``scp``,
    ``df``, ``mktemp``, ``rmdir``, ``sftp``.  Paths are ``Location`` objects.
    """

    def __init__(self, op, **operands):
        self.op = op
        self.operands = operands

    def __getattr__(self, name):
        try:
            return self.__dict__['operands'][name]
        except KeyError:
            raise AttributeError(name)

    def __eq__(self, other):
        return isinstance(other, Request) and (self.op, self.operands) == (other.op, other.operands)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return 'Request(%r, %r)' % (self.op, self.operands)


class Location(object):
    """A checked path: the root itself (``capture`` None), a capture
    directory (``name`` None) or a file in one.  ``path`` is the path as the
    client spelled it, without a trailing ``/``."""

    def __init__(self, path, capture=None, name=None):
        self.path = path
        self.capture = capture
        self.name = name

    @property
    def kind(self):
        if self.capture is None:
            return 'root'
        return 'capture' if self.name is None else 'file'

    def __eq__(self, other):
        return isinstance(other, Location) and (self.path, self.capture, self.name) == (other.path, other.capture, other.name)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return 'Location(%r)' % self.path


# ---------------------------------------------------------------------------
# Validation shared with the dump_server module
# ---------------------------------------------------------------------------

def check_tag(tag):
    """``tag`` unchanged when it is an IPv4 or IPv6 address (as kdump writes it
    into directory names: no brackets, no zone) or a host name; else ``ValueError``."""
    if not isinstance(tag, str) or not tag:
        raise ValueError('the client tag is empty')
    if len(tag) > 253:
        raise ValueError('the client tag %r is longer than 253 characters' % tag)
    if ':' in tag:
        try:
            if not _IPV6_CHARS.match(tag):
                raise ValueError(tag)
            ipaddress.IPv6Address(tag)
        except ValueError:
            raise ValueError('the client tag %r is not an IPv6 address (an IPv4 address, an IPv6 address without brackets '
                             'or zone, or a host name is expected)' % tag)
        return tag
    if not _HOST_NAME.match(tag):
        raise ValueError('the client tag %r is not an IPv4 address, an IPv6 address or a host name (letters, digits, '
                         "'-', '_' and dots between labels)" % tag)
    return tag


def check_root(root, what='the dump root'):
    """``root`` unchanged when it is a plain absolute path other than ``/``
    (no ``.``/``..``/empty components, no trailing ``/``, only characters
    safe in a command line); else ``ValueError`` naming ``what`` it is."""
    if not isinstance(root, str) or not root.startswith('/'):
        raise ValueError('%s %r is not an absolute path' % (what, root))
    if root == '/':
        raise ValueError('%s may not be / itself' % what)
    if len(root) > 1024:
        raise ValueError('%s is longer than 1024 characters' % what)
    for component in root.split('/')[1:]:
        if component in ('', '.', '..'):
            raise ValueError('%s %r is not normalised (an empty, "." or ".." component, or a trailing "/")' % (what, root))
        if not _SAFE_COMPONENT.match(component):
            raise ValueError('%s %r has characters other than letters, digits, "/" and _ . + - , : = @ %%' % (what, root))
    return root


def capture_owner(name, tag):
    """True when ``name`` is ``<tag>-<stamp>`` for exactly this tag and a valid stamp."""
    if not name.startswith(tag + '-'):
        return False
    stamp = name[len(tag) + 1:]
    for pattern, date_format in _STAMPS:
        if pattern.match(stamp):
            try:
                time.strptime(stamp, date_format)
            except ValueError:
                return False
            return True
    return False


def temp_dir_name(tag, suffix):
    """The name ``mktemp -dqp ROOT`` creates for ``tag``."""
    return 'tmp.%s.%s' % (tag, suffix)


def _is_temp_dir_name(name, tag):
    prefix = 'tmp.%s.' % tag
    return name.startswith(prefix) and bool(_TEMP_SUFFIX.match(name[len(prefix):]))


# ---------------------------------------------------------------------------
# The decision: pure functions of the command line, the root and the tag
# ---------------------------------------------------------------------------

def split_words(text):
    """The words of a command line, single quotes removed; ``Denied`` for any
    character or quoting beyond plain words and ``'...'``."""
    words = []
    for word in text.split(' '):
        if not word:
            continue
        if not _WORD.match(word):
            bad = [char for char in word if not re.match(r"[%s/']" % _SAFE_CHARS, char)]
            if bad:
                raise Denied('character %r is not allowed in a command' % bad[0])
            raise Denied('unbalanced quotes in %r' % word)
        words.append(word.replace("'", ''))
    return words


_SLASHES = re.compile(r'/{2,}')


def locate(path, root, tag):
    """The ``Location`` of ``path`` for this client, or ``Denied``.

    Only the root, the client's own capture directories and files directly
    in them are locations; this function does not look at the disk.
    """
    if any(ord(char) < 32 or ord(char) == 127 for char in path):
        raise Denied('control character (NUL, newline, ...) in a path')
    if not path.startswith('/'):
        raise Denied('%s is not an absolute path' % path)
    if path == '/':
        raise Denied('/ is outside the dump root %s' % root)
    # A dump path configured with a trailing slash makes kdump send
    # ROOT//TAG-STAMP: repeated slashes name the same file, so fold them.
    path = _SLASHES.sub('/', path)
    trailing_slash = path.endswith('/')
    plain = path[:-1] if trailing_slash else path
    components = plain.split('/')[1:]
    for component in components:
        if component in ('', '.', '..'):
            raise Denied('%s is not a plain path (empty, "." or ".." component)' % path)
    root_components = root.split('/')[1:]
    if components[:len(root_components)] != root_components:
        raise Denied('%s is outside the dump root %s' % (path, root))
    below = components[len(root_components):]
    if not below:
        return Location(plain)
    capture = below[0]
    if not capture_owner(capture, tag):
        match = _STAMP_IN_NAME.search(capture)
        if match and match.start() == len(tag) and capture.startswith(tag):
            raise Denied('%s/%s does not end in a valid date and time' % (root, capture))
        if match and match.start() > 0:
            raise Denied('%s/%s belongs to another client, not to %s' % (root, capture, tag))
        raise Denied('%s/%s is not a capture directory %s-<stamp> of this client' % (root, capture, tag))
    if len(below) == 1:
        return Location(plain, capture=capture)
    if len(below) > 2:
        raise Denied('%s is below a capture directory; only files directly in it are allowed' % path)
    name = below[1]
    if trailing_slash or not _FILE_NAME.match(name):
        raise Denied('%s is not a plain file name in %s/%s' % (path, root, capture))
    return Location(plain, capture=capture, name=name)


def _locate_file(path, root, tag):
    location = locate(path, root, tag)
    if location.kind != 'file':
        raise Denied('%s is not a file in a capture directory of %s' % (path, tag))
    return location


def _locate_root(path, root, tag):
    location = locate(path, root, tag)
    if location.kind != 'root':
        raise Denied('%s is not the dump root %s' % (path, root))
    return location


def _decide_mkdir(args, root, tag):
    if len(args) != 2 or args[0] != '-p':
        raise Denied('only "mkdir -p DIRECTORY" is allowed')
    location = locate(args[1], root, tag)
    if location.kind == 'root':
        return Request('root', path=location)
    if location.kind == 'capture':
        return Request('mkdir', path=location)
    raise Denied('%s is not a capture directory of %s' % (args[1], tag))


def _decide_dd(args, root, tag):
    target = None
    for arg in args:
        if arg.startswith('of=') and target is None:
            target = _locate_file(arg[3:], root, tag)
        elif arg.startswith('bs=') and _BLOCK_SIZE.match(arg[3:]):
            continue
        elif arg.startswith('if='):
            raise Denied('dd may not read files (if=)')
        else:
            raise Denied('dd operand %r is not allowed (only bs=N and one of=FILE)' % arg)
    if target is None:
        raise Denied('dd needs of=FILE')
    return Request('write', path=target)


def _decide_mv(args, root, tag):
    if len(args) != 2:
        raise Denied('only "mv FILE FILE" is allowed')
    return Request('rename', source=_locate_file(args[0], root, tag), target=_locate_file(args[1], root, tag))


def _decide_scp(args, root, tag):
    flags = set()
    index = 0
    while index < len(args) and args[index].startswith('-'):
        flag = args[index]
        index += 1
        if flag == '--':
            break
        if flag == '-f':
            raise Denied('scp may not send files from the server (-f)')
        if flag == '-r':
            raise Denied('scp may not receive directories (-r)')
        if flag not in ('-t', '-d', '-p', '-v') or flag in flags:
            raise Denied('scp option %r is not allowed' % flag)
        flags.add(flag)
    if '-t' not in flags:
        raise Denied('scp is allowed only as a receiver (-t)')
    if len(args) - index != 1:
        raise Denied('scp needs exactly one target')
    target = locate(args[index], root, tag)
    if target.kind == 'root':
        raise Denied('scp may write only into a capture directory of %s, not into %s' % (tag, root))
    if '-d' in flags and target.kind != 'capture':
        raise Denied('scp -d needs a capture directory as target')
    return Request('scp', target=target, preserve='-p' in flags)


def _decide_df(args, root, tag):
    if len(args) == 2 and args[0] in ('-P', '--output=avail'):
        return Request('df', path=_locate_root(args[1], root, tag), form='posix' if args[0] == '-P' else 'avail')
    raise Denied('only "df -P ROOT" and "df --output=avail ROOT" are allowed')


def _decide_mktemp(args, root, tag):
    if len(args) == 2 and args[0] == '-dqp':
        return Request('mktemp', path=_locate_root(args[1], root, tag))
    raise Denied('only "mktemp -dqp ROOT" is allowed')


def _decide_rmdir(args, root, tag):
    if len(args) == 1:
        path = args[0][:-1] if args[0].endswith('/') else args[0]
        parent, _sep, name = path.rpartition('/')
        if parent == root and _is_temp_dir_name(name, tag):
            return Request('rmdir', name=name)
    raise Denied('only "rmdir %s/%s" (made by mktemp -dqp) is allowed' % (root, temp_dir_name(tag, 'XXXXXXXXXX')))


_COMMANDS = {
    'mkdir': _decide_mkdir,
    'dd': _decide_dd,
    'mv': _decide_mv,
    'scp': _decide_scp,
    'df': _decide_df,
    'mktemp': _decide_mktemp,
    'rmdir': _decide_rmdir,
}


def _is_sftp_server(program):
    return program == 'internal-sftp' or (program.startswith('/') and program.endswith('/sftp-server'))


def decide(command, root, tag):
    """The ``Request`` the command line ``command`` asks for, or ``Denied``.

    ``root`` and ``tag`` must have passed ``check_root``/``check_tag``.
    """
    if command is None or not command.strip():
        raise Denied('no command given; interactive sessions are not allowed')
    if len(command) > _MAX_COMMAND:
        raise Denied('command longer than %d characters' % _MAX_COMMAND)
    if any(char in command for char in '\0\n\r'):
        raise Denied('control characters in the command')
    umask_prefix = command.startswith(_UMASK_PREFIX)
    words = split_words(command[len(_UMASK_PREFIX):] if umask_prefix else command)
    if not words:
        raise Denied('no command given')
    program, args = words[0], words[1:]
    if umask_prefix and program != 'dd':
        raise Denied('"umask 0077 &&" may only precede dd')
    if _is_sftp_server(program):
        return Request('sftp')
    decide_command = _COMMANDS.get(program)
    if decide_command is None:
        raise Denied('%r is not allowed; this key may only store crash dumps in its own capture directories' % program)
    return decide_command(args, root, tag)


# ---------------------------------------------------------------------------
# Performing a request (the only part that touches the disk)
# ---------------------------------------------------------------------------

def _describe_os_error(error):
    return error.strerror or str(error)


class DumpRoot(object):
    """The dump root of one client; every access goes through directory
    descriptors opened without following symbolic links."""

    def __init__(self, root, tag):
        self.root = root
        self.tag = tag
        self._root_fd = None

    def close(self):
        if self._root_fd is not None:
            os.close(self._root_fd)
            self._root_fd = None

    def root_fd(self):
        """The root directory's descriptor; ``Denied`` when the root is missing,
        a symbolic link or no directory (the root is never created)."""
        if self._root_fd is None:
            try:
                info = os.lstat(self.root)
            except OSError:
                raise Denied('the dump root %s does not exist' % self.root)
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
                raise Denied('the dump root %s is not a directory' % self.root)
            self._root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        return self._root_fd

    def lstat_in(self, directory_fd, name):
        """``lstat`` of ``name`` in a directory, or None when absent."""
        try:
            return os.stat(name, dir_fd=directory_fd, follow_symlinks=False)
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.ENOTDIR):
                return None
            raise

    def capture_fd(self, capture, create=False):
        """Descriptor of a capture directory; ``Denied`` when it is missing
        (unless ``create``), a symbolic link or no directory."""
        root_fd = self.root_fd()
        info = self.lstat_in(root_fd, capture)
        if info is None:
            if not create:
                raise Denied('%s/%s does not exist (mkdir -p it first)' % (self.root, capture))
            try:
                os.mkdir(capture, DIR_MODE, dir_fd=root_fd)
            except OSError as error:
                if error.errno != errno.EEXIST:
                    raise
            info = self.lstat_in(root_fd, capture)
        if info is None or stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise Denied('%s/%s is not a real directory' % (self.root, capture))
        return os.open(capture, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=root_fd)

    def check_writable_file(self, directory_fd, location):
        """``Denied`` unless ``location`` is absent or a regular file with one link."""
        info = self.lstat_in(directory_fd, location.name)
        if info is not None and (not stat.S_ISREG(info.st_mode) or info.st_nlink != 1):
            raise Denied('%s exists and is not a plain regular file' % location.path)
        return info

    def open_for_write(self, location, truncate=True, create=True, exclusive=False):
        """A descriptor to write ``location`` (a file in a capture directory), mode 0600."""
        directory_fd = self.capture_fd(location.capture)
        try:
            info = self.check_writable_file(directory_fd, location)
            if info is None and not create:
                raise Denied('%s does not exist' % location.path)
            flags = os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
            flags |= (os.O_CREAT if create else 0) | (os.O_TRUNC if truncate else 0) | (os.O_EXCL if exclusive else 0)
            file_fd = os.open(location.name, flags, FILE_MODE, dir_fd=directory_fd)
        finally:
            os.close(directory_fd)
        info = os.fstat(file_fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(file_fd)
            raise Denied('%s is not a regular file' % location.path)
        os.fchmod(file_fd, FILE_MODE)
        return file_fd

    def lstat_location(self, location):
        """``lstat`` of a location, or None when absent."""
        if location.kind == 'root':
            try:
                return os.lstat(self.root)
            except OSError:
                return None
        if location.kind == 'capture':
            return self.lstat_in(self.root_fd(), location.capture)
        try:
            directory_fd = self.capture_fd(location.capture)
        except Denied:
            if self.lstat_in(self.root_fd(), location.capture) is None:
                return None
            raise
        try:
            return self.lstat_in(directory_fd, location.name)
        finally:
            os.close(directory_fd)

    def rename(self, source, target):
        source_fd = self.capture_fd(source.capture)
        try:
            target_fd = self.capture_fd(target.capture)
            try:
                info = self.lstat_in(source_fd, source.name)
                if info is None:
                    raise Denied('%s does not exist' % source.path)
                if not stat.S_ISREG(info.st_mode):
                    raise Denied('%s is not a regular file' % source.path)
                self.check_writable_file(target_fd, target)
                os.rename(source.name, target.name, src_dir_fd=source_fd, dst_dir_fd=target_fd)
            finally:
                os.close(target_fd)
        finally:
            os.close(source_fd)

    def make_temp_dir(self):
        root_fd = self.root_fd()
        generator = random.SystemRandom()
        for _attempt in range(100):
            name = temp_dir_name(self.tag, ''.join(generator.choice(_TEMP_CHARS) for _index in range(10)))
            try:
                os.mkdir(name, DIR_MODE, dir_fd=root_fd)
            except OSError as error:
                if error.errno == errno.EEXIST:
                    continue
                raise
            return '%s/%s' % (self.root, name)
        raise Denied('could not find a free temporary directory name')

    def remove_temp_dir(self, name):
        root_fd = self.root_fd()
        info = self.lstat_in(root_fd, name)
        if info is None or not stat.S_ISDIR(info.st_mode):
            raise Denied('%s/%s is not a directory' % (self.root, name))
        os.rmdir(name, dir_fd=root_fd)

    def statvfs(self):
        return os.statvfs(self.root_fd())


def df_text(vfs, form, path):
    """What ``df -P PATH`` or ``df --output=avail PATH`` prints, in 1024-byte blocks."""
    total = vfs.f_blocks * vfs.f_frsize // 1024
    used = (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize // 1024
    avail = vfs.f_bavail * vfs.f_frsize // 1024
    if form == 'avail':
        return 'Avail\n%d\n' % avail
    capacity = -(-used * 100 // (used + avail)) if used + avail else 0
    return ('Filesystem 1024-blocks Used Available Capacity Mounted on\n'
            '- %d %d %d %d%% %s\n' % (total, used, avail, capacity, path))


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _pwrite_all(fd, data, offset):
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _read_exact(stream, size):
    """Up to ``size`` bytes; fewer only at end of input."""
    parts = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, CHUNK_SIZE))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b''.join(parts)


def _send(stream, data):
    stream.write(data)
    stream.flush()


# ---------------------------------------------------------------------------
# scp sink (rcp protocol), regular files only
# ---------------------------------------------------------------------------

_SCP_FILE = re.compile(br'C([0-7]{4}) (\d{1,19}) ([^/\n]+)\Z')
_SCP_TIMES = re.compile(br'T(\d{1,19}) (\d{1,9}) (\d{1,19}) (\d{1,9})\Z')


def scp_sink(dump_root, request, reader, writer, log):
    """Receive files as ``scp -t TARGET`` does; returns the exit status."""
    target = request.target
    errors = [0]

    def refuse(message, fatal=False):
        errors[0] += 1
        log('deny scp: %s' % message)
        _send(writer, (b'\x02' if fatal else b'\x01') + ('scp: %s\n' % message).encode('utf-8', 'replace'))

    if target.kind == 'capture':
        try:
            os.close(dump_root.capture_fd(target.capture))
        except Denied as error:
            refuse(str(error), fatal=True)
            return 1
    _send(writer, b'\0')
    times = None
    while True:
        line = reader.readline(4096)
        if not line:
            break
        if line[:1] in (b'\x01', b'\x02'):
            errors[0] += 1
            if line[:1] == b'\x02':
                break
            continue
        if not line.endswith(b'\n'):
            refuse('protocol error: record too long or truncated', fatal=True)
            break
        record = line[:-1]
        match_times = _SCP_TIMES.match(record)
        if match_times:
            times = (int(match_times.group(3)), int(match_times.group(1)))
            _send(writer, b'\0')
            continue
        if record[:1] in (b'D', b'E'):
            refuse('directories are not accepted', fatal=True)
            break
        match_file = _SCP_FILE.match(record)
        if not match_file:
            refuse('protocol error: unexpected record', fatal=True)
            break
        size = int(match_file.group(2))
        name = match_file.group(3).decode('utf-8', 'replace')
        try:
            if target.kind == 'capture':
                if not _FILE_NAME.match(name):
                    raise Denied('%r is not a plain file name' % name)
                location = Location('%s/%s' % (target.path, name), capture=target.capture, name=name)
            else:
                location = target
            file_fd = dump_root.open_for_write(location)
        except (Denied, OSError) as error:
            refuse(str(error) if isinstance(error, Denied) else '%s: %s' % (target.path, _describe_os_error(error)))
            times = None
            continue
        log('allow scp: write %s (%d bytes)' % (location.path, size))
        status = b'\0'
        try:
            _send(writer, b'\0')
            remaining = size
            write_error = None
            while remaining > 0:
                chunk = reader.read(min(remaining, CHUNK_SIZE))
                if not chunk:
                    write_error = 'lost connection'
                    break
                remaining -= len(chunk)
                if write_error is None:
                    try:
                        _write_all(file_fd, chunk)
                    except OSError as error:
                        write_error = '%s: %s' % (location.path, _describe_os_error(error))
            if write_error == 'lost connection':
                errors[0] += 1
                break
            status = reader.read(1)
            if times is not None and write_error is None:
                os.utime(file_fd, times)
        finally:
            os.close(file_fd)
        times = None
        if status != b'\0':
            errors[0] += 1
            break
        if write_error is not None:
            refuse(write_error)
        else:
            _send(writer, b'\0')
    return 1 if errors[0] else 0


# ---------------------------------------------------------------------------
# SFTP version 3, write-only
# ---------------------------------------------------------------------------

SSH_FXP_INIT = 1
SSH_FXP_VERSION = 2
SSH_FXP_OPEN = 3
SSH_FXP_CLOSE = 4
SSH_FXP_READ = 5
SSH_FXP_WRITE = 6
SSH_FXP_LSTAT = 7
SSH_FXP_FSTAT = 8
SSH_FXP_SETSTAT = 9
SSH_FXP_FSETSTAT = 10
SSH_FXP_OPENDIR = 11
SSH_FXP_READDIR = 12
SSH_FXP_REMOVE = 13
SSH_FXP_MKDIR = 14
SSH_FXP_RMDIR = 15
SSH_FXP_REALPATH = 16
SSH_FXP_STAT = 17
SSH_FXP_RENAME = 18
SSH_FXP_READLINK = 19
SSH_FXP_SYMLINK = 20
SSH_FXP_EXTENDED = 200
SSH_FXP_STATUS = 101
SSH_FXP_HANDLE = 102
SSH_FXP_DATA = 103
SSH_FXP_NAME = 104
SSH_FXP_ATTRS = 105

SSH_FX_OK = 0
SSH_FX_EOF = 1
SSH_FX_NO_SUCH_FILE = 2
SSH_FX_PERMISSION_DENIED = 3
SSH_FX_FAILURE = 4
SSH_FX_BAD_MESSAGE = 5
SSH_FX_OP_UNSUPPORTED = 8

SSH_FILEXFER_ATTR_SIZE = 0x1
SSH_FILEXFER_ATTR_UIDGID = 0x2
SSH_FILEXFER_ATTR_PERMISSIONS = 0x4
SSH_FILEXFER_ATTR_ACMODTIME = 0x8
SSH_FILEXFER_ATTR_EXTENDED = 0x80000000

SSH_FXF_READ = 0x1
SSH_FXF_WRITE = 0x2
SSH_FXF_APPEND = 0x4
SSH_FXF_CREAT = 0x8
SSH_FXF_TRUNC = 0x10
SSH_FXF_EXCL = 0x20

SFTP_MAX_PACKET = 256 * 1024 + 1024
SFTP_MAX_HANDLES = 16
_SFTP_REFUSED = {
    SSH_FXP_READ: 'reading files',
    SSH_FXP_OPENDIR: 'listing directories',
    SSH_FXP_READDIR: 'listing directories',
    SSH_FXP_REMOVE: 'removing files',
    SSH_FXP_MKDIR: 'creating directories over SFTP',
    SSH_FXP_RMDIR: 'removing directories',
    SSH_FXP_RENAME: 'renaming over SFTP',
    SSH_FXP_READLINK: 'reading links',
    SSH_FXP_SYMLINK: 'creating links',
}


class BadMessage(Exception):
    """An SFTP packet shorter than its fields."""


class _Fields(object):
    """Reads the fields of one SFTP packet."""

    def __init__(self, data):
        self.data = data
        self.offset = 0

    def take(self, size):
        if self.offset + size > len(self.data):
            raise BadMessage('packet too short')
        chunk = self.data[self.offset:self.offset + size]
        self.offset += size
        return chunk

    def u32(self):
        return struct.unpack('>I', self.take(4))[0]

    def u64(self):
        return struct.unpack('>Q', self.take(8))[0]

    def string(self):
        return self.take(self.u32())

    def text(self):
        return self.string().decode('utf-8', 'surrogateescape')

    def attrs(self):
        flags = self.u32()
        attrs = {}
        if flags & SSH_FILEXFER_ATTR_SIZE:
            attrs['size'] = self.u64()
        if flags & SSH_FILEXFER_ATTR_UIDGID:
            attrs['uid'], attrs['gid'] = self.u32(), self.u32()
        if flags & SSH_FILEXFER_ATTR_PERMISSIONS:
            attrs['permissions'] = self.u32()
        if flags & SSH_FILEXFER_ATTR_ACMODTIME:
            attrs['atime'], attrs['mtime'] = self.u32(), self.u32()
        if flags & SSH_FILEXFER_ATTR_EXTENDED:
            for _index in range(self.u32()):
                self.string()
                self.string()
        return attrs


def _pack_string(value):
    if not isinstance(value, bytes):
        value = value.encode('utf-8', 'surrogateescape')
    return struct.pack('>I', len(value)) + value


def _pack_attrs(info):
    if info is None:
        return struct.pack('>I', 0)
    flags = SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID | SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME
    return struct.pack('>IQIIIII', flags, info.st_size, info.st_uid, info.st_gid, info.st_mode,
                       int(info.st_atime) & 0xffffffff, int(info.st_mtime) & 0xffffffff)


class SftpSession(object):
    """A write-only SFTP v3 server for one client's capture directories."""

    def __init__(self, dump_root, reader, writer, log):
        self.dump_root = dump_root
        self.reader = reader
        self.writer = writer
        self.log = log
        self.handles = {}
        self.next_handle = 0

    def reply(self, packet_type, request_id, payload=b''):
        body = struct.pack('>BI', packet_type, request_id) + payload
        _send(self.writer, struct.pack('>I', len(body)) + body)

    def status(self, request_id, code, message=''):
        self.reply(SSH_FXP_STATUS, request_id, struct.pack('>I', code) + _pack_string(message) + _pack_string(''))

    def deny(self, request_id, message, code=SSH_FX_PERMISSION_DENIED):
        self.log('deny sftp: %s' % message)
        self.status(request_id, code, message)

    def serve(self):
        """Answer requests until the client closes the channel; returns the exit status."""
        try:
            while True:
                header = _read_exact(self.reader, 4)
                if len(header) < 4:
                    return 0
                length = struct.unpack('>I', header)[0]
                if length < 1 or length > SFTP_MAX_PACKET:
                    self.log('deny sftp: packet of %d bytes' % length)
                    return 1
                body = _read_exact(self.reader, length)
                if len(body) < length:
                    return 0
                self.dispatch(body[0], _Fields(body[1:]))
        finally:
            for file_fd in self.handles.values():
                os.close(file_fd)
            self.handles.clear()

    def dispatch(self, packet_type, fields):
        if packet_type == SSH_FXP_INIT:
            self.reply_version()
            return
        try:
            request_id = fields.u32()
        except BadMessage:
            return
        handler = {
            SSH_FXP_OPEN: self.do_open,
            SSH_FXP_CLOSE: self.do_close,
            SSH_FXP_WRITE: self.do_write,
            SSH_FXP_STAT: self.do_stat,
            SSH_FXP_LSTAT: self.do_stat,
            SSH_FXP_FSTAT: self.do_fstat,
            SSH_FXP_SETSTAT: self.do_setstat,
            SSH_FXP_FSETSTAT: self.do_fsetstat,
            SSH_FXP_REALPATH: self.do_realpath,
        }.get(packet_type)
        if handler is None:
            if packet_type in _SFTP_REFUSED:
                self.deny(request_id, '%s is not allowed' % _SFTP_REFUSED[packet_type])
            else:
                self.deny(request_id, 'request type %d is not supported' % packet_type, SSH_FX_OP_UNSUPPORTED)
            return
        try:
            handler(request_id, fields)
        except BadMessage as error:
            self.status(request_id, SSH_FX_BAD_MESSAGE, str(error))
        except Denied as error:
            self.deny(request_id, str(error))
        except OSError as error:
            self.status(request_id, SSH_FX_NO_SUCH_FILE if error.errno == errno.ENOENT else SSH_FX_FAILURE,
                        _describe_os_error(error))

    def reply_version(self):
        body = struct.pack('>BI', SSH_FXP_VERSION, 3)
        _send(self.writer, struct.pack('>I', len(body)) + body)

    def locate(self, path):
        return locate(path, self.dump_root.root, self.dump_root.tag)

    def handle_fd(self, fields):
        handle = fields.string()
        if handle not in self.handles:
            raise Denied('invalid handle')
        return handle, self.handles[handle]

    def do_open(self, request_id, fields):
        path = fields.text()
        pflags = fields.u32()
        fields.attrs()
        if pflags & SSH_FXF_READ:
            raise Denied('reading files is not allowed')
        if pflags & SSH_FXF_APPEND or not pflags & SSH_FXF_WRITE:
            raise Denied('files may only be opened for writing')
        location = self.locate(path)
        if location.kind != 'file':
            raise Denied('%s is not a file in a capture directory of %s' % (path, self.dump_root.tag))
        if len(self.handles) >= SFTP_MAX_HANDLES:
            raise Denied('too many open files')
        file_fd = self.dump_root.open_for_write(location, truncate=bool(pflags & SSH_FXF_TRUNC),
                                                create=bool(pflags & SSH_FXF_CREAT), exclusive=bool(pflags & SSH_FXF_EXCL))
        self.log('allow sftp: write %s' % location.path)
        self.next_handle += 1
        handle = str(self.next_handle).encode('ascii')
        self.handles[handle] = file_fd
        self.reply(SSH_FXP_HANDLE, request_id, _pack_string(handle))

    def do_close(self, request_id, fields):
        handle, file_fd = self.handle_fd(fields)
        del self.handles[handle]
        os.close(file_fd)
        self.status(request_id, SSH_FX_OK)

    def do_write(self, request_id, fields):
        _handle, file_fd = self.handle_fd(fields)
        offset = fields.u64()
        data = fields.string()
        _pwrite_all(file_fd, data, offset)
        self.status(request_id, SSH_FX_OK)

    def do_stat(self, request_id, fields):
        location = self.locate(fields.text())
        info = self.dump_root.lstat_location(location)
        if info is None:
            self.status(request_id, SSH_FX_NO_SUCH_FILE, 'No such file')
            return
        self.reply(SSH_FXP_ATTRS, request_id, _pack_attrs(info))

    def do_fstat(self, request_id, fields):
        _handle, file_fd = self.handle_fd(fields)
        self.reply(SSH_FXP_ATTRS, request_id, _pack_attrs(os.fstat(file_fd)))

    @staticmethod
    def _apply_times(target, attrs):
        if 'mtime' in attrs:
            os.utime(target, (attrs['atime'], attrs['mtime']))

    def do_setstat(self, request_id, fields):
        path = fields.text()
        attrs = fields.attrs()
        location = self.locate(path)
        if location.kind != 'file':
            raise Denied('%s is not a file in a capture directory of %s' % (path, self.dump_root.tag))
        file_fd = self.dump_root.open_for_write(location, truncate=False, create=False)
        try:
            self._apply_times(file_fd, attrs)
        finally:
            os.close(file_fd)
        self.status(request_id, SSH_FX_OK)

    def do_fsetstat(self, request_id, fields):
        _handle, file_fd = self.handle_fd(fields)
        self._apply_times(file_fd, fields.attrs())
        self.status(request_id, SSH_FX_OK)

    def do_realpath(self, request_id, fields):
        path = fields.text()
        if path in ('', '.'):
            path = self.dump_root.root
        location = self.locate(path)
        self.reply(SSH_FXP_NAME, request_id,
                   struct.pack('>I', 1) + _pack_string(location.path) + _pack_string(location.path) + _pack_attrs(None))


# ---------------------------------------------------------------------------
# Running a command
# ---------------------------------------------------------------------------

def _copy_to_file(reader, file_fd):
    while True:
        chunk = reader.read(CHUNK_SIZE)
        if not chunk:
            return
        _write_all(file_fd, chunk)


def perform(request, dump_root, reader, writer, log):
    """Carry out an allowed request; returns the exit status.  ``Denied`` or
    ``OSError`` when the disk does not allow it after all."""
    if request.op == 'root':
        dump_root.root_fd()
    elif request.op == 'mkdir':
        os.close(dump_root.capture_fd(request.path.capture, create=True))
    elif request.op == 'write':
        file_fd = dump_root.open_for_write(request.path)
        try:
            _copy_to_file(reader, file_fd)
        finally:
            os.close(file_fd)
    elif request.op == 'rename':
        dump_root.rename(request.source, request.target)
    elif request.op == 'df':
        _send(writer, df_text(dump_root.statvfs(), request.form, dump_root.root).encode('utf-8'))
    elif request.op == 'mktemp':
        _send(writer, (dump_root.make_temp_dir() + '\n').encode('utf-8'))
    elif request.op == 'rmdir':
        dump_root.remove_temp_dir(request.name)
    elif request.op == 'scp':
        return scp_sink(dump_root, request, reader, writer, log)
    elif request.op == 'sftp':
        dump_root.root_fd()
        return SftpSession(dump_root, reader, writer, log).serve()
    return 0


def run(command, root, tag, reader, writer, errors, log=None):
    """Decide on ``command`` and perform it; returns the exit status.

    ``reader``/``writer`` are the binary streams of the ssh channel,
    ``errors`` a text stream for the one-line refusal, ``log`` a function
    taking one message (syslog by default when run as a script).
    """
    log = log or (lambda message: None)
    try:
        check_root(root)
        check_tag(tag)
    except ValueError as error:
        errors.write('kdump-receive: misconfigured: %s\n' % error)
        return 1
    dump_root = DumpRoot(root, tag)
    try:
        request = decide(command, root, tag)
        if request.op not in ('scp', 'sftp'):
            log('allow: %s' % command)
        return perform(request, dump_root, reader, writer, log)
    except Denied as error:
        log('deny: %s: %s' % (command, error))
        errors.write('kdump-receive: denied: %s\n' % error)
        return 1
    except OSError as error:
        log('fail: %s: %s' % (command, _describe_os_error(error)))
        errors.write('kdump-receive: failed: %s\n' % _describe_os_error(error))
        return 1
    finally:
        dump_root.close()


def _syslog_logger(tag):
    try:
        import syslog
    except ImportError:  # pragma: no cover - every Unix has it
        return None
    syslog.openlog(SYSLOG_IDENT, syslog.LOG_PID, syslog.LOG_AUTH)

    def log(message):
        syslog.syslog(syslog.LOG_INFO, 'client %s: %s' % (tag, message))
    return log


def _parse_arguments(argv):
    options = {}
    index = 0
    while index < len(argv):
        if argv[index] in ('--root', '--tag') and index + 1 < len(argv):
            options[argv[index][2:]] = argv[index + 1]
            index += 2
        else:
            raise ValueError('unexpected argument %r (usage: --root DIR --tag TAG)' % argv[index])
    if set(options) != set(('root', 'tag')):
        raise ValueError('usage: --root DIR --tag TAG')
    return options['root'], options['tag']


def main(argv=None, environ=None):
    """Entry point as the forced command of an ``authorized_keys`` line."""
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    os.umask(0o077)
    try:
        root, tag = _parse_arguments(argv)
    except ValueError as error:
        sys.stderr.write('kdump-receive: misconfigured: %s\n' % error)
        return 1
    return run(environ.get('SSH_ORIGINAL_COMMAND'), root, tag, sys.stdin.buffer, sys.stdout.buffer, sys.stderr,
               _syslog_logger(tag))


if __name__ == '__main__':
    raise SystemExit(main())
