#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: dump_server
short_description: Let one kdump client store its crash dumps on an ssh dump server, and nothing else
version_added: 0.2.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Runs on the dump server (delegate the task to it). Many hosts send their vmcores over ssh to one account
    there; this module writes the C(authorized_keys) line of one client and prepares what that line needs.
  - With O(isolate=true) (the default) the line is
    C(command="<receiver> --root <path> --tag <client_tag>",from="<client_address>",restrict <key> kdump@<client_name>).
    The forced command O(receiver) performs only the commands kdump sends - C(mkdir -p), C(dd of=), C(mv), C(scp)
    (both the legacy protocol and SFTP), the C(df), C(mktemp -dqp) and C(rmdir) checks C(kdumpctl) and C(mkdumprd)
    run when kdump starts - and only inside the client's own capture directories C(<path>/<client_tag>-<stamp>/).
    It runs no shell and no other program; reading, listing, deleting and writing anywhere else are refused with
    exit status 1 and a one-line reason, and logged to syslog (C(kdump-receive), facility C(auth)).
  - The receiver is installed (or refreshed) at O(receiver) from the collection, mode C(0755), owned by root, with
    the Python interpreter that runs this module.
  - The dump root O(path) is created when missing, owned by O(user), mode C(0700); an existing directory gets
    that owner and mode. A symbolic link or a file at O(path) fails the task - links are never followed.
  - C(~/.ssh/authorized_keys) of O(user) holds exactly one line per client key - a line holding the same key is
    replaced, every other line and comment is kept byte for byte. C(.ssh) (mode C(0700)) and the file (mode C(0600))
    are created, owned by O(user), when missing. The file is edited under a lock, so the task may run for many
    clients at the same time.
  - Fails, without changing anything, when O(user) does not exist (accounts are never created) or a parameter is
    wrong; the message names the parameter.
