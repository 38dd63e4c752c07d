# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The dump_server module through main(): one authorized_keys line per client, everything else kept."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import hashlib
import multiprocessing
import os
import stat
import subprocess
import sys
import time

import pytest

from ansible.module_utils import basic

from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server import access as dump_server_access
from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server import receiver as ssh_receiver
from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server.access import (
    key_blob_of_line,
    update_authorized_keys,
    update_keys_file,
)
from ansible_collections.crashdump.kdump.plugins.modules import dump_server

# Real keys made with ssh-keygen for these tests.
KEY_1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3sp5iy3HIuEpJAJyn5q93omcOq+QYKfqP283iz+BfH root@client1'
KEY_2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoPMeG/0utT8YJZUjTvYRThkqFJZiJ4MyPTekd4Ld3n root@client2'
KEY_3 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM0ZWQbVgiWoqvuvDsbXwI5PvfIFu87RIcCPOUxZL28c root@client3'
KEY_EC = ('ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIz/KpyHWFEN4AmsiUXqxrfFKYIVCXCJAdowC7sXBXSID6FI'
          'DJ1dD9pGQhlupBNQB3YthTaKOdS3uYEleS/OyG8= root@ec')
BLOB_1 = KEY_1.split()[1]
BLOB_2 = KEY_2.split()[1]
BLOB_3 = KEY_3.split()[1]
HOST_KEYS = {
    'ssh_host_ed25519_key.pub': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM0ZWQbVgiWoqvuvDsbXwI5PvfIFu87RIcCPOUxZL28c root@server\n',
    'ssh_host_ecdsa_key.pub': KEY_EC.replace('root@ec', 'root@server') + '\n',
}
# An authorized_keys file as admins leave it: comments, blank lines, options with
# quoted commas and blanks, another service's key, no newline at the end.
EXISTING = (
    '# dump server keys - managed in part by Ansible\n'
    '\n'
    'command="/usr/bin/rsync --server -e.LsfxC . /backup",no-pty,from="10.0.0.1,10.0.0.2" %s backup@nas\n'
    '   # indented comment with %s inside\n'
    '%s\n'
    'environment="A=b c",restrict %s old-comment'
) % (KEY_3.split(' ', 1)[0] + ' ' + BLOB_3, BLOB_1, KEY_EC, KEY_2.rsplit(' ', 1)[0])

Account = collections.namedtuple('Account', 'pw_name pw_uid pw_gid pw_dir pw_shell')


class Server(object):
    """A dump server in a temporary directory; tests change attributes before running the module."""

    def __init__(self, tmp_path):
        self.base = tmp_path
        self.home = tmp_path / 'home' / 'kdump'
        self.home.mkdir(parents=True)
        self.root = str(tmp_path / 'srv' / 'crash')
        self.receiver = str(tmp_path / 'libexec' / 'kdump-receive')
        self.keys_file = str(self.home / '.ssh' / 'authorized_keys')
        ssh_dir = tmp_path / 'etc' / 'ssh'
        ssh_dir.mkdir(parents=True)
        for name, text in HOST_KEYS.items():
            (ssh_dir / name).write_text(text)
        self.host_key_glob = str(ssh_dir / 'ssh_host_*_key.pub')
        self.accounts = {'kdump': Account('kdump', os.getuid(), os.getgid(), str(self.home), '/bin/sh')}
        self.warnings = []

    def args(self, **params):
        args = {'user': 'kdump', 'path': self.root, 'client_tag': '192.168.77.1', 'client_address': '192.168.77.1',
                'public_key': KEY_1, 'client_name': 'client1', 'receiver': self.receiver}
        args.update(params)
        return dict((name, value) for name, value in args.items() if value is not None)

    def keys(self):
        with open(self.keys_file) as handle:
            return handle.read()

    def write_keys(self, text):
        os.makedirs(os.path.dirname(self.keys_file), 0o700)
        with open(self.keys_file, 'w') as handle:
            handle.write(text)


@pytest.fixture
def server(tmp_path, monkeypatch):
    server = Server(tmp_path)
    monkeypatch.setattr(dump_server, 'lookup_account', server.accounts.get)
    monkeypatch.setattr(dump_server, 'HOST_KEY_GLOB', server.host_key_glob)
    monkeypatch.setattr(dump_server, 'RECEIVER_OWNER', (os.getuid(), os.getgid()))
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, warning: server.warnings.append(warning))
    return server


