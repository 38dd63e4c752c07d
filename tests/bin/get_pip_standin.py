"""Offline stand-in for the get-pip.py bootstrap script that ansible-test runs.

ansible-test bootstraps pip into each sanity/units virtualenv by running a
get-pip.py that it downloads from a host this network may not reach. It looks
for a cached copy first; this file is placed there instead. It installs pip
from the interpreter's own ensurepip, then lets that pip install the packages
ansible-test asked for (pip, setuptools, wheel at pinned versions) from the
package index.
"""

import subprocess
import sys

# get-pip.py options that plain "pip install" does not know.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def main():
    pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + pip_args)


if __name__ == '__main__':
    main()
