# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPU cost of a no-op kdump_conf run (budget: 0.3 s CPU).

Runs the module as Ansible does on a target - a separate Python process fed
its arguments as JSON - against a copy of the shipped EL9 kdump.conf that is
already in the desired state, and reports the CPU time (user + system) of
that child process, the best of several runs.

Run with a Python that has ansible-core installed (the checkout is linked
into a temporary ``ansible_collections/crashdump/kdump`` tree):

    python tests/benchmarks/kdump_conf_noop.py [--runs 5] [--budget 0.3]
"""

from __future__ import print_function

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(COLLECTION, 'tests', 'unit', 'fixtures', 'el9_kdump.conf')
DESIRED = {'platform': 'el9', 'target': {'type': 'ssh', 'location': 'kdump@dump.example.com'},
           'path': '/var/crash/fleet', 'dump_level': 31, 'compression': 'zstd'}


def child_cpu_seconds(argv, stdin_data, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.run(argv, input=stdin_data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        sys.exit('module failed: %s %s' % (process.stdout.decode(), process.stderr.decode()))
    result = json.loads(process.stdout.decode())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--budget', type=float, default=0.3)
    options = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='kdump-conf-bench-')
    try:
        namespace_dir = os.path.join(workdir, 'ansible_collections', 'crashdump')
        os.makedirs(namespace_dir)
        os.symlink(COLLECTION, os.path.join(namespace_dir, 'kdump'))
        config = os.path.join(workdir, 'kdump.conf')
        shutil.copy(FIXTURE, config)
        args = dict(DESIRED, config_file=config, create_path=False)
        stdin_data = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
        env = dict(os.environ, PYTHONPATH=workdir + os.pathsep + os.environ.get('PYTHONPATH', ''))
        argv = [sys.executable, '-m', 'ansible_collections.crashdump.kdump.plugins.modules.kdump_conf']
        _cpu, first = child_cpu_seconds(argv, stdin_data, env)
        if not first.get('changed'):
            sys.exit('set-up run did not change the copy; benchmark input is wrong')
        timings = []
        for _run in range(options.runs):
            cpu, result = child_cpu_seconds(argv, stdin_data, env)
            if result.get('changed'):
                sys.exit('the no-op run reported a change: %s' % result)
            timings.append(cpu)
    finally:
        shutil.rmtree(workdir)
    best = min(timings)
    print('kdump_conf no-op run: best %.3f s CPU, worst %.3f s CPU over %d runs (budget %.2f s)'
          % (best, max(timings), len(timings), options.budget))
    return 0 if best <= options.budget else 1


if __name__ == '__main__':
    sys.exit(main())
