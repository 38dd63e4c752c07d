# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Distribution default crashkernel= values: the tool first, then the shipped tables."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.defaults import (
    distro_default,
    parse_debian_version,
    parse_default_output,
    table_default,
)
from ansible_collections.crashdump.kdump.plugins.module_utils.common.platform import Platform


@pytest.mark.parametrize('platform, machine, version, major, expected', [
    ('el8', 'x86_64', None, None, '1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M'),
    ('el8', 'aarch64', None, None, '2G-:448M'),
    ('el9', 'x86_64', None, None, '1G-4G:192M,4G-64G:256M,64G-:512M'),
    ('el9', 'aarch64', None, None, '1G-4G:256M,4G-64G:320M,64G-:576M'),
    ('el10', 'x86_64', None, None, '2G-64G:256M,64G-:512M'),
    ('el10', 'aarch64', None, None, '2G-4G:256M,4G-64G:320M,64G-:576M'),
    ('el10', 'riscv64', None, None, None),
    ('debian', 'x86_64', (1, 1, 8, 1), 12, '384M-:128M'),
    ('debian', 'x86_64', (1, 1, 10, 3), 13, '512M-:192M'),
    ('debian', 'x86_64', None, 12, '384M-:128M'),
    ('debian', 'x86_64', None, 13, '512M-:192M'),
    ('debian', 'aarch64', (1, 1, 8, 1), 12, '2G-4G:320M,4G-32G:512M,32G-64G:1024M,64G-128G:2048M,128G-:4096M'),
    ('debian', 'i686', (1, 1, 8, 1), 12, '384M-:128M'),
], ids=['el8-x86_64', 'el8-aarch64', 'el9-x86_64', 'el9-aarch64', 'el10-x86_64', 'el10-aarch64', 'el10-unknown-arch',
        'bookworm-package', 'trixie-package', 'bookworm-release', 'trixie-release', 'debian-arm64', 'debian-other'])
def test_table_default_per_release_and_arch(platform, machine, version, major, expected):
    assert table_default(platform, machine, kdump_tools_version=version, os_major=major) == expected


@pytest.mark.parametrize('text, expected', [
    ('1:1.8.1', (1, 1, 8, 1)),
    ('1:1.10.3+b1', (1, 1, 10, 3)),
    ('1.6.0-2', (0, 1, 6, 0)),
    ('', None),
    ('x:y', None),
], ids=['epoch', 'binnmu', 'no-epoch', 'empty', 'garbage'])
def test_debian_version_parsing(text, expected):
    assert parse_debian_version(text) == expected


@pytest.mark.parametrize('text, expected', [
    ('2G-64G:256M,64G-:512M', '2G-64G:256M,64G-:512M'),
    ('1G-4G:192M,4G-64G:256M,64G-:512M\n', '1G-4G:192M,4G-64G:256M,64G-:512M'),
    ('kdump: Usage: /usr/bin/kdumpctl {estimate|start|stop}', None),
    ('', None),
], ids=['no-trailing-newline', 'newline', 'usage-text', 'empty'])
def test_get_default_crashkernel_output(text, expected):
    assert parse_default_output(text) == expected


class FakeModule(object):
    def __init__(self, outputs, binaries):
        self.outputs = outputs
        self.binaries = binaries
        self.commands = []

    def get_bin_path(self, name, required=False):
        return self.binaries.get(name)

    def run_command(self, argv, **kwargs):
        self.commands.append(argv)
        return self.outputs[tuple(argv[1:])]


def test_kdumpctl_answer_wins_over_the_table():
    module = FakeModule({('get-default-crashkernel',): (0, '2G-64G:320M,64G-:576M', '')}, {})
    platform = Platform('el10', tool_path='/usr/bin/kdumpctl')
    assert distro_default(module, platform, 'x86_64') == ('2G-64G:320M,64G-:576M',
                                                          'kdumpctl get-default-crashkernel')


def test_el8_kdumpctl_without_the_subcommand_falls_back_to_the_table():
    usage = 'kdump: Usage: /usr/bin/kdumpctl {estimate|start|stop|status|restart|reload|rebuild|propagate|showmem}'
    module = FakeModule({('get-default-crashkernel',): (1, '', usage)}, {})
    platform = Platform('el8', tool_path='/usr/bin/kdumpctl')
    assert distro_default(module, platform, 'x86_64') == ('1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M',
                                                          'built-in table for el8 x86_64')


def test_debian_default_follows_the_installed_kdump_tools_version():
    module = FakeModule({('-W', '-f=${Version}', 'kdump-tools'): (0, '1:1.8.1', '')},
                        {'dpkg-query': '/usr/bin/dpkg-query'})
    value, source = distro_default(module, Platform('debian', major=12), 'x86_64')
    assert value == '384M-:128M' and 'package' in source
