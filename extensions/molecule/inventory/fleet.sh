#!/usr/bin/env bash
# Ansible inventory script: the guests the VM lab booted for the scenarios
# (tests/vmlab/fleet up), read from the fleet's state directory
# ($KDUMP_LAB_STATE_DIR, default under ~/.cache/crashdump-kdump/fleets/).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
exec python3 "$here/../../../tests/vmlab/lab.py" inventory "$@"
