# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where dumps go, from kdump.conf and /etc/default/kdump-tools; what an ssh target may be."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.crashdump.kdump.plugins.module_utils.config.dump_target import (
    SSH_LOCATION_FORM,
    dump_level_of,
    parse_ssh_location,
    summarize_debian,
    summarize_rhel,
)

MOUNTS = [('/dev/vdb1', '/srv/kdump', 'xfs'), ('/dev/vda1', '/', 'ext4')]


@pytest.mark.parametrize('release', ['el8', 'el9', 'el10'])
def test_shipped_kdump_conf_dumps_locally_to_var_crash(fixture_text, release):
    summary = summarize_rhel(fixture_text('%s_kdump.conf' % release), MOUNTS)
    assert summary['type'] == 'local' and summary['location'] is None
    assert summary['path'] == summary['local_dir'] == '/var/crash'
    assert summary['dump_level'] == 31
    assert summary['core_collector'].startswith('makedumpfile -l --message-level')


@pytest.mark.parametrize('text, expected', [
    ('ssh kdump@dump.example.com\npath /srv/crash\n', ('ssh', 'kdump@dump.example.com', '/srv/crash', None)),
    ('nfs server:/export\n', ('nfs', 'server:/export', '/var/crash', None)),
    ('raw /dev/vdc\n', ('raw', '/dev/vdc', '/var/crash', None)),
    ('xfs /dev/vdb1\npath /vmcores\n', ('xfs', '/dev/vdb1', '/vmcores', '/srv/kdump/vmcores')),
    ('ext4 /dev/vdz9\n', ('ext4', '/dev/vdz9', '/var/crash', None)),
    ('dracut_args --mount "srv:/x /mnt nfs defaults"\n', ('dracut-mount', 'dracut_args', '/var/crash', None)),
    ('', ('local', None, '/var/crash', '/var/crash')),
], ids=['ssh', 'nfs', 'raw', 'mounted-xfs', 'unmounted-ext4', 'dracut-mount', 'empty'])
def test_rhel_targets(text, expected):
    summary = summarize_rhel(text, MOUNTS)
    location = 'dracut_args' if summary['type'] == 'dracut-mount' else summary['location']
    assert (summary['type'], location, summary['path'], summary['local_dir']) == expected


def test_rhel_default_collector_when_none_configured():
    assert summarize_rhel('path /var/crash\n', MOUNTS)['core_collector'] == 'makedumpfile -l --message-level 7 -d 31'


def test_debian_shipped_defaults(fixture_text):
    summary = summarize_debian(fixture_text('debian_kdump-tools'))
    assert (summary['type'], summary['local_dir'], summary['dump_level']) == ('local', '/var/crash', 31)


@pytest.mark.parametrize('text, expected', [
    ('SSH="kdump@dump.example.com"\nKDUMP_COREDIR="/srv/crash"\n', ('ssh', 'kdump@dump.example.com', None)),
    ('NFS="server:/export"\n', ('nfs', 'server:/export', None)),
    ('KDUMP_COREDIR="/data/crash"\nMAKEDUMP_ARGS="-F -z -d 17"\n', ('local', None, '/data/crash')),
])
def test_debian_targets(text, expected):
    summary = summarize_debian(text)
    assert (summary['type'], summary['location'], summary['local_dir']) == expected


@pytest.mark.parametrize('collector, level', [
    ('makedumpfile -l --message-level 7 -d 31', 31),
    ('makedumpfile -F -c -d31', 31),
    ('makedumpfile -c -d 11,31', 11),
    ('cp --sparse=always', None),
    ('makedumpfile --message-level 1 -c', None),
])
def test_dump_level_of(collector, level):
    assert dump_level_of(collector) == level


@pytest.mark.parametrize('location, expected', [
    ('kdump@dump.example.com', ('kdump', 'dump.example.com')),
    ('kdump@192.168.77.1', ('kdump', '192.168.77.1')),
    ('kdump@2001:db8::1', ('kdump', '2001:db8::1')),
    ('kdump@[2001:db8::1]', ('kdump', '[2001:db8::1]')),
    ('dump-user@dump-1', ('dump-user', 'dump-1')),
])
def test_ssh_location_splits_into_user_and_host(location, expected):
    assert parse_ssh_location(location) == expected


@pytest.mark.parametrize('location, problem', [
    ('-oProxyCommand=touch /tmp/x@dump.example.com', 'whitespace'),
    ('-oProxyCommand=id@dump.example.com', "has a user that starts with '-'"),
    ('kdump@-oProxyCommand=id', "has a host that starts with '-'"),
    ('-@dump.example.com', "has a user that starts with '-'"),
    ('@dump.example.com', 'has an empty user'),
    ('kdump@', 'has an empty host'),
    ('', 'is empty'),
    ('   ', 'is empty'),
    ('kdump@dump example.com', 'whitespace'),
    ('kdump @dump.example.com', 'whitespace'),
    ('kdump@dump.example.com\n', 'whitespace'),
    ('kdump@dump.example.com\x00', 'control character'),
    ('dump.example.com', 'has no @'),
    ('a@b@dump.example.com', 'has more than one @'),
    (None, 'is not a string'),
], ids=['option-with-space', 'user-option', 'host-option', 'user-dash', 'empty-user', 'empty-host', 'empty',
        'blank', 'space-in-host', 'space-in-user', 'newline', 'nul', 'no-at', 'two-ats', 'none'])
def test_ssh_location_that_ssh_would_misread_is_rejected_naming_the_parameter_and_form(location, problem):
    with pytest.raises(ValueError) as error:
        parse_ssh_location(location)
    message = str(error.value)
    assert message.startswith('target.location: %r ' % (location,)) and problem in message
    assert message.endswith('allowed: %s' % SSH_LOCATION_FORM) and '<user>@<host>' in message


def test_ssh_location_error_names_the_parameter_it_is_given():
    with pytest.raises(ValueError, match=r"^SSH: '-x@h' has a user"):
        parse_ssh_location('-x@h', parameter='SSH')
