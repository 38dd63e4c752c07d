"""Run each attempt of a JSON object (name -> argument list) given as the first
argument, with "not a dump" on its standard input, a few at a time, and print
name -> {"rc": ..., "stderr": ...} as JSON.

Each attempt is its own ssh connection to the dump server; under emulation each
takes seconds, so they run side by side - at most four at once, well below
sshd's MaxStartups, so that no attempt is refused for the server's load
instead of by the server's rules.
"""
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 120


def attempt(argv):
    try:
        done = subprocess.run(argv, input=b"not a dump\n", stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        # Neither allowed nor refused: the caller's checks treat it as a failure.
        return {"rc": 124, "stderr": "no answer within %d s" % TIMEOUT}
    return {"rc": done.returncode, "stderr": done.stderr.decode(errors="replace")}


def main():
    attempts = json.loads(sys.argv[1])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(attempts, pool.map(attempt, attempts.values())))
    json.dump(results, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
