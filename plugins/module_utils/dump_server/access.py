# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The dump server's side of an ssh target: one ``authorized_keys`` line per client.

Pure functions (unit-tested without a host):

* ``validate(params)`` checks the dump_server module's parameters and
  returns a ``ClientAccess`` (the parsed key and the line to write), or
  raises ``AccessError`` naming the parameter;
* ``key_blob_of_line(line)`` finds the key of an ``authorized_keys`` line
  (options with quoted commas and blanks included);
* ``update_authorized_keys(text, blob, entry)`` replaces the line holding
  ``blob`` by ``entry`` (or appends it; ``entry=None`` removes it) and keeps
  every other line byte for byte;
* ``host_key_line(text)`` reduces a ``ssh_host_*_key.pub`` file to
  ``<type> <base64>``.

Host side (``module`` is the AnsibleModule; nothing is written in check
mode): ``ensure_dump_root``, ``install_receiver`` and ``update_keys_file``
(under an ``fcntl`` lock on the ``.ssh`` directory, so clients delegated at
the same time do not lose each other's lines).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import errno
import fcntl
import ipaddress
import os
import re
import stat
import struct
import tempfile

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text, write_text
from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server.receiver import check_root, check_tag

KEY_TYPES = (
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'sk-ssh-ed25519@openssh.com',
    'sk-ecdsa-sha2-nistp256@openssh.com',
    'ssh-rsa',
)
# authorized_keys options sshd knows (sshd(8) AUTHORIZED_KEYS FILE FORMAT).
KNOWN_OPTIONS = (
    'agent-forwarding', 'cert-authority', 'command', 'environment', 'expiry-time', 'from',
    'no-agent-forwarding', 'no-port-forwarding', 'no-pty', 'no-user-rc', 'no-x11-forwarding',
    'permitlisten', 'permitopen', 'port-forwarding', 'principals', 'pty', 'no-touch-required',
    'verify-required', 'restrict', 'tunnel', 'user-rc', 'x11-forwarding',
)
# With the forced command only options that narrow the key further make sense.
ISOLATED_OPTIONS = (
    'expiry-time', 'no-agent-forwarding', 'no-port-forwarding', 'no-pty', 'no-user-rc', 'no-x11-forwarding',
    'no-touch-required', 'verify-required', 'restrict',
)
DIR_MODE = 0o700
KEYS_MODE = 0o600
RECEIVER_MODE = 0o755
PARENT_MODE = 0o755

_CLIENT_NAME = re.compile(r'[A-Za-z0-9_.:@+-]{1,255}\Z')
_ADDRESS_PATTERN = re.compile(r'[A-Za-z0-9_.:*?-]+\Z')
_OPTION = re.compile(r'([A-Za-z0-9-]+)(?:="((?:[^"\\\n]|\\.)*)")?\Z')


class AccessError(Exception):
    """A parameter is wrong; ``parameter`` names it, the message says why."""

    def __init__(self, parameter, message):
        super(AccessError, self).__init__('%s: %s' % (parameter, message))
        self.parameter = parameter


class PublicKey(object):
    """An OpenSSH public key: ``key_type``, ``blob`` (base64) and ``comment``."""

    def __init__(self, key_type, blob, comment):
        self.key_type = key_type
        self.blob = blob
        self.comment = comment


class ClientAccess(object):
    """What the module ensures for one client: ``key`` and ``entry`` (None for state=absent)."""

    def __init__(self, key, entry):
        self.key = key
        self.entry = entry


def parse_public_key(text):
    """``text`` (``<type> <base64> [comment]``) as a ``PublicKey``; ``ValueError`` when it is none."""
    if not isinstance(text, str) or '\n' in text.strip() or '\r' in text or '\0' in text:
        raise ValueError('is not one line')
    fields = text.split()
    if len(fields) < 2:
        raise ValueError('is not an OpenSSH public key line "<type> <base64> [comment]"')
    key_type, blob = fields[0], fields[1]
    if key_type not in KEY_TYPES:
        raise ValueError('key type %r is not one of %s (options are not accepted here; see key_options)'
                         % (key_type, ', '.join(KEY_TYPES)))
    try:
        decoded = base64.b64decode(blob.encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValueError('the key %r is not valid base64' % blob[:40])
    if len(decoded) < 4:
        raise ValueError('the key is too short')
    inner_length = struct.unpack('>I', decoded[:4])[0]
    if decoded[4:4 + inner_length] != key_type.encode('ascii'):
        raise ValueError('the key data is not a %s key' % key_type)
    return PublicKey(key_type, blob, ' '.join(fields[2:]) or None)


def check_client_address(value):
    """``value`` for ``from="..."``: comma-separated addresses, CIDR networks,
    host names or sshd wildcard patterns; ``ValueError`` otherwise."""
    items = value.split(',')
    for item in items:
        if not item:
            raise ValueError('%r has an empty entry' % value)
        if '/' in item:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError('%r is not an address/prefix-length network' % item)
            continue
        if item.startswith('-') or not _ADDRESS_PATTERN.match(item):
            raise ValueError('%r is not an IPv4 or IPv6 address, a network, a host name or a pattern '
                             '(letters, digits, ".", ":", "-", "*", "?")' % item)
    return value


def _split_outside_quotes(text, separators):
    """``text`` split at any of ``separators`` outside double quotes (a
    backslash escapes inside quotes, as sshd reads them); returns the parts and
    whether a quote was left open."""
    parts = []
    current = []
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == '\\' and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char in separators and not quoted:
            parts.append(''.join(current))
            current = []
            continue
        current.append(char)
    parts.append(''.join(current))
    return parts, quoted


def split_options(text):
    """The options of an ``authorized_keys`` option list, split at commas outside quotes."""
    options, open_quote = _split_outside_quotes(text, ',')
    if open_quote:
        raise ValueError('%r has an unterminated quote' % text)
    return options


def parse_key_options(text, isolate, has_address):
    """The extra options of ``key_options`` (``restrict`` removed, as it is always written)."""
    if not text or not text.strip():
        return []
    if any(char in text for char in '\n\r\0'):
        raise ValueError('is not one line')
    extra = []
    for option in split_options(text.strip()):
        option = option.strip()
        match = _OPTION.match(option)
        if not match:
            raise ValueError('%r is not an option NAME or NAME="VALUE"' % option)
        name = match.group(1).lower()
        if name not in KNOWN_OPTIONS:
            raise ValueError('%r is not an authorized_keys option sshd knows' % match.group(1))
        if name == 'restrict':
            continue
        if name == 'from' and has_address:
            raise ValueError('from= is set from client_address; give the addresses there')
        if isolate and name not in ISOLATED_OPTIONS:
            raise ValueError('%r would undo the confinement of isolate=true (allowed: %s)'
                             % (option, ', '.join(ISOLATED_OPTIONS)))
        if option not in extra:
            extra.append(option)
    return extra


def receiver_command(receiver, root, tag):
    """The forced command for one client."""
    return '%s --root %s --tag %s' % (receiver, root, tag)


def build_entry(key, options, comment):
    """The ``authorized_keys`` line: options, key type, key, comment."""
    line = '%s %s %s' % (','.join(options), key.key_type, key.blob)
    return '%s %s' % (line, comment) if comment else line


def _check(parameter, function, value):
    try:
        return function(value)
    except ValueError as error:
        raise AccessError(parameter, to_native(error))


def validate(params):
    """Check the module parameters; a ``ClientAccess`` or ``AccessError``."""
    if not params.get('user') or any(char in params['user'] for char in '/:\n\0') or params['user'].strip() != params['user']:
        raise AccessError('user', '%r is not an account name' % params.get('user'))
    _check('path', lambda value: check_root(value, 'the dump root'), params['path'])
    _check('receiver', lambda value: check_root(value, 'the receiver'), params['receiver'])
    key = _check('public_key', parse_public_key, params['public_key'])
    if params['state'] == 'absent':
        return ClientAccess(key, None)
    address = params.get('client_address')
    if address is not None:
        _check('client_address', check_client_address, address)
    client_name = params.get('client_name')
    if client_name is not None and not _CLIENT_NAME.match(client_name):
        raise AccessError('client_name', '%r may hold only letters, digits and _ . : @ + -' % client_name)
    extra = _check('key_options', lambda value: parse_key_options(value, params['isolate'], address is not None),
                   params.get('key_options'))
    options = []
    if params['isolate']:
        tag = params.get('client_tag')
        if tag is None:
            raise AccessError('client_tag', 'is required with state=present and isolate=true')
        _check('client_tag', check_tag, tag)
        options.append('command="%s"' % receiver_command(params['receiver'], params['path'], tag))
    elif params.get('client_tag') is not None:
        _check('client_tag', check_tag, params['client_tag'])
    if address is not None:
        options.append('from="%s"' % address)
    options.append('restrict')
    options.extend(extra)
    comment = 'kdump@%s' % client_name if client_name else key.comment
    return ClientAccess(key, build_entry(key, options, comment))


def _split_line(line):
    """The blank-separated fields of an ``authorized_keys`` line, blanks inside double quotes kept."""
    return [field for field in _split_outside_quotes(line, ' \t')[0] if field]


def key_blob_of_line(line):
    """The base64 key of an ``authorized_keys`` line, or None for comments, blank and unknown lines."""
    stripped = line.strip()
    if not stripped or stripped.startswith('#'):
        return None
    fields = _split_line(stripped)
    for index in (0, 1):
        if len(fields) > index + 1 and (fields[index] in KEY_TYPES or fields[index].startswith(('ssh-', 'ecdsa-', 'sk-'))):
            return fields[index + 1]
    return None


def update_authorized_keys(text, blob, entry):
    """``text`` with exactly one line for ``blob``: ``entry`` in place of the
    first line holding that key, other lines holding it dropped; appended when
    none does.  ``entry=None`` removes every line holding the key.  Every other
    line is kept byte for byte.  ``text`` None (no file) reads as empty."""
    text = text or ''
    kept = []
    placed = False
    for line in text.splitlines(True):
        if key_blob_of_line(line) != blob:
            kept.append(line)
            continue
        if entry is not None and not placed:
            body = line.rstrip('\r\n')
            kept.append(entry + (line[len(body):] or ''))
            placed = True
    if entry is not None and not placed:
        if kept and not kept[-1].endswith('\n'):
            kept.append('\n')
        kept.append(entry + '\n')
    return ''.join(kept)


def host_key_line(text):
    """``<type> <base64>`` from the text of a host public key file, or None."""
    fields = (text or '').split()
    if len(fields) >= 2 and not fields[0].startswith('#'):
        return '%s %s' % (fields[0], fields[1])
    return None


def free_bytes(path):
    """Bytes available to unprivileged users on the filesystem of ``path``
    (its nearest existing ancestor when it does not exist yet)."""
    while path != '/' and not os.path.isdir(path):
        path = os.path.dirname(path) or '/'
    vfs = os.statvfs(path)
    return vfs.f_bavail * vfs.f_frsize


# ---------------------------------------------------------------------------
# Host side
# ---------------------------------------------------------------------------

def _lstat(path):
    try:
        return os.lstat(path)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def _make_parents(path):
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        try:
            os.makedirs(parent, PARENT_MODE)
        except OSError as error:
            # Many clients are set up on one server at once: another run may
            # have made it between the check and here.
            if error.errno != errno.EEXIST or not os.path.isdir(parent):
                raise


def _fix_directory(path, uid, gid, mode):
    """Owner and mode of an existing directory, through a descriptor opened without following links."""
    directory_fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        info = os.fstat(directory_fd)
        if (info.st_uid, info.st_gid) != (uid, gid):
            os.fchown(directory_fd, uid, gid)
        if stat.S_IMODE(info.st_mode) != mode:
            os.fchmod(directory_fd, mode)
    finally:
        os.close(directory_fd)


def _directory_state(parameter, path, uid, gid, mode):
    """``'absent'``, ``'ok'`` or ``'fix'`` for a directory that must be ``uid:gid`` ``mode``."""
    info = _lstat(path)
    if info is None:
        return 'absent'
    if stat.S_ISLNK(info.st_mode):
        raise AccessError(parameter, '%s is a symbolic link; a real directory is required (links are never followed)' % path)
    if not stat.S_ISDIR(info.st_mode):
        raise AccessError(parameter, '%s exists and is not a directory' % path)
    if (info.st_uid, info.st_gid) != (uid, gid) or stat.S_IMODE(info.st_mode) != mode:
        return 'fix'
    return 'ok'


def _ensure_directory(module, parameter, path, uid, gid, mode):
    """Create or fix a directory; returns whether it changed (or would in check mode)."""
    state = _directory_state(parameter, path, uid, gid, mode)
    if state == 'ok':
        return False
    if module.check_mode:
        return True
    try:
        if state == 'absent':
            _make_parents(path)
            try:
                os.mkdir(path, mode)
            except OSError as error:
                if error.errno != errno.EEXIST:
                    raise
            _directory_state(parameter, path, uid, gid, mode)
        _fix_directory(path, uid, gid, mode)
    except OSError as error:
        raise AccessError(parameter, 'could not create or fix %s: %s' % (path, to_native(error)))
    return True


def ensure_dump_root(module, path, uid, gid):
    """The dump root exists, owned by the dump user, mode 0700; an existing
    directory's owner and mode are fixed, anything else fails."""
    return _ensure_directory(module, 'path', path, uid, gid, DIR_MODE)


def _regular_file_state(parameter, path):
    """``lstat`` of a file that must be absent or regular (never a link)."""
    info = _lstat(path)
    if info is not None and (stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode)):
        raise AccessError(parameter, '%s exists and is not a regular file (links are never followed)' % path)
    return info


def keys_paths(home):
    """``(.ssh directory, authorized_keys)`` of a home directory."""
    ssh_dir = os.path.join(home, '.ssh')
    return ssh_dir, os.path.join(ssh_dir, 'authorized_keys')


def preflight(params, home, uid, gid):
    """``AccessError`` for anything on the host that would stop the module
    half-way (a link or a file where a directory belongs, ...), before
    anything is changed."""
    if params['state'] == 'present':
        _directory_state('path', params['path'], uid, gid, DIR_MODE)
        if params['isolate']:
            _regular_file_state('receiver', params['receiver'])
        if not os.path.isdir(home):
            raise AccessError('user', 'the home directory %s of %s does not exist' % (home, params['user']))
    ssh_dir, keys_path = keys_paths(home)
    if _directory_state('user', ssh_dir, uid, gid, DIR_MODE) != 'absent':
        _regular_file_state('user', keys_path)


def install_receiver(module, path, content, uid=0, gid=0):
    """``path`` holds ``content`` (bytes), mode 0755, owned by ``uid:gid``;
    written atomically.  Returns whether it changed (or would)."""
    info = _regular_file_state('receiver', path)
    current = None
    if info is not None:
        with open(path, 'rb') as handle:
            current = handle.read()
        if current == content and stat.S_IMODE(info.st_mode) == RECEIVER_MODE and (info.st_uid, info.st_gid) == (uid, gid):
            return False
    if module.check_mode:
        return True
    temp_path = None
    try:
        _make_parents(path)
        if current != content:
            handle, temp_path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path))
            with os.fdopen(handle, 'wb') as temp_file:
                temp_file.write(content)
            module.atomic_move(temp_path, path, unsafe_writes=False)
            temp_path = None
        info = os.lstat(path)
        if (info.st_uid, info.st_gid) != (uid, gid):
            os.lchown(path, uid, gid)
        if stat.S_IMODE(info.st_mode) != RECEIVER_MODE:
            os.chmod(path, RECEIVER_MODE)
    except OSError as error:
        raise AccessError('receiver', 'could not install %s: %s' % (path, to_native(error)))
    finally:
        if temp_path is not None and os.path.exists(temp_path):
            os.unlink(temp_path)
    return True


