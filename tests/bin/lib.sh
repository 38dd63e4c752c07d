# Shared helpers for the test scripts in tests/bin. Source it; do not run it.
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV_ROOT=${KDUMP_VENV_ROOT:-$REPO_ROOT/.venv}
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Directories that hold real (non-shim) interpreters of other Python versions,
# newest first. pyenv shims refuse versions that are not globally active, so
# the version directories are used directly.
python_bin_dirs() {
    local root
    root=${PYENV_ROOT:-$HOME/.pyenv}
    if [ -d "$root/versions" ]; then
        find "$root/versions" -mindepth 2 -maxdepth 2 -name bin -type d | sort -rV
    fi
}

# The first interpreter named python<version> that really runs.
find_python() {
    local version=$1 candidate
    for candidate in "python$version" $(python_bin_dirs | sed "s|\$|/python$version|"); do
        if [ -x "$candidate" ] || command -v "$candidate" >/dev/null 2>&1; then
            if "$candidate" -c 'import sys, venv' >/dev/null 2>&1; then
                command -v "$candidate" 2>/dev/null || echo "$candidate"
                return 0
            fi
        fi
    done
    return 1
}

# PATH with every real interpreter directory ahead of the pyenv shims, so that
# ansible-test finds python3.6 ... python3.13 where they exist.
path_with_all_pythons() {
    local dirs
    dirs=$(python_bin_dirs | tr '\n' ':')
    printf '%s%s' "$dirs" "$PATH"
}

# Create (or reuse) a virtualenv from a requirements file. The venv is rebuilt
# whenever the requirements file changes.
ensure_venv() {
    local name=$1 python=$2 requirements=$3 venv stamp wanted
    venv=$VENV_ROOT/$name
    stamp=$venv/.requirements.sha256
    wanted=$( { sha256sum "$requirements" | cut -d' ' -f1; "$python" -V 2>&1; } | sha256sum | cut -d' ' -f1)
    if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    log "creating virtualenv $name with $("$python" -V 2>&1)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$requirements"
    echo "$wanted" >"$stamp"
}

# The two ansible-core lines this collection is tested with:
#   core-2.16   the oldest supported (last one that manages Python 3.6 targets)
#   core-latest the newest that installs here (needs Python >= 3.12; else 2.19 on 3.11)
setup_venvs() {
    local py311 newest
    py311=$(find_python 3.11) || py311=$(command -v python3)
    ensure_venv core-2.16 "$py311" "$REPO_ROOT/tests/requirements/core-2.16.txt"
    if newest=$(find_python 3.13) || newest=$(find_python 3.12); then
        ensure_venv core-latest "$newest" "$REPO_ROOT/tests/requirements/core-latest.txt"
    else
        ensure_venv core-latest "$py311" "$REPO_ROOT/tests/requirements/core-latest-py311.txt"
    fi
}

venv_bin() { printf '%s/%s/bin' "$VENV_ROOT" "$1"; }

# ansible-test wants the collection at <dir>/ansible_collections/crashdump/kdump
# and does not follow directory symlinks, so copy the files git knows about
# (tracked and untracked-but-not-ignored) into such a tree and print its path.
collection_tree() {
    local base dest
    base=$(mktemp -d "${TMPDIR:-/tmp}/crashdump-kdump-tree.XXXXXX")
    dest=$base/ansible_collections/crashdump/kdump
    mkdir -p "$dest"
    (
        cd "$REPO_ROOT" || exit 1
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' file; do
                # molecule/ is a convenience link to extensions/molecule/ and,
                # like in the built collection (galaxy.yml build_ignore), not content.
                [ "$file" = molecule ] && continue
                [ -e "$file" ] || [ -L "$file" ] && printf '%s\0' "$file"
            done |
            tar --null -T - -cf -
    ) | tar -C "$dest" -xf -
    printf '%s\n' "$dest"
}

# Put the get-pip stand-in into ansible-test's cache under every pip version the
# installed ansible-test releases bootstrap.
stage_get_pip() {
    local cache version
    cache=$HOME/.ansible/test/cache
    mkdir -p "$cache"
    grep -ohE "pip='[0-9.]+'" "$VENV_ROOT"/*/lib/python*/site-packages/ansible_test/_internal/python_requirements.py |
        sed -E "s/pip='([0-9.]+)'/\1/" | sort -u |
        while read -r version; do
            cp "$REPO_ROOT/tests/bin/get_pip_standin.py" "$cache/get_pip_${version//./_}.py"
        done
}

# Install Debian packages the checks need (CI machines start with only Python,
# pip and apt; we run as root there).
ensure_apt_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    [ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# A directory whose ansible_collections/crashdump/kdump is a symlink to the
# checkout: point ANSIBLE_COLLECTIONS_PATH at it so that ansible, ansible-lint
# and molecule use this checkout, never a stale installed copy.
checkout_collections_path() {
    local base
    base=$(mktemp -d "${TMPDIR:-/tmp}/crashdump-kdump-path.XXXXXX")
    mkdir -p "$base/ansible_collections/crashdump"
    ln -s "$REPO_ROOT" "$base/ansible_collections/crashdump/kdump"
    printf '%s\n' "$base"
}

# The files of the working tree, as git sees them (tracked and
# untracked-but-not-ignored, deleted ones left out), as a tar stream.
working_tree_tar() {
    (
        cd "$REPO_ROOT" || exit 1
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' file; do
                if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\0' "$file"; fi
            done |
            tar --null -T - -cf -
    )
}

# A git clone of the checkout's HEAD in DIR (the way a user gets the
# collection from its repository). When the working tree differs from HEAD,
# its state is committed on top inside the clone, so what gets installed is
# what the other checks test.
clone_checkout() {
    local dest=$1
    git clone --quiet --no-hardlinks "file://$REPO_ROOT" "$dest"
    if [ -n "$(cd "$REPO_ROOT" && git status --porcelain --untracked-files=normal)" ]; then
        log "the working tree differs from HEAD: the clone gets those changes as one more commit"
        (cd "$dest" && git ls-files -z | xargs -0 rm -f --)
        working_tree_tar | tar -C "$dest" -xf -
        (cd "$dest" && git add -A && git -c user.name=check -c user.email=check@localhost \
            commit --quiet --allow-empty -m "working tree of the checkout")
    fi
}