def tree_digest(base):
    """Every entry below ``base``: type, mode and content hash."""
    entries = []
    for directory, dirs, files in os.walk(str(base)):
        for name in sorted(dirs + files):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            digest = None
            if stat.S_ISREG(info.st_mode):
                with open(path, 'rb') as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            entries.append((os.path.relpath(path, str(base)), stat.S_IMODE(info.st_mode), digest))
    return sorted(entries)


ENTRY_1 = ('command="{receiver} --root {root} --tag 192.168.77.1",from="192.168.77.1",restrict ' + KEY_1.rsplit(' ', 1)[0]
           + ' kdump@client1')


def test_first_client_gets_its_line_root_and_receiver(run_module, server):
    result, failed = run_module(dump_server.main, server.args())
    assert not failed and result['changed']
    entry = ENTRY_1.format(receiver=server.receiver, root=server.root)
    assert result['entry'] == entry
    assert server.keys() == entry + '\n'
    assert result['authorized_keys_file'] == server.keys_file
    assert stat.S_IMODE(os.stat(server.keys_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(server.keys_file)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(server.root).st_mode) == 0o700
    with open(server.receiver) as handle:
        script = handle.read()
    with open(ssh_receiver.__file__) as handle:
        assert script == '#!%s\n%s' % (sys.executable, handle.read())
    assert stat.S_IMODE(os.stat(server.receiver).st_mode) == 0o755
    assert result['receiver'] == server.receiver
    assert sorted(result['host_keys']) == sorted(' '.join(text.split()[:2]) for text in HOST_KEYS.values())
    assert isinstance(result['free_bytes'], int) and result['free_bytes'] > 0
    assert abs(result['server_time'] - time.time()) < 60


def test_second_run_changes_nothing(run_module, server):
    run_module(dump_server.main, server.args())
    before = tree_digest(server.base)
    result, failed = run_module(dump_server.main, server.args())
    assert not failed and not result['changed']
    assert tree_digest(server.base) == before


def test_installed_receiver_refuses_what_is_not_a_dump(run_module, server):
    run_module(dump_server.main, server.args())
    env = dict(os.environ, SSH_ORIGINAL_COMMAND='cat /etc/passwd')
    done = subprocess.run([server.receiver, '--root', server.root, '--tag', '192.168.77.1'], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    assert done.returncode == 1 and done.stdout == b'' and b"'cat' is not allowed" in done.stderr
    env['SSH_ORIGINAL_COMMAND'] = 'mkdir -p %s/192.168.77.1-202601011200' % server.root
    done = subprocess.run([server.receiver, '--root', server.root, '--tag', '192.168.77.1'], env=env, check=False)
    assert done.returncode == 0 and os.path.isdir(os.path.join(server.root, '192.168.77.1-202601011200'))


def test_new_options_replace_the_line_in_place_and_keep_every_other_line(run_module, server):
    server.write_keys(EXISTING)
    result, failed = run_module(dump_server.main, server.args(client_address='192.168.77.0/24', key_options='expiry-time="20271231"'))
    assert not failed and result['changed']
    lines = server.keys().split('\n')
    old_lines = EXISTING.split('\n')
    assert lines[:3] == old_lines[:3] and lines[4] == old_lines[4]
    assert lines[3] == old_lines[3]                       # the comment mentioning the key's blob stays
    assert lines[5] == old_lines[5]                       # client2's line (no newline at the end) is untouched
    assert lines[6] == result['entry'] and lines[7] == ''
    assert 'from="192.168.77.0/24",restrict,expiry-time="20271231"' in result['entry']
    result, failed = run_module(dump_server.main, server.args(client_address='192.168.77.1'))
    lines_after = server.keys().split('\n')
    assert not failed and result['changed'] and lines_after[:6] == old_lines[:6] and lines_after[6] == result['entry']
    assert len(lines_after) == len(lines)


def test_a_line_holding_the_same_key_is_replaced_where_it_is(run_module, server):
    server.write_keys('# first\nrestrict %s old@client1\n# last\nrestrict %s dup\n' % (KEY_1.rsplit(' ', 1)[0], KEY_1.rsplit(' ', 1)[0]))
    result, failed = run_module(dump_server.main, server.args())
    assert not failed and result['changed']
    assert server.keys() == '# first\n%s\n# last\n' % result['entry']


def test_absent_removes_only_this_key(run_module, server):
    server.write_keys(EXISTING + '\n')
    run_module(dump_server.main, server.args())
    before = server.keys().splitlines(True)
    result, failed = run_module(dump_server.main, server.args(public_key=KEY_2, state='absent', client_tag=None))
    assert not failed and result['changed'] and 'entry' not in result
    assert server.keys() == ''.join(line for line in before if BLOB_2 not in line or line.lstrip().startswith('#'))
    assert len(server.keys().splitlines()) == len(before) - 1
    result, failed = run_module(dump_server.main, server.args(public_key=KEY_2, state='absent'))
    assert not failed and not result['changed']


def test_absent_without_a_file_creates_nothing(run_module, server):
    before = tree_digest(server.base)
    result, failed = run_module(dump_server.main, server.args(state='absent'))
    assert not failed and not result['changed']
    assert tree_digest(server.base) == before


def test_check_mode_writes_nothing_and_reports_the_same(run_module, server):
    server.write_keys(EXISTING)
    before = tree_digest(server.base)
    checked, failed = run_module(dump_server.main, server.args(), check_mode=True, diff=True)
    assert not failed and checked['changed']
    assert tree_digest(server.base) == before
    real, failed = run_module(dump_server.main, server.args(), diff=True)
    assert not failed and real['changed']
    assert checked['diff'] == real['diff'] and checked['entry'] == real['entry']


def test_check_mode_on_a_fresh_server(run_module, server):
    before = tree_digest(server.base)
    result, failed = run_module(dump_server.main, server.args(), check_mode=True, diff=True)
    assert not failed and result['changed']
    assert result['diff']['before'] == '' and result['diff']['after'] == result['entry'] + '\n'
    assert tree_digest(server.base) == before


def test_diff_shows_authorized_keys_before_and_after(run_module, server):
    server.write_keys(EXISTING)
    result, failed = run_module(dump_server.main, server.args(), diff=True)
    assert not failed
    assert result['diff']['before'] == EXISTING
    assert result['diff']['after'] == server.keys()
    assert result['diff']['before_header'] == server.keys_file
    result, failed = run_module(dump_server.main, server.args())
    assert 'diff' not in result


BAD_INPUT = [
    ('path', {'path': '/'}),
    ('path', {'path': 'srv/crash'}),
    ('path', {'path': '/srv/crash/'}),
    ('path', {'path': '/srv/../etc'}),
    ('path', {'path': '/srv//crash'}),
    ('path', {'path': '/srv/crash dir'}),
    ('client_tag', {'client_tag': '192.168.77.1/..'}),
    ('client_tag', {'client_tag': '[fd00::5]'}),
    ('client_tag', {'client_tag': 'web;id'}),
    ('client_tag', {'client_tag': None}),
    ('client_address', {'client_address': '192.168.77.1" ,command="id'}),
    ('client_address', {'client_address': '192.168.77.1,'}),
    ('client_address', {'client_address': '10.0.0.0/33'}),
    ('public_key', {'public_key': 'not a key'}),
    ('public_key', {'public_key': 'restrict ' + KEY_1}),
    ('public_key', {'public_key': 'ssh-rsa ' + BLOB_1}),
    ('public_key', {'public_key': 'ssh-ed25519 AAAA%%%%'}),
    ('public_key', {'public_key': KEY_1 + '\n' + KEY_2}),
    ('client_name', {'client_name': 'web 1'}),
    ('key_options', {'key_options': 'command="/bin/sh"'}),
    ('key_options', {'key_options': 'pty'}),
    ('key_options', {'key_options': 'from="0.0.0.0/0"'}),
    ('key_options', {'key_options': 'no-such-option'}),
    ('key_options', {'key_options': 'expiry-time="2027'}),
    ('receiver', {'receiver': 'kdump-receive'}),
    ('receiver', {'receiver': '/usr/local/bin/kdump receive'}),
    ('user', {'user': ''}),
]


@pytest.mark.parametrize('parameter, params', BAD_INPUT, ids=['%s-%d' % (case[0], index) for index, case in enumerate(BAD_INPUT)])
def test_bad_input_names_the_parameter_and_changes_nothing(run_module, server, parameter, params):
    server.write_keys(EXISTING)
    before = tree_digest(server.base)
    result, failed = run_module(dump_server.main, server.args(**params))
    assert failed and not result['changed']
    assert result['msg'].startswith(parameter + ':'), result['msg']
    assert tree_digest(server.base) == before


def test_missing_user_is_never_created(run_module, server):
    before = tree_digest(server.base)
    result, failed = run_module(dump_server.main, server.args(user='nobody-here'))
    assert failed and result['msg'].startswith('user:') and 'nobody-here' in result['msg']
    assert tree_digest(server.base) == before


def test_symlinked_dump_root_or_ssh_dir_is_not_followed(run_module, server):
    elsewhere = server.base / 'elsewhere'
    elsewhere.mkdir(mode=0o755)
    os.makedirs(os.path.dirname(server.root))
    os.symlink(str(elsewhere), server.root)
    before = tree_digest(server.base)
    result, failed = run_module(dump_server.main, server.args())
    assert failed and result['msg'].startswith('path:') and 'symbolic link' in result['msg']
    assert tree_digest(server.base) == before
    os.unlink(server.root)
    os.symlink(str(elsewhere), os.path.join(str(server.home), '.ssh'))
    before = tree_digest(server.base)
    result, failed = run_module(dump_server.main, server.args())
    assert failed and result['msg'].startswith('user:') and 'symbolic link' in result['msg']
    assert tree_digest(server.base) == before


def test_existing_root_gets_owner_and_mode(run_module, server):
    os.makedirs(server.root, 0o755)
    os.chmod(server.root, 0o755)
    result, failed = run_module(dump_server.main, server.args())
    assert not failed and result['changed']
    assert stat.S_IMODE(os.stat(server.root).st_mode) == 0o700


def test_a_changed_receiver_is_refreshed(run_module, server):
    run_module(dump_server.main, server.args())
    with open(server.receiver, 'a') as handle:
        handle.write('# changed\n')
    result, failed = run_module(dump_server.main, server.args())
    assert not failed and result['changed']
    with open(server.receiver) as handle:
        assert not handle.read().endswith('# changed\n')


def test_isolate_false_writes_restrict_only_and_no_receiver(run_module, server):
    result, failed = run_module(dump_server.main, server.args(isolate=False, key_options='restrict,pty'))
    assert not failed
    assert result['entry'] == 'from="192.168.77.1",restrict,pty %s kdump@client1' % KEY_1.rsplit(' ', 1)[0]
    assert not os.path.exists(server.receiver)


def test_a_shell_that_cannot_run_commands_is_warned_about(run_module, server):
    server.accounts['kdump'] = server.accounts['kdump']._replace(pw_shell='/usr/sbin/nologin')
    _result, failed = run_module(dump_server.main, server.args())
    assert not failed and any('nologin' in warning for warning in server.warnings)


# --- authorized_keys lines --------------------------------------------------------------

@pytest.mark.parametrize('line, blob', [
    (KEY_1, BLOB_1),
    ('restrict ' + KEY_1, BLOB_1),
    ('command="a b, c",from="x,y" ' + KEY_1, BLOB_1),
    ('command="echo \\"q, r\\" s" ' + KEY_1, BLOB_1),
    ('  ' + KEY_1 + '\r\n', BLOB_1),
    ('# ' + KEY_1, None),
    ('', None),
    ('garbage line here', None),
])
def test_key_blob_of_line(line, blob):
    assert key_blob_of_line(line) == blob


def test_update_keeps_crlf_lines_and_a_missing_final_newline():
    text = '# a\r\nrestrict %s\r\n# b' % KEY_1
    assert update_authorized_keys(text, BLOB_1, 'NEW') == '# a\r\nNEW\r\n# b'
    assert update_authorized_keys('# only', BLOB_2, 'NEW') == '# only\nNEW\n'
    assert update_authorized_keys(None, BLOB_2, None) == ''


class _FakeModule(object):
    check_mode = False
    params = {'unsafe_writes': False}

    @staticmethod
    def atomic_move(source, target, **_options):
        os.rename(source, target)

    @staticmethod
    def fail_json(msg, **kwargs):
        raise AssertionError(msg)


def _add_client(home, index):
    blob = 'AAAAC3NzaC1lZDI1NTE5AAAAI' + ('%02d' % index) * 20
    update_keys_file(_FakeModule(), home, os.getuid(), os.getgid(), blob, 'restrict ssh-ed25519 %s kdump@c%d' % (blob, index))


def test_clients_added_at_the_same_time_keep_each_others_lines(tmp_path):
    home = str(tmp_path)
    context = multiprocessing.get_context('fork')
    workers = [context.Process(target=_add_client, args=(home, index)) for index in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0] * 12
    with open(os.path.join(home, '.ssh', 'authorized_keys')) as handle:
        lines = handle.read().splitlines()
    assert sorted(lines) == sorted('restrict ssh-ed25519 %s kdump@c%d' % ('AAAAC3NzaC1lZDI1NTE5AAAAI' + ('%02d' % index) * 20, index)
                                   for index in range(12))
    assert dump_server_access.KEYS_MODE == stat.S_IMODE(os.stat(os.path.join(home, '.ssh', 'authorized_keys')).st_mode)
