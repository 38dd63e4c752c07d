# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Create the dump directory kdump needs before it starts.

mkdumprd refuses to build the kdump initramfs when ``path`` does not exist
(on the running system for the default target, below the mount point of the
target filesystem for ``ext4 UUID=...``-style targets).

``ensure_dump_dir(module, path, device=None)`` creates it with mode 0700 and
restores its SELinux context when ``restorecon`` exists; it returns
``dict(changed, path, warning)`` where ``path`` is the absolute directory
(None when the target filesystem is not mounted, with ``warning`` saying so).
Nothing is created in check mode.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

PROC_MOUNTS = '/proc/mounts'
DIR_MODE = 0o700


def _unescape_mount_field(field):
    """/proc/mounts escapes space, tab, newline and backslash as octal."""
    for code, character in (('\\040', ' '), ('\\011', '\t'), ('\\012', '\n'), ('\\134', '\\')):
        field = field.replace(code, character)
    return field


def parse_proc_mounts(text):
    """``/proc/mounts`` text to a list of ``(device, mount_point, fstype)``."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape_mount_field(fields[0]), _unescape_mount_field(fields[1]), fields[2]))
    return mounts


def device_node(spec):
    """Where udev links a ``UUID=``/``LABEL=`` spec; device nodes unchanged."""
    if spec.startswith('UUID='):
        return '/dev/disk/by-uuid/%s' % spec[len('UUID='):]
    if spec.startswith('LABEL='):
        return '/dev/disk/by-label/%s' % spec[len('LABEL='):].replace('/', '\\x2f')
    return spec


def find_mount_point(spec, mounts, realpath=os.path.realpath):
    """Mount point of the filesystem ``spec`` names, or None when not mounted."""
    wanted = realpath(device_node(spec))
    for device, mount_point, _fstype in mounts:
        if device.startswith('/') and realpath(device) == wanted:
            return mount_point
    return None


def dump_dir_path(path, device, mounts, realpath=os.path.realpath):
    """Absolute directory for ``path`` on ``device`` (None = root filesystem)."""
    if device is None:
        return path
    mount_point = find_mount_point(device, mounts, realpath)
    if mount_point is None:
        return None
    return os.path.join(mount_point, path.lstrip('/'))


def _read_mounts():
    try:
        with open(PROC_MOUNTS) as handle:
            return parse_proc_mounts(handle.read())
    except (IOError, OSError):
        return []


def ensure_dump_dir(module, path, device=None):
    """Create the dump directory; see the module docstring."""
    mounts = _read_mounts() if device is not None else []
    directory = dump_dir_path(path, device, mounts)
    if directory is None:
        return {'changed': False, 'path': None,
                'warning': 'dump path %s was not created: the target filesystem %s is not mounted; '
                           'create it before kdump starts' % (path, device)}
    if os.path.isdir(directory):
        return {'changed': False, 'path': directory, 'warning': None}
    if not module.check_mode:
        try:
            os.makedirs(directory, DIR_MODE)
            os.chmod(directory, DIR_MODE)
        except OSError as error:
            module.fail_json(msg='create_path: could not create dump path %s: %s' % (directory, error))
        restorecon = module.get_bin_path('restorecon')
        if restorecon:
            module.run_command([restorecon, directory], check_rc=True)
    return {'changed': True, 'path': directory, 'warning': None}
