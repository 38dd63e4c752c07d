# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Set a few kdump.conf directives from any module of the collection.

Example (the crashkernel module keeps kdump from resetting a custom value)::

    from ansible_collections.crashdump.kdump.plugins.module_utils.config.kdump_conf_update import (
        ensure_kdump_conf_directives,
    )
    result = ensure_kdump_conf_directives(module, '/etc/kdump.conf', {'auto_reset_crashkernel': 'no'})
    # result == {'changed': bool, 'diff': {...}, 'backup_file': None or str}

Only the named directives change; every other line stays byte for byte.
Check mode is respected.  Values are checked like the kdump_conf module
checks them (single line, no ``#``, not empty); a bad value fails the module.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import read_text, write_text
from ansible_collections.crashdump.kdump.plugins.module_utils.config.kdump_conf import KdumpConf
from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import SettingsError, check_text


def set_directives(text, directives):
    """Pure part: ``text`` with ``directives`` (name -> value) set; raises SettingsError."""
    conf = KdumpConf.parse(text or '')
    for name in sorted(directives):
        if not name or name.startswith('#') or len(name.split()) != 1:
            raise SettingsError('directive name %r is not a single word' % name)
        conf.set(name, check_text(name, str(directives[name])))
    return conf.render()


def ensure_kdump_conf_directives(module, config_file, directives, backup=False):
    """Make ``config_file`` contain ``directives`` (dict name -> value).

    Returns ``dict(changed=bool, diff=dict, backup_file=str or None)``.
    Fails the module (``fail_json``) when a value is invalid or the file
    cannot be written; a missing file is created.
    """
    before = read_text(config_file)
    try:
        after = set_directives(before, directives)
    except SettingsError as error:
        module.fail_json(msg='%s: %s' % (config_file, error))
    return write_text(module, config_file, after, before, backup=backup)
