# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The name this host's captures get on an ssh or NFS dump server.

A dump server holds every client's captures side by side as
``<tag>-<stamp>/``.  Which tag a client uses is decided in its capture
kernel, so the only way to find one client's captures (and to let a server
confine each client to its own directories) is to compute the tag exactly as
kdump will:

* RHEL family (kdump-utils / kexec-tools ``get_host_ip``): the first global
  address of the network device that routes to the server;
* Debian kdump-tools (``define_stampdir``): ``HOSTTAG=hostname`` gives the
  host name; ``HOSTTAG=ip`` (the default) the *last* IPv4 address that
  ``ip addr show up`` lists, whatever the route to the server.

The server sees the client's connection come from the route's source
address, which is what ``from=`` on the server must allow; on Debian that
need not be the tag.  All functions here are pure parsers of command output.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

_INET = re.compile(r'^\s*(inet6?)\s+([^/\s]+)')
_IFACE = re.compile(r'^\d+:\s+([^:@\s]+)[:@]')


class CaptureTagError(Exception):
    """The tag cannot be computed; the message says from what."""


def split_server(host):
    """``host`` of an ssh target as an address or name ssh understands:
    the brackets of an IPv6 literal removed.  Rejects what ssh would take as
    an option."""
    server = host.strip()
    if server.startswith('[') and server.endswith(']'):
        server = server[1:-1]
    if not server or server.startswith('-') or re.search(r'[\s/@]', server):
        raise CaptureTagError('server: %r is not a host name or address (it may not be empty, start with "-", '
                              'or hold blanks, "/" or "@")' % host)
    return server


def parse_route_get(text):
    """``ip -o route get <address>`` -> ``{'dev': ..., 'src': ...}`` (None when absent)."""
    fields = text.split()
    found = {'dev': None, 'src': None}
    for index, field in enumerate(fields[:-1]):
        if field in found and found[field] is None:
            found[field] = fields[index + 1]
    return found


def parse_addr_show(text):
    """``ip addr show`` (multi-line form) -> list of ``(interface, family, address, scope)``
    in the order ip prints them; ``family`` is ``inet`` or ``inet6``."""
    addresses = []
    interface = None
    for line in text.splitlines():
        match = _IFACE.match(line)
        if match:
            interface = match.group(1)
            continue
        match = _INET.match(line)
        if match and interface is not None:
            scope = line.split(' scope ', 1)[1].split()[0] if ' scope ' in line else 'global'
            addresses.append((interface, match.group(1), match.group(2), scope))
    return addresses


def route_device_address(addresses, device, family):
    """The first address of ``family`` on ``device`` that is neither host- nor
    link-local: what the RHEL capture kernel names its directories after."""
    for interface, found_family, address, scope in addresses:
        if interface == device and found_family == family and scope not in ('host', 'link') \
                and not _is_loopback(address):
            return address
    return None


def debian_ip_tag(addresses):
    """kdump-tools' ``HOSTTAG=ip``: the last IPv4 address of the interfaces
    that are up, loopback included (its ``ip addr show up | sed … | tail -n1``)."""
    inet = [address for _iface, family, address, _scope in addresses if family == 'inet']
    return inet[-1] if inet else None


def _is_loopback(address):
    return address.startswith('127.') or address == '::1'


def compute_tag(platform_name, hosttag, hostname, route, addresses, server_family):
    """The capture directory tag and where it comes from.

    ``platform_name``: ``debian`` or ``el*``; ``hosttag``: Debian's HOSTTAG
    setting (None = unset); ``route``: :func:`parse_route_get` of the route to
    the server; ``addresses``: :func:`parse_addr_show` of the interfaces that
    are up; ``server_family``: ``inet`` or ``inet6``.
    Returns ``(tag, source)``; raises ``CaptureTagError``.
    """
    if platform_name == 'debian':
        setting = (hosttag or 'ip').strip()
        if setting == 'hostname':
            return hostname, 'HOSTTAG=hostname'
        if setting != 'ip':
            raise CaptureTagError('HOSTTAG=%s in the kdump-tools configuration; kdump-tools knows only ip and hostname'
                                  % setting)
        tag = debian_ip_tag(addresses)
        if tag is None:
            # kdump-tools itself falls back to the host name when it finds no address.
            return hostname, 'HOSTTAG=ip (no IPv4 address up: host name)'
        return tag, 'HOSTTAG=ip (last IPv4 address up)'
    device = route.get('dev')
    if not device:
        raise CaptureTagError('no route to the dump server, so kdump cannot reach it either')
    tag = route_device_address(addresses, device, server_family)
    if tag is None:
        raise CaptureTagError('device %s routes to the dump server but has no %s address' % (device, server_family))
    return tag, 'first address of %s, the device routing to the server' % device


def known_hosts_lines(text, host):
    """Key lines (``<type> <base64>``) that ``text`` (a known_hosts file) pins
    for ``host`` in plain (unhashed) entries."""
    pinned = set()
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) >= 3 and not line.lstrip().startswith('#') and host in fields[0].split(','):
            pinned.add('%s %s' % (fields[1], fields[2]))
    return pinned


def add_known_hosts(text, host, keys):
    """``text`` with a ``<host> <key>`` line appended for each of ``keys`` not
    yet pinned; every existing line kept as it was."""
    pinned = known_hosts_lines(text, host)
    missing = [key for key in keys if ' '.join(key.split()[:2]) not in pinned]
    if not missing:
        return text
    result = text or ''
    if result and not result.endswith('\n'):
        result += '\n'
    for key in missing:
        result += '%s %s\n' % (host, ' '.join(key.split()[:2]))
    return result
