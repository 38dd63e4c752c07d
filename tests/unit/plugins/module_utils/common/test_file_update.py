# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writing a config file: atomically, through a symbolic link, never replacing the link; bad links refused."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.crashdump.kdump.plugins.module_utils.common.file_update import (
    FileUpdateError,
    read_text,
    write_destination,
    write_text,
)

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None

GRUB_BEFORE = u'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=""\n'
GRUB_AFTER = u'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="crashkernel=512M"\n'


class Failed(Exception):
    pass


def _fail_json(self, msg, **kwargs):
    raise Failed(msg)


@pytest.fixture
def make_module(monkeypatch):
    """``make_module(check_mode=False)`` -> a real AnsibleModule whose fail_json raises ``Failed``."""
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)
    # backups copy lsattr flags on ansible-core 2.16; temporary file systems may have none to read
    monkeypatch.setattr(basic.AnsibleModule, 'get_file_attributes', lambda self, path, include_version=True: {})

    def make(check_mode=False):
        args = {'_ansible_check_mode': check_mode, '_ansible_remote_tmp': '/tmp', '_ansible_keep_remote_files': False}
        if patch_module_args is not None:
            with patch_module_args(args):
                return basic.AnsibleModule(argument_spec={}, supports_check_mode=True)
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
        return basic.AnsibleModule(argument_spec={}, supports_check_mode=True)

    return make


def tree(root):
    """Every entry below ``root``: link target for links, content for files."""
    state = {}
    for directory, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            path = os.path.join(directory, name)
            if os.path.islink(path):
                state[path] = ('link', os.readlink(path))
            elif os.path.isfile(path):
                with open(path, 'rb') as handle:
                    state[path] = ('file', handle.read())
            else:
                state[path] = ('dir', None)
    return state


def test_regular_file_is_replaced_atomically(tmp_path, make_module):
    conf = tmp_path / 'grub'
    conf.write_text(GRUB_BEFORE)
    os.chmod(str(conf), 0o640)
    written = write_text(make_module(), str(conf), GRUB_AFTER, read_text(str(conf)))
    assert written['changed'] and written['backup_file'] is None
    assert conf.read_text() == GRUB_AFTER and not conf.is_symlink()
    assert os.stat(str(conf)).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(str(tmp_path))) == ['grub']


@pytest.mark.parametrize('relative', [True, False], ids=['relative-target', 'absolute-target'])
def test_symlinked_file_is_edited_through_the_link_which_stays_a_link(tmp_path, make_module, relative):
    real_dir = tmp_path / 'etc' / 'grub.real'
    real_dir.mkdir(parents=True)
    real = real_dir / 'grub'
    real.write_text(GRUB_BEFORE)
    os.chmod(str(real), 0o600)
    link = tmp_path / 'etc' / 'default-grub'
    target = os.path.join('grub.real', 'grub') if relative else str(real)
    os.symlink(target, str(link))

    written = write_text(make_module(), str(link), GRUB_AFTER, read_text(str(link)))

    assert written['changed'] and written['diff']['after_header'] == str(link)
    assert written['diff']['before'] == GRUB_BEFORE and written['diff']['after'] == GRUB_AFTER
    assert link.is_symlink() and os.readlink(str(link)) == target
    assert real.read_text() == GRUB_AFTER and link.read_text() == GRUB_AFTER
    assert os.stat(str(real)).st_mode & 0o777 == 0o600
    # the temporary file went to the real file's directory and is gone
    assert sorted(os.listdir(str(real_dir))) == ['grub']
    assert sorted(os.listdir(str(tmp_path / 'etc'))) == ['default-grub', 'grub.real']