options:
  user:
    description: The account the clients log in to. It must exist.
    type: str
    required: true
  path:
    description:
      - The dump root - the C(path) of the clients' C(kdump.conf) or their C(KDUMP_COREDIR). Absolute, not C(/),
        written plainly (no trailing C(/), no C(.), C(..) or C(//)), with letters, digits and C(_.+-,:=@%) only.
      - The clients must name it exactly this way, as the receiver compares paths by their spelling.
    type: str
    required: true
  client_tag:
    description:
      - The name the client's capture directories start with, C(<client_tag>-<stamp>/) - an IPv4 address, an IPv6
        address (no brackets) or a host name.
        RV(crashdump.kdump.kdump_ssh_client#module:tag) computes it on the client the way its capture kernel will.
      - Required with O(state=present) and O(isolate=true).
    type: str
  client_address:
    description:
      - Where the client connects from, written as C(from="...") so the key works from there only - an address, a
        network C(address/length), a host name or an sshd pattern; several separated by commas.
      - Omit it to accept the key from anywhere.
    type: str
  public_key:
    description:
      - The client's public key line, C(<type> <base64> [comment]), for example the content of
        C(/root/.ssh/kdump_id_ed25519.pub). The key identifies the client's line.
    type: str
    required: true
  client_name:
    description: Written as the line's comment, C(kdump@<client_name>). Default - the comment of O(public_key).
    type: str
  state:
    description: V(absent) removes the line holding O(public_key) and nothing else.
    type: str
    choices: [present, absent]
    default: present
  receiver:
    description: Where the forced command is installed.
    type: str
    default: /usr/local/libexec/crashdump-kdump/kdump-receive
  key_options:
    description:
      - More C(authorized_keys) options, comma-separated, for example C(expiry-time="20271231"). C(restrict) is
        always written; giving it again changes nothing.
      - With O(isolate=true) only options that narrow the key further are accepted (C(expiry-time),
        C(verify-required), C(no-touch-required) and the C(no-*) options); C(from=) comes from O(client_address).
    type: str
  isolate:
    description:
      - V(true) confines the client to its own capture directories with the forced command O(receiver).
      - V(false) writes the key with C(restrict) only (and C(from=) when O(client_address) is given), as
        before this module existed - B(not recommended) - root on any client can then read, change and delete
        every other client's dumps, and run any command as O(user) on the server. The receiver is not installed.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows C(authorized_keys) before and after.
  platform:
    platforms: posix
notes:
  - Why a forced command per key in one shared account, and not one account per client - every client keeps the
    one C(path) and C(user@server) of the fleet's kdump configuration; no accounts are created on the server;
    kdump already writes each capture into a directory named after the client (C(<client_tag>-<stamp>/)), so
    confining a key to the directories with its tag is enough to keep clients apart; C(from=) makes a copied key
    useless from anywhere else; and unlike a per-client account (which C(restrict) alone would still let run any
    command) the receiver gives the key no shell at all.
  - The receiver accepts exactly the commands of kdump-tools (Debian) and of the RHEL family's capture script,
    C(kdumpctl) and C(mkdumprd). C(kdumpctl test) writes its status file with a shell redirection into
    C(kdump-test-<id>/), which names no client, so it is refused; crash-test with M(crashdump.kdump.kdump_crash)
    and O(crashdump.kdump.kdump_crash#module:method=sysrq) instead.
  - sshd runs a forced command through the account's login shell, so O(user) needs a shell such as C(/bin/sh),
    not C(nologin); the module warns otherwise. The same holds without O(isolate).
  - RV(server_time) is this server's clock; compare it with the times of files on this server, for example as
    O(crashdump.kdump.vmcore_info#module:since), never with the client's clock.
seealso:
  - module: crashdump.kdump.kdump_ssh_client
  - module: crashdump.kdump.vmcore_info
  - module: crashdump.kdump.kdump_conf
  - name: sshd(8) AUTHORIZED_KEYS FILE FORMAT
    description: The options of an C(authorized_keys) line.
    link: https://man.openbsd.org/sshd.8#AUTHORIZED_KEYS_FILE_FORMAT
'''

EXAMPLES = r'''
- name: Prepare the client's key and its capture tag
  crashdump.kdump.kdump_ssh_client:
    server: dumpserver.example.com
  register: kdump_client

- name: Let the client store its dumps on the server, in its own directories only
  crashdump.kdump.dump_server:
    user: kdump
    path: /srv/crash
    client_tag: "{{ kdump_client.tag }}"
    client_address: "{{ kdump_client.source_address }}"
    public_key: "{{ kdump_client.public_key }}"
    client_name: "{{ inventory_hostname }}"
  delegate_to: dumpserver.example.com
  register: dump_server

- name: A key that stops working at the end of 2027
  crashdump.kdump.dump_server:
    user: kdump
    path: /srv/crash
    client_tag: 192.0.2.10
    client_address: 192.0.2.10
    public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3sp5iy3HIuEpJAJyn5q93omcOq+QYKfqP283iz+BfH root@web1"
    key_options: expiry-time="20271231"
  delegate_to: dumpserver.example.com

- name: Remove a decommissioned client's key
  crashdump.kdump.dump_server:
    user: kdump
    path: /srv/crash
    public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3sp5iy3HIuEpJAJyn5q93omcOq+QYKfqP283iz+BfH root@web1"
    state: absent
  delegate_to: dumpserver.example.com
'''

RETURN = r'''
changed:
  description: Whether the dump root, the receiver or C(authorized_keys) was (or in check mode would be) changed.
  returned: always
  type: bool
entry:
  description: The client's C(authorized_keys) line.
  returned: when O(state=present)
  type: str
  sample: >-
    command="/usr/local/libexec/crashdump-kdump/kdump-receive --root /srv/crash --tag 192.0.2.10",from="192.0.2.10",restrict
    ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3sp5iy3HIuEpJAJyn5q93omcOq+QYKfqP283iz+BfH kdump@web1
authorized_keys_file:
  description: The C(authorized_keys) file of O(user).
  returned: always
  type: str
  sample: /home/kdump/.ssh/authorized_keys
receiver:
  description: Path of the forced command (installed only with O(isolate=true) and O(state=present)).
  returned: always
  type: str
  sample: /usr/local/libexec/crashdump-kdump/kdump-receive
host_keys:
  description:
    - This server's host keys, C(<type> <base64>) each, from C(/etc/ssh/ssh_host_*_key.pub) - to pin in the client's
      C(known_hosts) (O(crashdump.kdump.kdump_ssh_client#module:known_hosts)).
  returned: always
  type: list
  elements: str
  sample: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkF0tX1mWbq2Nx2Yh0kE1Qv7f6b8nE9y2sZ2l4m5n6o"]
free_bytes:
  description: Bytes available on the filesystem of O(path) (of its nearest existing parent before it is created).
  returned: always
  type: int
  sample: 53687091200
server_time:
  description:
    - This server's clock (epoch seconds) when the module ran. Use it as the "since" of a crash test whose dump lands
      here, so the server's file times are compared with the server's clock only.
  returned: always
  type: float
  sample: 1767225600.25
'''

import glob
import os
import pwd
import sys
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server import receiver as ssh_receiver
from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server.access import (
    AccessError,
    ensure_dump_root,
    free_bytes,
    host_key_line,
    install_receiver,
    preflight,
    update_keys_file,
    validate,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text

DEFAULT_RECEIVER = '/usr/local/libexec/crashdump-kdump/kdump-receive'
HOST_KEY_GLOB = '/etc/ssh/ssh_host_*_key.pub'
RECEIVER_OWNER = (0, 0)
SHELLS_WITHOUT_COMMANDS = ('nologin', 'false')

ARGUMENT_SPEC = dict(
    user=dict(type='str', required=True),
    path=dict(type='str', required=True),
    client_tag=dict(type='str'),
    client_address=dict(type='str'),
    public_key=dict(type='str', required=True, no_log=False),
    client_name=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    receiver=dict(type='str', default=DEFAULT_RECEIVER),
    key_options=dict(type='str', no_log=False),
    isolate=dict(type='bool', default=True),
)


def lookup_account(name):
    """``pwd`` entry of the dump user, or None."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def receiver_script():
    """This collection's receiver as an executable script for this server's Python."""
    loader = getattr(ssh_receiver, '__loader__', None)
    source = loader.get_source(ssh_receiver.__name__) if loader is not None and hasattr(loader, 'get_source') else None
    if source is None:
        with open(ssh_receiver.__file__, 'rb') as handle:
            source = handle.read()
    # Some loaders (ansible-core's collection loader) hand the source as bytes.
    return b'#!' + to_bytes(sys.executable) + b'\n' + to_bytes(source)


def server_host_keys():
    """``<type> <base64>`` of every host public key of this server."""
    keys = []
    for path in sorted(glob.glob(HOST_KEY_GLOB)):
        line = host_key_line(read_text(path))
        if line and line not in keys:
            keys.append(line)
    return keys


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    try:
        access = validate(params)
    except AccessError as error:
        module.fail_json(msg=str(error), changed=False)
    account = lookup_account(params['user'])
    if account is None:
        module.fail_json(msg='user: there is no account %r on this server; create it first (this module never creates '
                             'accounts)' % params['user'], changed=False)
    if os.path.basename(account.pw_shell or '') in SHELLS_WITHOUT_COMMANDS:
        module.warn('the login shell of %s is %s; sshd runs every command of the key through it, so kdump cannot save '
                    'dumps until the account has a shell such as /bin/sh' % (params['user'], account.pw_shell))
    present = params['state'] == 'present'
    changed = False
    try:
        preflight(params, account.pw_dir, account.pw_uid, account.pw_gid)
        if present:
            changed |= ensure_dump_root(module, params['path'], account.pw_uid, account.pw_gid)
            if params['isolate']:
                changed |= install_receiver(module, params['receiver'], receiver_script(), *RECEIVER_OWNER)
        keys = update_keys_file(module, account.pw_dir, account.pw_uid, account.pw_gid, access.key.blob, access.entry)
    except AccessError as error:
        module.fail_json(msg=str(error), changed=changed)
    result = dict(
        changed=changed or keys['changed'],
        authorized_keys_file=keys['path'],
        receiver=params['receiver'],
        host_keys=server_host_keys(),
        free_bytes=free_bytes(params['path']),
        server_time=time.time(),
    )
    if present:
        result['entry'] = access.entry
    if module._diff and keys['diff'] is not None:
        result['diff'] = keys['diff']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