def update_keys_file(module, home, uid, gid, blob, entry):
    """Make the account's ``authorized_keys`` hold ``entry`` as the one line
    for ``blob`` (``entry`` None: no line for it).  Returns ``write_text``'s
    ``dict(changed, diff, backup_file)`` plus ``path``."""
    ssh_dir, keys_path = keys_paths(home)
    unchanged = {'changed': False, 'diff': None, 'backup_file': None, 'path': keys_path}
    state = _directory_state('user', ssh_dir, uid, gid, DIR_MODE)
    if state == 'absent':
        if entry is None:
            return unchanged
        if not os.path.isdir(home):
            raise AccessError('user', 'the home directory %s of the dump user does not exist' % home)
        if not module.check_mode:
            _ensure_directory(module, 'user', ssh_dir, uid, gid, DIR_MODE)
    lock_fd = None
    if not module.check_mode and os.path.isdir(ssh_dir):
        lock_fd = os.open(ssh_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
    try:
        _regular_file_state('user', keys_path)
        before = read_text(keys_path)
        after = update_authorized_keys(before, blob, entry)
        if before is None and entry is None:
            return unchanged
        result = write_text(module, keys_path, after, before)
        if result['changed'] and before is None and not module.check_mode:
            os.lchown(keys_path, uid, gid)
            os.chmod(keys_path, KEYS_MODE)
    finally:
        if lock_fd is not None:
            os.close(lock_fd)
    result['path'] = keys_path
    return result
