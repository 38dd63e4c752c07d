# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sample content of the crash marker that kdump_crash writes, shared by the marker and capture_proof tests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# What a test crash of a Debian 12 guest with a local dump target covers (the marker's ``covered``).
COVERED = {'kernel_release': '6.1.0-28-amd64',
           'config_digest': {'sha256': '5d1c' * 16, 'files': [
               {'path': '/etc/default/kdump-tools', 'sha256': '9a0f' * 16, 'missing': False}]},
           'reserved_bytes': 268435456, 'memory_bytes': 2146954240, 'memory_source': '/proc/iomem System RAM',
           'target': {'type': 'local', 'location': None, 'path': '/var/crash'}}