def test_chain_of_links_is_followed_to_the_real_file(tmp_path, make_module):
    real = tmp_path / 'kdump.conf.real'
    real.write_text(u'path /var/crash\n')
    os.symlink('kdump.conf.real', str(tmp_path / 'middle'))
    os.symlink(str(tmp_path / 'middle'), str(tmp_path / 'kdump.conf'))
    write_text(make_module(), str(tmp_path / 'kdump.conf'), u'path /srv/crash\n', u'path /var/crash\n')
    assert os.readlink(str(tmp_path / 'kdump.conf')) == str(tmp_path / 'middle')
    assert os.readlink(str(tmp_path / 'middle')) == 'kdump.conf.real'
    assert real.read_text() == u'path /srv/crash\n'


def test_backup_of_a_symlinked_file_holds_the_real_content(tmp_path, make_module):
    real = tmp_path / 'real-grub'
    real.write_text(GRUB_BEFORE)
    link = tmp_path / 'grub'
    os.symlink('real-grub', str(link))
    written = write_text(make_module(), str(link), GRUB_AFTER, GRUB_BEFORE, backup=True)
    backup = written['backup_file']
    assert backup and backup.startswith(str(link) + '.')
    assert not os.path.islink(backup)
    with open(backup) as handle:
        assert handle.read() == GRUB_BEFORE
    assert link.is_symlink() and real.read_text() == GRUB_AFTER


def test_check_mode_through_a_link_writes_nothing(tmp_path, make_module):
    real = tmp_path / 'real-grub'
    real.write_text(GRUB_BEFORE)
    os.symlink('real-grub', str(tmp_path / 'grub'))
    before = tree(tmp_path)
    written = write_text(make_module(check_mode=True), str(tmp_path / 'grub'), GRUB_AFTER, GRUB_BEFORE)
    assert written['changed'] and tree(tmp_path) == before


@pytest.mark.parametrize('check_mode', [False, True], ids=['run', 'check-mode'])
def test_dangling_link_is_refused_with_nothing_written(tmp_path, make_module, check_mode):
    link = tmp_path / 'grub'
    os.symlink('missing/grub', str(link))
    before = tree(tmp_path)
    assert read_text(str(link)) is None
    with pytest.raises(Failed) as error:
        write_text(make_module(check_mode), str(link), GRUB_AFTER, None, backup=True)
    message = str(error.value)
    assert str(link) in message and 'dangling symbolic link' in message and 'missing/grub' in message
    assert 'nothing was written' in message
    assert tree(tmp_path) == before


def test_link_loop_is_refused_with_nothing_written(tmp_path, make_module):
    os.symlink('b', str(tmp_path / 'a'))
    os.symlink('a', str(tmp_path / 'b'))
    before = tree(tmp_path)
    with pytest.raises(Failed) as error:
        write_text(make_module(), str(tmp_path / 'a'), GRUB_AFTER, read_text(str(tmp_path / 'a')))
    assert str(tmp_path / 'a') in str(error.value) and 'loop' in str(error.value)
    assert tree(tmp_path) == before


def test_link_to_a_directory_is_refused(tmp_path):
    (tmp_path / 'dir').mkdir()
    os.symlink('dir', str(tmp_path / 'grub'))
    with pytest.raises(FileUpdateError, match='not a regular file'):
        write_destination(str(tmp_path / 'grub'))


def test_unchanged_text_never_looks_at_the_link(tmp_path, make_module):
    os.symlink('missing', str(tmp_path / 'grub'))
    written = write_text(make_module(), str(tmp_path / 'grub'), GRUB_AFTER, GRUB_AFTER)
    assert not written['changed']


def test_write_destination_of_plain_and_missing_files_is_the_path(tmp_path):
    (tmp_path / 'grub').write_text(GRUB_BEFORE)
    assert write_destination(str(tmp_path / 'grub')) == str(tmp_path / 'grub')
    assert write_destination(str(tmp_path / 'absent')) == str(tmp_path / 'absent')


def test_new_file_is_created(tmp_path, make_module):
    written = write_text(make_module(), str(tmp_path / 'kdump.conf'), u'path /var/crash\n', None)
    assert written['changed'] and written['diff']['before_header'].endswith('(absent)')
    assert (tmp_path / 'kdump.conf').read_text() == u'path /var/crash\n'
