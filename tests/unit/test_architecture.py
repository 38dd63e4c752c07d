# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/architecture.md holds: its checklists name real files, and every table
those checklists name knows every platform family and every feature-gated
kdump.conf directive; the layout rules (packages with a README, tests that
mirror them, no long Jinja in the role and playbooks) hold."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os
import re

import pytest
import yaml

from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import PLATFORMS, Platform
from ansible_collections.crashdump.kdump.plugins.module_utils.config.backend_rhel import known_directives
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.bootloader import bootloader_for
from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.defaults import table_default
from ansible_collections.crashdump.kdump.plugins.module_utils.service import backend as service_backend
from ansible_collections.crashdump.kdump.plugins.module_utils.service.packages import PACKAGES, REQUIRED

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
ARCHITECTURE = os.path.join(ROOT, 'docs', 'architecture.md')
MODULE_UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
UNIT_MODULE_UTILS = os.path.join(ROOT, 'tests', 'unit', 'plugins', 'module_utils')


def _read(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return handle.read()


def checklist_files(title):
    """The repository paths a checklist of docs/architecture.md names, in order."""
    text = _read('docs', 'architecture.md')
    section = text.split('## Checklist: ' + title, 1)[1].split('\n## ', 1)[0]
    paths = []
    for path in re.findall(r'`((?:plugins|roles|tests)/[^`\s]+)`', section):
        if path not in paths:
            paths.append(path)
    return paths


@pytest.mark.parametrize('title', ['a new platform family', 'a new kdump.conf directive'])
def test_every_file_a_checklist_names_exists(title):
    paths = checklist_files(title)
    assert len(paths) >= 5
    missing = [path for path in paths if not os.path.exists(os.path.join(ROOT, path.rstrip('/')))]
    assert missing == []


FAMILIES = sorted(set(Platform(name).family for name in PLATFORMS))


class _Module(object):
    """Enough of AnsibleModule for constructing a boot loader."""
    params = {}

    def get_bin_path(self, name, required=False):
        return '/usr/sbin/' + name


def test_every_family_is_known_to_every_table_the_family_checklist_names():
    role_vars = yaml.safe_load(_read('roles', 'kdump', 'vars', 'main.yml'))
    assert FAMILIES == ['debian', 'rhel']
    assert sorted(PACKAGES) == sorted(REQUIRED) == FAMILIES
    assert sorted(role_vars['__kdump_packages']) == sorted(role_vars['__kdump_nfs_packages']) == FAMILIES
    for name in PLATFORMS:
        platform = Platform(name)
        assert service_backend.backend_for(platform).unit.startswith('kdump'), name
        assert hasattr(bootloader_for(_Module(), platform, 'x86_64'), 'read'), name
        assert table_default(name, 'x86_64', os_major=12) is not None, name
    # The role installs at least what the modules call required.
    for family in FAMILIES:
        assert set(REQUIRED[family]) <= set(role_vars['__kdump_packages'][family]), family


def _gated_directives():
    known = dict((name, known_directives(Platform(name, package_version=(9, 9, 9))))
                 for name in PLATFORMS if name != 'debian')
    every = set.intersection(*[set(names) for names in known.values()])
    return sorted(set.union(*[set(names) for names in known.values()]) - every)


def test_every_feature_gated_directive_went_through_the_directive_checklist():
    gated = _gated_directives()
    assert 'kdump_emergency' in gated and 'auto_reset_crashkernel' in gated
    for path in checklist_files('a new kdump.conf directive'):
        text = _read(path)
        assert [name for name in gated if name not in text] == [], path


# --- layout rules ------------------------------------------------------------

PACKAGES_ON_DISK = sorted(name for name in os.listdir(MODULE_UTILS)
                          if os.path.isdir(os.path.join(MODULE_UTILS, name)) and not name.startswith('_'))


def test_module_utils_is_packages_each_saying_what_it_owns():
    assert [name for name in os.listdir(MODULE_UTILS) if name.endswith('.py') and name != '__init__.py'] == []
    for package in PACKAGES_ON_DISK:
        readme = os.path.join(MODULE_UTILS, package, 'README.md')
        assert os.path.isfile(os.path.join(MODULE_UTILS, package, '__init__.py')), package
        assert os.path.isfile(readme) and '`' in open(readme).read(), package
        assert '`%s/`' % package in _read('docs', 'architecture.md'), package


def test_unit_tests_mirror_the_packages():
    test_packages = sorted(name for name in os.listdir(UNIT_MODULE_UTILS)
                           if os.path.isdir(os.path.join(UNIT_MODULE_UTILS, name)) and not name.startswith('_'))
    assert test_packages == PACKAGES_ON_DISK
    for package in PACKAGES_ON_DISK:
        tests = glob.glob(os.path.join(UNIT_MODULE_UTILS, package, 'test_*.py'))
        assert tests, package
        for test in tests:
            imported = set(re.findall(r'plugins\.module_utils\.(\w+)\.', open(test).read()))
            assert package in imported, test


JINJA = re.compile(r'\{\{.*?\}\}|\{%.*?%\}', re.DOTALL)


def test_no_jinja_expression_in_the_role_or_playbooks_is_longer_than_three_lines():
    long_ones = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'roles', '**', '*.yml'), recursive=True)
                       + glob.glob(os.path.join(ROOT, 'playbooks', '**', '*.yml'), recursive=True)):
        with open(path) as handle:
            text = handle.read()
        for match in JINJA.finditer(text):
            if match.group(0).count('\n') >= 3:
                long_ones.append('%s:%d' % (os.path.relpath(path, ROOT), text[:match.start()].count('\n') + 1))
    assert long_ones == []
