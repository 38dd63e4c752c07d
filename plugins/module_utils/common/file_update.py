# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write a text file the way every module of the collection should.

``read_text(path)`` and ``write_text(module, path, text, before, backup)``
are the only file I/O the modules need:

* the diff (``{'before', 'after', 'before_header', 'after_header'}``) is
  built for check mode and real runs alike;
* nothing is written in check mode, nor when the text is unchanged;
* the new text goes to a temporary file in the same directory, then
  ``module.atomic_move`` replaces the file, keeping the mode, owner and
  SELinux context of the existing file;
* a file that is a symbolic link is edited through the link: the file it
  resolves to gets the new text (temporary file in that file's directory,
  atomic move onto it) and the link stays a link.  A dangling link, a link
  loop or a link to something that is not a regular file fails
  (``write_destination``) before anything is written, in check mode too;
* ``backup=True`` keeps a copy via ``module.backup_local`` first (of the
  content, also when the file is a link).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import stat
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native


def read_text(path):
    """The file content as text (UTF-8, undecodable bytes kept via
    surrogateescape so a round trip is byte-exact), or None when absent."""
    try:
        with open(to_bytes(path), 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as error:
        if not os.path.exists(to_bytes(path)):
            return None
        raise error
    return data.decode('utf-8', 'surrogateescape')


def make_diff(path, before, after):
    """Ansible diff dict for ``path`` (``before`` None = file did not exist)."""
    return {
        'before': before or '',
        'after': after,
        'before_header': path if before is not None else '%s (absent)' % path,
        'after_header': path,
    }


class FileUpdateError(Exception):
    """A file cannot be written as asked; the message names the file and the cause."""


def write_destination(path):
    """The file a write of ``path`` must replace: ``path`` itself, or where its symbolic link leads.

    A link is followed to the end of its chain (relative targets from the
    link's directory).  Raises ``FileUpdateError`` naming ``path`` for a
    dangling link, a link loop, or a link to anything but a regular file.
    A missing ``path`` that is no link is returned as is (it will be created).
    """
    b_path = to_bytes(path)
    if not os.path.islink(b_path):
        return path
    try:
        target_mode = os.stat(b_path).st_mode
    except OSError as error:
        target = to_native(os.readlink(b_path))
        if error.errno == errno.ELOOP:
            raise FileUpdateError('%s is a symbolic link loop (it points to %s); fix or remove the link, '
                                  'nothing was written' % (path, target))
        if error.errno == errno.ENOENT:
            raise FileUpdateError('%s is a dangling symbolic link: its target %s does not exist; create the target '
                                  'or remove the link, nothing was written' % (path, target))
        raise FileUpdateError('cannot follow the symbolic link %s: %s' % (path, to_native(error)))
    resolved = to_native(os.path.realpath(b_path))
    if not stat.S_ISREG(target_mode):
        raise FileUpdateError('%s is a symbolic link to %s, which is not a regular file; nothing was written'
                              % (path, resolved))
    return resolved


def write_text(module, path, text, before, backup=False):
    """Make ``path`` contain ``text``; returns ``dict(changed, diff, backup_file)``.

    ``before`` is the content read earlier (None = absent).  ``backup_file``
    is None unless a backup was made.  A symbolic link is written through
    (``write_destination``); one that cannot be fails the module, in check
    mode too, with nothing written.
    """
    result = {'changed': before != text, 'diff': make_diff(path, before, text), 'backup_file': None}
    if not result['changed']:
        return result
    try:
        destination = write_destination(path)
    except FileUpdateError as error:
        module.fail_json(msg=str(error))
    if module.check_mode:
        return result
    if backup and before is not None:
        try:
            result['backup_file'] = module.backup_local(path)
        except Exception as error:  # pylint: disable=broad-except
            module.fail_json(msg='could not back up %s, nothing was written: %s' % (path, to_native(error)))
    directory = os.path.dirname(os.path.abspath(destination))
    handle, temp_path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(destination), dir=directory)
    try:
        with os.fdopen(handle, 'wb') as temp_file:
            temp_file.write(text.encode('utf-8', 'surrogateescape'))
        module.atomic_move(temp_path, destination, unsafe_writes=module.params.get('unsafe_writes', False))
    except Exception as error:  # pylint: disable=broad-except
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        where = path if destination == path else '%s (through its link to %s)' % (path, destination)
        module.fail_json(msg='could not write %s: %s' % (where, to_native(error)))
    return result
