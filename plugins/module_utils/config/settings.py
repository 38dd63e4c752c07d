# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kdump settings a user asks for, checked before anything is written.

``normalize_settings(params)`` takes the module parameters, checks everything
that does not depend on the platform and returns them as a plain dict.  The
platform backends (``kdump_backend_rhel``, ``kdump_backend_debian``) turn
that dict into a ``Plan``: the new text of each file and what must happen
next.  Every problem raises ``SettingsError`` whose message names the
parameter, the offending value and what is allowed.

Also here, because both backends use them: makedumpfile argument handling
(``compose_makedumpfile_args``), kernel command line token merging
(``merge_tokens``) and the capture kernel's ``panic=`` argument
(``find_panic``, ``with_capture_panic``, ``add_capture_panic``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

TARGET_TYPES = ('local', 'ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'minix', 'raw', 'nfs', 'ssh', 'virtiofs')
FS_TARGET_TYPES = ('ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'minix')
FAILURE_ACTIONS = ('reboot', 'halt', 'poweroff', 'shell', 'dump_to_rootfs')
FINAL_ACTIONS = ('reboot', 'halt', 'poweroff')
COMPRESSION_FLAGS = {'zlib': '-c', 'lzo': '-l', 'snappy': '-p', 'zstd': '-z'}
COMPRESSIONS = ('zlib', 'lzo', 'snappy', 'zstd')
LEVEL_RANGE = (0, 31)
# Seconds the capture kernel waits after a panic before it reboots (panic=<n>).
# 0 would mean "wait forever", the very hang the option exists to prevent.
CAPTURE_PANIC_RANGE = (1, 3600)
STRUCTURED_COLLECTOR = ('dump_level', 'compression', 'message_level')

_DEVICE = re.compile(r'^(/dev/\S+|UUID=\S+|LABEL=\S+)$')
_NFS = re.compile(r'^(\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]@]+):/\S*$')
# Neither part may start with '-': ssh and scp would read it as an option.
_SSH = re.compile(r'^[^@\s-][^@\s]*@[^@\s\[-][^@\s]*$|^[^@\s-][^@\s]*@\[[0-9A-Fa-f:.]+\]$')
_VIRTIOFS_TAG = re.compile(r'^[^\s/]+$')
_LOCATION_FORMATS = {
    'fs': ('a device node, UUID=<uuid> or LABEL=<label>', _DEVICE),
    'raw': ('a device node, UUID=<uuid> or LABEL=<label>', _DEVICE),
    'nfs': ('<server>:/<export> or [<ipv6 address>]:/<export>', _NFS),
    'ssh': ('<user>@<host>, neither starting with "-"', _SSH),
    'virtiofs': ('a virtiofs tag without spaces or slashes', _VIRTIOFS_TAG),
}


SSH_LOCATION_FORM = ('<user>@<host> - a user name, one @ and a host name or address, neither part empty nor starting '
                     'with -, no whitespace')


def parse_ssh_location(location, parameter='target.location'):
    """``(user, host)`` of an ssh dump target ``user@host``.

    Raises ``ValueError`` naming ``parameter``, the value and the expected
    form when the value is not one ``user@host``: no ``@`` or more than one,
    an empty user or host, whitespace or a control character anywhere, or a
    user or host starting with ``-``.  A host may be an IPv6 address, bare or
    in brackets.
    """
    if not isinstance(location, str):
        problem = 'is not a string'
    elif not location.strip():
        problem = 'is empty'
    elif any(char.isspace() or not char.isprintable() for char in location):
        problem = 'contains whitespace or a control character'
    elif location.count('@') != 1:
        problem = 'has %s @' % ('no' if '@' not in location else 'more than one')
    else:
        user, host = location.split('@')
        problem = None
        for part, value in (('user', user), ('host', host)):
            if not value:
                problem = 'has an empty %s' % part
            elif value.startswith('-'):
                problem = "has a %s that starts with '-', which ssh would read as an option" % part
            if problem:
                break
        if problem is None:
            return user, host
    raise ValueError('%s: %r %s; allowed: %s' % (parameter, location, problem, SSH_LOCATION_FORM))


class SettingsError(Exception):
    """A setting is invalid or cannot be honoured; the message says which and why."""


def check_ssh_location(location, parameter='target.location'):
    """``parse_ssh_location`` for the settings and the backends: a bad location raises ``SettingsError``."""
    try:
        return parse_ssh_location(location, parameter)
    except ValueError as error:
        raise SettingsError(str(error))


class FileChange(object):
    """New content for one file.  ``before`` is None when the file is new."""

    def __init__(self, path, before, after):
        self.path = path
        self.before = before
        self.after = after

    @property
    def changed(self):
        return self.before != self.after


class Plan(object):
    """What a run will do: file changes, the resulting config, next steps.

    ``dump_dir`` is None or ``{'path': str, 'device': str or None}``: the
    dump directory to create, relative to the filesystem of ``device`` when
    one is given, else absolute on the running system.
    """

    def __init__(self, changes, config, rebuild_required=False, reload_required=False,
                 dump_dir=None, warnings=None):
        self.changes = changes
        self.config = config
        self.rebuild_required = rebuild_required
        self.reload_required = reload_required
        self.dump_dir = dump_dir
        self.warnings = warnings or []

    @property
    def changed(self):
        return any(change.changed for change in self.changes)


def _fail(parameter, value, problem, allowed=None):
    message = '%s: %r %s' % (parameter, value, problem)
    if allowed:
        message += '; allowed: %s' % allowed
    raise SettingsError(message)


def check_text(parameter, value, forbid_hash=True):
    """A single-line, non-empty value; kdump.conf values may not contain ``#``."""
    if not value.strip():
        _fail(parameter, value, 'is empty', 'a non-empty value')
    if '\n' in value or '\r' in value:
        _fail(parameter, value, 'contains a line break', 'a single line')
    if forbid_hash and '#' in value:
        _fail(parameter, value, "contains '#', which kdump reads as the start of a comment",
              "a value without '#'")
    stripped = value.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        _fail(parameter, value, 'is wrapped in double quotes, which older kdumpctl versions keep as part of the value',
              'the value without surrounding quotes')
    return stripped


def _check_range(parameter, value, bounds=LEVEL_RANGE, unit=''):
    if value is None:
        return None
    if not bounds[0] <= value <= bounds[1]:
        _fail(parameter, value, 'is out of range', 'an integer from %d to %d%s' % (bounds[0], bounds[1], unit))
    return value


def _check_target(target):
    if target is None:
        return None
    target_type = target.get('type')
    location = target.get('location')
    if target_type not in TARGET_TYPES:
        _fail('target.type', target_type, 'is not a dump target type', ', '.join(TARGET_TYPES))
    if target_type == 'local':
        if location:
            _fail('target.location', location, 'is given for target type local, which dumps to path on the root filesystem',
                  'no location')
        return {'type': 'local', 'location': None}
    if not location:
        _fail('target.location', location, 'is missing for target type %s' % target_type,
              _LOCATION_FORMATS['fs' if target_type in FS_TARGET_TYPES else target_type][0])
    kind = 'fs' if target_type in FS_TARGET_TYPES else target_type
    description, pattern = _LOCATION_FORMATS[kind]
    location = check_text('target.location', location)
    if kind == 'ssh':
        check_ssh_location(location)
    if not pattern.match(location):
        _fail('target.location', location, 'is not valid for target type %s' % target_type, description)
    return {'type': target_type, 'location': location}


def normalize_settings(params):
    """Check the platform-independent rules and return the settings as a dict.

    Keys are the module parameter names; lists are kept as lists, texts are
    stripped, absent options are None.
    """
    settings = dict(params)
    structured = [name for name in STRUCTURED_COLLECTOR if params.get(name) is not None]
    if params.get('core_collector') is not None and structured:
        _fail('core_collector', params['core_collector'],
              'is given together with %s' % ', '.join(structured),
              'either core_collector (free text) or dump_level/compression/message_level')
    settings['target'] = _check_target(params.get('target'))
    for name in ('path', 'sshkey', 'core_collector', 'dracut_args', 'kdump_pre', 'kdump_post',
                 'fence_kdump_args', 'commandline_append', 'commandline_remove'):
        if params.get(name) is not None:
            settings[name] = check_text(name, params[name])
    for name in ('extra_modules', 'extra_bins', 'fence_kdump_nodes'):
        if params.get(name) is not None:
            items = [check_text(name, item) for item in params[name]]
            for item in items:
                if len(item.split()) > 1:
                    _fail(name, item, 'holds more than one word; give one item per list entry',
                          'a list of single words')
            if not items:
                _fail(name, params[name], 'is an empty list', 'at least one item (omit the option to leave it unchanged)')
            settings[name] = items
    if params.get('compression') is not None and params['compression'] not in COMPRESSIONS:
        _fail('compression', params['compression'], 'is not a makedumpfile compression', ', '.join(COMPRESSIONS))
    settings['dump_level'] = _check_range('dump_level', params.get('dump_level'))
    settings['message_level'] = _check_range('message_level', params.get('message_level'))
    settings['capture_panic_timeout'] = _check_range('capture_panic_timeout', params.get('capture_panic_timeout'),
                                                     CAPTURE_PANIC_RANGE, ' (seconds)')
    if params.get('failure_action') is not None and params['failure_action'] not in FAILURE_ACTIONS:
        _fail('failure_action', params['failure_action'], 'is not a failure action', ', '.join(FAILURE_ACTIONS))
    if params.get('final_action') is not None and params['final_action'] not in FINAL_ACTIONS:
        _fail('final_action', params['final_action'], 'is not a final action', ', '.join(FINAL_ACTIONS))
    if params.get('force_rebuild') and params.get('force_no_rebuild'):
        _fail('force_rebuild', True, 'is set together with force_no_rebuild=true, which kdumpctl rejects',
              'at most one of force_rebuild and force_no_rebuild true')
    if settings.get('path') is not None and not settings['path'].startswith('/'):
        _fail('path', settings['path'], 'is not an absolute path', 'a path starting with /')
    directives = params.get('directives') or {}
    settings['directives'] = dict((str(key), check_text('directives.%s' % key, str(value)))
                                  for key, value in directives.items())
    return settings


def reject_unsupported(settings, unsupported, platform_name):
    """Fail for the first parameter in ``unsupported`` (name -> reason) that is set."""
    for name in sorted(unsupported):
        value = settings.get(name)
        if value is not None:
            _fail(name, value, 'cannot be honoured on platform %s (%s)' % (platform_name, unsupported[name]))


def makedumpfile_args(collector):
    """The argument list of a makedumpfile ``core_collector`` line, or None
    when the collector is another command (cp, scp, cat...)."""
    words = collector.split()
    if not words or words[0].rsplit('/', 1)[-1] != 'makedumpfile':
        return None
    return words[1:]


def compose_makedumpfile_args(existing_args, compression=None, dump_level=None, message_level=None,
                              flatten=False):
    """Merge the structured collector settings into makedumpfile arguments.

    ``existing_args`` is a list of words.  A given setting replaces its
    current flag (``-c/-l/-p/-z``, ``-d N``, ``--message-level N``); settings
    not given keep the current flags; other arguments are kept in order.
    ``flatten`` True puts ``-F`` first, False drops it.  Returns a list.
    """
    kept = []
    current = {'compression': None, 'dump_level': None, 'message_level': None}
    words = list(existing_args)
    index = 0
    while index < len(words):
        word = words[index]
        if word in COMPRESSION_FLAGS.values():
            current['compression'] = word
        elif word == '-d' and index + 1 < len(words):
            current['dump_level'] = words[index + 1]
            index += 1
        elif word.startswith('-d') and word[2:].isdigit():
            current['dump_level'] = word[2:]
        elif word == '--message-level' and index + 1 < len(words):
            current['message_level'] = words[index + 1]
            index += 1
        elif word.startswith('--message-level='):
            current['message_level'] = word.split('=', 1)[1]
        elif word != '-F':
            kept.append(word)
        index += 1
    if compression is not None:
        current['compression'] = COMPRESSION_FLAGS[compression]
    if dump_level is not None:
        current['dump_level'] = str(dump_level)
    if message_level is not None:
        current['message_level'] = str(message_level)
    composed = ['-F'] if flatten else []
    if current['compression']:
        composed.append(current['compression'])
    if current['message_level'] is not None:
        composed.extend(['--message-level', current['message_level']])
    composed.extend(kept)
    if current['dump_level'] is not None:
        composed.extend(['-d', current['dump_level']])
    return composed


def structured_collector_given(settings):
    return any(settings.get(name) is not None for name in STRUCTURED_COLLECTOR)


def _token_key(token):
    return token.split('=', 1)[0]


def merge_tokens(existing, wanted):
    """Merge kernel command line tokens.

    Tokens of ``wanted`` replace the token with the same ``key`` (the part
    before ``=``) in ``existing`` at its position; the others are appended.
    Existing tokens are kept in order.  Both arguments and the result are
    space-separated strings.
    """
    tokens = existing.split()
    for token in wanted.split():
        keys = [_token_key(existing_token) for existing_token in tokens]
        if _token_key(token) in keys:
            tokens[keys.index(_token_key(token))] = token
        else:
            tokens.append(token)
    return ' '.join(tokens)


def find_panic(cmdline):
    """The value of the last ``panic=`` argument of a kernel command line (the
    one the kernel uses), as text; None when there is none."""
    value = None
    for token in (cmdline or '').split():
        if token.startswith('panic='):
            value = token[len('panic='):]
    return value


def with_capture_panic(cmdline, seconds):
    """``cmdline`` with ``panic=<seconds>`` appended, unless it already has a
    ``panic=``: a value the user wrote is kept as it is.  ``seconds`` None
    returns ``cmdline`` unchanged."""
    if seconds is None or find_panic(cmdline) is not None:
        return cmdline
    return merge_tokens(cmdline, 'panic=%d' % seconds)


def kept_panic_warning(variable, cmdline, seconds):
    """Warning when ``capture_panic_timeout`` kept a ``panic=`` that does not
    reboot (``panic=0`` waits forever); None otherwise."""
    kept = find_panic(cmdline)
    if seconds is None or kept is None:
        return None
    try:
        reboots = int(kept) != 0
    except ValueError:
        reboots = False
    if reboots:
        return None
    return ('%s keeps its own panic=%s, with which a capture kernel that panics never reboots; '
            'capture_panic_timeout=%d was not applied because a panic= already there is left alone'
            % (variable, kept, seconds))


def add_capture_panic(variable, cmdline, seconds, warnings):
    """``with_capture_panic(cmdline, seconds)``; the ``kept_panic_warning`` for
    ``variable``, if any, is appended to ``warnings``."""
    new_cmdline = with_capture_panic(cmdline, seconds)
    warning = kept_panic_warning(variable, cmdline, seconds)
    if warning:
        warnings.append(warning)
    return new_cmdline
