# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A play directory where crashdump.kdump's host modules are the fakes of ``fake_kdump/``.

The collection is laid out again next to the play (ansible-playbook finds
collections next to the playbook first): roles, playbooks and plugins are this
checkout's, except the modules and action plugins ``fake_kdump/`` replaces.
Each host is a local connection whose Python names the host to the fakes; its
world (a JSON file the fakes read and write) says what the host is like.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat
import sys

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
FAKES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fake_kdump')


def lay_out(tmp_path, worlds, site):
    """Write ``play/site.yml`` (SITE), the collection with the fakes, one world per host of
    WORLDS (name -> dict) and ``inventory.ini`` (group ``fleet``). Returns the world directory."""
    world = tmp_path / 'world'
    world.mkdir()
    collection = tmp_path / 'play' / 'collections' / 'ansible_collections' / 'crashdump' / 'kdump'
    (collection / 'plugins').mkdir(parents=True)
    for name in ('galaxy.yml', 'meta', 'playbooks', 'roles'):
        os.symlink(os.path.join(COLLECTION, name), str(collection / name))
    for name in os.listdir(os.path.join(COLLECTION, 'plugins')):
        if name not in ('modules', 'action', '__pycache__'):
            os.symlink(os.path.join(COLLECTION, 'plugins', name), str(collection / 'plugins' / name))
    for kind in ('modules', 'action'):
        (collection / 'plugins' / kind).mkdir()
        for name in os.listdir(os.path.join(COLLECTION, 'plugins', kind)):
            if name.endswith('.py'):
                source = os.path.join(FAKES, kind, name)
                if not os.path.exists(source):
                    source = os.path.join(COLLECTION, 'plugins', kind, name)
                os.symlink(source, str(collection / 'plugins' / kind / name))
    (tmp_path / 'play' / 'site.yml').write_text(site)
    lines = ['[fleet]']
    for host, facts in sorted(worlds.items()):
        (world / ('%s.json' % host)).write_text(json.dumps(facts))
        python = tmp_path / ('python-%s' % host)
        python.write_text('#!/bin/sh\nKDUMP_FAKE_WORLD=%s KDUMP_FAKE_HOST=%s exec %s "$@"\n'
                          % (world, host, sys.executable))
        python.chmod(python.stat().st_mode | stat.S_IEXEC)
        lines.append('%s ansible_python_interpreter=%s' % (host, python))
    lines += ['[fleet:vars]', 'ansible_connection=local', 'ansible_become=false']
    (tmp_path / 'inventory.ini').write_text('\n'.join(lines) + '\n')
    return world


def read_world(world, host):
    return json.loads((world / ('%s.json' % host)).read_text())
