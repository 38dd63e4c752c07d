# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An ssh target whose user or host ssh would read as an option is refused."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.config.settings import SettingsError, normalize_settings


def _settings(location):
    return dict(target={'type': 'ssh', 'location': location})


@pytest.mark.parametrize('location', ['-oProxyCommand=touch@x', 'kdump@-oProxyCommand=touch', 'kdump@[-x]', '-@h'])
def test_option_injection_is_refused_naming_the_parameter(location):
    with pytest.raises(SettingsError, match=r"target\.location.*(starts with '-'|neither starting)"):
        normalize_settings(_settings(location))


@pytest.mark.parametrize('location', ['kdumpsrv@192.168.77.12', 'root@dumps.example.com', 'k-d@srv-1',
                                      'kdump@[2001:db8::1]', 'kdump@2001:db8::1'])
def test_ordinary_targets_pass(location):
    assert normalize_settings(_settings(location))['target']['location'] == location
