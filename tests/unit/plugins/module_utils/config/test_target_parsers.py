# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_dir import (
    dump_dir_path,
    find_mount_point,
    parse_proc_mounts,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.config.host_identity import parse_ip_addresses

IP_O_ADDR = """1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever
2: enp1s0    inet 192.168.122.15/24 brd 192.168.122.255 scope global dynamic noprefixroute enp1s0\\       valid_lft 3517sec preferred_lft 3517sec
2: enp1s0    inet6 fe80::5054:ff:fe12:3456/64 scope link noprefixroute \\       valid_lft forever preferred_lft forever
"""

PROC_MOUNTS = """/dev/mapper/rhel-root / xfs rw,seclabel,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/vda1 /boot xfs rw,seclabel,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
/dev/vdb1 /srv/kdump\\040dumps ext4 rw,seclabel,relatime 0 0
"""

LINKS = {'/dev/disk/by-uuid/0a1b': '/dev/vdb1', '/dev/disk/by-label/kdump': '/dev/vdb1'}


def fake_realpath(path):
    return LINKS.get(path, path)


def test_ip_addresses_include_every_interface_address():
    assert parse_ip_addresses(IP_O_ADDR) == set(['127.0.0.1', '::1', '192.168.122.15', 'fe80::5054:ff:fe12:3456'])


def test_proc_mounts_unescapes_spaces():
    assert ('/dev/vdb1', '/srv/kdump dumps', 'ext4') in parse_proc_mounts(PROC_MOUNTS)


def test_uuid_and_label_targets_resolve_to_their_mount_point():
    mounts = parse_proc_mounts(PROC_MOUNTS)
    assert find_mount_point('UUID=0a1b', mounts, fake_realpath) == '/srv/kdump dumps'
    assert find_mount_point('LABEL=kdump', mounts, fake_realpath) == '/srv/kdump dumps'
    assert dump_dir_path('/vmcores', 'UUID=0a1b', mounts, fake_realpath) == '/srv/kdump dumps/vmcores'


def test_unmounted_target_has_no_dump_dir():
    assert dump_dir_path('/vmcores', 'UUID=ffff', parse_proc_mounts(PROC_MOUNTS), fake_realpath) is None


def test_no_device_means_path_on_root_filesystem():
    assert dump_dir_path('/var/crash', None, []) == '/var/crash'
