#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kdump_ssh_client
short_description: Prepare a host to send its vmcore to an ssh dump server - its key, its capture tag, the server's host keys
version_added: 0.2.0
author:
  - crashdump.kdump contributors (@crashdump)
description:
  - Creates the key kdump uses for an ssh target when it is missing (its directory too, mode C(0700), only when
    the directory does not exist - an existing directory is never changed) and returns its public half.
  - Computes the tag kdump will give this host's capture directories on the server (C(<tag>-<stamp>/)), the
    way the capture kernel does - on the RHEL family the first address of the device that routes to the server,
    on Debian the C(HOSTTAG) setting of kdump-tools (the last IPv4 address that is up, or the host name) - and
    the source address the server sees the connection come from. M(crashdump.kdump.dump_server) confines the
    host to its own directories with these; M(crashdump.kdump.vmcore_info) O(crashdump.kdump.vmcore_info#module:client)
    finds this host's captures with the tag.
  - With O(known_hosts), pins those host keys of the server in O(known_hosts_file) (kdump connects with strict
    host key checking and no one to answer a prompt). Existing lines are kept.
options:
  server:
    description:
      - The dump server as the ssh target names it (the part after C(@) of C(user@host)); an IPv6 literal may be
        in brackets. Resolved on this host to find the route kdump will use.
    type: str
    required: true
  sshkey:
    description: Private key kdump uses (kdump.conf C(sshkey), kdump-tools C(SSH_KEY)). Created as ed25519 when absent.
    type: path
    default: /root/.ssh/kdump_id_ed25519
  key_comment:
    description: Comment of a newly created key. Default C(kdump@<host name>).
    type: str
  known_hosts:
    description: Host keys of the server (C(<type> <base64>) each) to pin for O(server).
    type: list
    elements: str
    default: []
  known_hosts_file:
    description: The known_hosts file kdump's ssh reads.
    type: path
    default: /root/.ssh/known_hosts
  config_file:
    description: The kdump-tools configuration to read C(HOSTTAG) from (Debian). Default C(/etc/default/kdump-tools).
    type: path
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - crashdump.kdump.platform
attributes:
  check_mode:
    support: full
    details: Reports whether the key would be created and the host keys pinned; RV(public_key) is empty when the key does not exist yet.
  diff_mode:
    support: full
    details: Shows the change of O(known_hosts_file).
  platform:
    platforms: posix
notes:
  - The tag can only be computed while the route and the interfaces are as they will be in the capture kernel;
    a host whose capture environment uses another network device should set C(HOSTTAG=hostname) (Debian).
seealso:
  - module: crashdump.kdump.dump_server
  - module: crashdump.kdump.vmcore_info
'''

EXAMPLES = r'''
- name: Key, capture tag and source address of this host
  crashdump.kdump.kdump_ssh_client:
    server: dumps.example.com
  register: client

- name: Allow the host on the dump server, confined to its own directories
  crashdump.kdump.dump_server:
    user: kdumpsrv
    path: /var/crash
    client_tag: "{{ client.tag }}"
    client_address: "{{ client.source_address }}"
    public_key: "{{ client.public_key }}"
    client_name: "{{ inventory_hostname }}"
  delegate_to: dumps.example.com
  register: server

- name: Pin the server's host keys
  crashdump.kdump.kdump_ssh_client:
    server: dumps.example.com
    known_hosts: "{{ server.host_keys }}"
'''

RETURN = r'''
public_key:
  description: The public key (C(<type> <base64> <comment>)); empty in check mode when the key does not exist yet.
  returned: always
  type: str
sshkey:
  description: Path of the private key.
  returned: always
  type: str
key_created:
  description: Whether the key was (or in check mode would be) created.
  returned: always
  type: bool
tag:
  description: The tag of this host's capture directories on the server (C(<tag>-<stamp>/)).
  returned: always
  type: str
  sample: 192.168.77.10
tag_source:
  description: How the tag was found.
  returned: always
  type: str
  sample: HOSTTAG=ip (last IPv4 address up)
server_address:
  description: The address O(server) resolves to on this host.
  returned: always
  type: str
source_address:
  description: The address this host's connections to the server come from (for C(from=) on the server).
  returned: always
  type: str
known_hosts_changed:
  description: Whether host keys were (or would be) added to O(known_hosts_file).
  returned: always
  type: bool
platform:
  description: The probed or given platform.
  returned: always
  type: dict
'''

import os
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.crashdump.kdump.plugins.module_utils.dump_server.client_tag import (
    CaptureTagError,
    add_known_hosts,
    compute_tag,
    parse_addr_show,
    parse_route_get,
    split_server,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text, write_text
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import (
    PLATFORM_ARGUMENT_SPEC,
    PlatformError,
    probe_platform,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.shell_vars import ShellVarsFile

DEBIAN_CONFIG = '/etc/default/kdump-tools'

ARGUMENT_SPEC = dict(
    server=dict(type='str', required=True),
    sshkey=dict(type='path', default='/root/.ssh/kdump_id_ed25519'),
    key_comment=dict(type='str'),
    known_hosts=dict(type='list', elements='str', default=[]),
    known_hosts_file=dict(type='path', default='/root/.ssh/known_hosts'),
    config_file=dict(type='path'),
    platform=PLATFORM_ARGUMENT_SPEC,
)


def validate(module, params):
    try:
        server = split_server(params['server'])
    except CaptureTagError as error:
        module.fail_json(msg=str(error))
    for key in params['known_hosts']:
        fields = key.split()
        if len(fields) < 2 or not fields[0].startswith(('ssh-', 'ecdsa-', 'sk-')):
            module.fail_json(msg='known_hosts: %r is not a host key; allowed: "<type> <base64>" such as '
                                 '"ssh-ed25519 AAAA..."' % key)
    if params['sshkey'].endswith('/') or os.path.isdir(params['sshkey']):
        module.fail_json(msg='sshkey: %s is a directory; allowed: the path of a private key file' % params['sshkey'])
    return server


def resolve(module, server):
    """The server's address and its family as the host resolves it."""
    try:
        infos = socket.getaddrinfo(server, 22, 0, socket.SOCK_STREAM)
    except socket.gaierror as error:
        module.fail_json(msg='server: %s does not resolve on this host (%s); kdump could not reach it either'
                             % (server, error))
    family, _type, _proto, _name, sockaddr = infos[0]
    return sockaddr[0], 'inet6' if family == socket.AF_INET6 else 'inet'


def ensure_key(module, sshkey, comment):
    """Create the key (and, only if missing, its directory) unless it exists."""
    if os.path.exists(sshkey):
        return False
    if module.check_mode:
        return True
    directory = os.path.dirname(sshkey)
    if not os.path.isdir(directory):
        # Only a directory made here gets 0700; an existing one (say /etc) is never changed.
        os.makedirs(directory, 0o700)
    keygen = module.get_bin_path('ssh-keygen', required=True)
    rc, _out, err = module.run_command([keygen, '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', sshkey])
    if rc != 0:
        module.fail_json(msg='ssh-keygen could not create %s: %s' % (sshkey, err.strip()))
    return True


def read_public_key(sshkey):
    text = read_text(sshkey + '.pub')
    return text.strip() if text else ''


def network_facts(module, server_address):
    ip_command = module.get_bin_path('ip', required=True)
    rc, route_out, err = module.run_command([ip_command, '-o', 'route', 'get', server_address])
    route = parse_route_get(route_out) if rc == 0 else {'dev': None, 'src': None}
    if rc != 0:
        module.warn('ip route get %s: %s' % (server_address, err.strip()))
    rc, addr_out, err = module.run_command([ip_command, 'addr', 'show', 'up'])
    if rc != 0:
        module.fail_json(msg='ip addr show up failed: %s' % err.strip())
    return route, parse_addr_show(addr_out)


def hosttag_setting(platform, config_file):
    if platform.name != 'debian':
        return None
    text = read_text(config_file or DEBIAN_CONFIG)
    return ShellVarsFile.parse(text).get('HOSTTAG') if text else None


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    server = validate(module, params)
    try:
        platform = probe_platform(module, params['platform'])
    except PlatformError as error:
        module.fail_json(msg=str(error))

    server_address, family = resolve(module, server)
    route, addresses = network_facts(module, server_address)
    hostname = socket.gethostname()
    try:
        tag, tag_source = compute_tag(platform.name, hosttag_setting(platform, params['config_file']),
                                      hostname, route, addresses, family)
    except CaptureTagError as error:
        module.fail_json(msg='cannot tell the name of this host\'s captures on %s: %s' % (server, error))

    key_created = ensure_key(module, params['sshkey'], params['key_comment'] or 'kdump@%s' % hostname)
    result = dict(
        changed=key_created, key_created=key_created, sshkey=params['sshkey'],
        public_key=read_public_key(params['sshkey']), tag=tag, tag_source=tag_source,
        server_address=server_address, source_address=route.get('src') or tag,
        known_hosts_changed=False, platform=platform.as_dict(),
    )
    if params['known_hosts']:
        path = params['known_hosts_file']
        before = read_text(path)
        after = add_known_hosts(before, server, params['known_hosts'])
        if after != before and not module.check_mode and not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path), 0o700)
        written = write_text(module, path, after, before)
        result['known_hosts_changed'] = written['changed']
        result['changed'] = result['changed'] or written['changed']
        if module._diff and written['changed']:
            result['diff'] = written['diff']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
