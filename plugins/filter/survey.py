# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Survey answers as the role needs them.

AWX and AAP surveys send every answer as a string and an unanswered optional
field as ``""``; ``"" | int`` is 0, which would turn "no answer" into a
zero-second timeout. ``survey_int`` makes "no answer" mean the default;
``omit_empty`` makes it mean "leave the module option unset" (the platform's
default), so a task passes each role variable through one filter instead of
a conditional per option.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def survey_int(value, default, name='value', minimum=None):
    if value is None or (isinstance(value, str) and not value.strip()):
        return int(default)
    if isinstance(value, bool):
        raise AnsibleFilterError('%s: %r is not a whole number' % (name, value))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise AnsibleFilterError('%s: %r is not a whole number; allowed: an integer, or empty for the default (%s)'
                                 % (name, value, default))
    if minimum is not None and number < minimum:
        raise AnsibleFilterError('%s: %d is below the minimum %d' % (name, number, minimum))
    return number


def is_empty(value):
    """An answer that was not given: None, an empty or blank string, an empty list or dict."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


def omit_empty(value, placeholder):
    """``placeholder`` (the task's ``omit``) for an empty answer, else the value as it is."""
    return placeholder if is_empty(value) else value


class FilterModule(object):
    def filters(self):
        return {'survey_int': survey_int, 'omit_empty': omit_empty}
