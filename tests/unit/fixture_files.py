# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the sample files of ``tests/unit/fixtures/`` are, for tests that need their paths."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
VMCORE = os.path.join(FIXTURES, 'vmcore')
PANIC = os.path.join(FIXTURES, 'panic')


def find_fixture(name):
    """The path of the sample file ``name`` in ``vmcore/`` or, failing that, ``panic/``."""
    for directory in (VMCORE, PANIC):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    raise AssertionError('no fixture %s' % name)
