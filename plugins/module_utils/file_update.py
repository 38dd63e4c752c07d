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
* ``backup=True`` keeps a copy via ``module.backup_local`` first.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
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


def write_text(module, path, text, before, backup=False):
    """Make ``path`` contain ``text``; returns ``dict(changed, diff, backup_file)``.

    ``before`` is the content read earlier (None = absent).  ``backup_file``
    is None unless a backup was made.
    """
    result = {'changed': before != text, 'diff': make_diff(path, before, text), 'backup_file': None}
    if not result['changed'] or module.check_mode:
        return result
    if backup and before is not None:
        result['backup_file'] = module.backup_local(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, 'wb') as temp_file:
            temp_file.write(text.encode('utf-8', 'surrogateescape'))
        module.atomic_move(temp_path, path, unsafe_writes=module.params.get('unsafe_writes', False))
    except Exception as error:  # pylint: disable=broad-except
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        module.fail_json(msg='could not write %s: %s' % (path, to_native(error)))
    return result
