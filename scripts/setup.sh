#!/usr/bin/env bash
# Set up everything DAG Designer needs on a Debian machine, idempotently.
#
#   bash scripts/setup.sh             # .venv, apt packages, frontend build, project install
#   bash scripts/setup.sh --airflow2  # only the Airflow 2 compatibility venv (.venv-airflow2)
#
# Safe to run again and again: every step checks first and does nothing when
# its result is already there. It exports nothing; nothing sources it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
VENV_AF2="$ROOT/.venv-airflow2"
FRONTEND="$ROOT/designer/ui/canvas/frontend"
APT_PACKAGES=(graphviz chromium postgresql)
AIRFLOW2_REQUIREMENTS=(
    "apache-airflow==2.11.2"
    "apache-airflow-providers-standard==1.21.0"
    "apache-airflow-providers-common-sql"
    "apache-airflow-providers-smtp"
    "dag-factory==1.1.0"
    "pyyaml"
    "pytest"
)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# One setup at a time (tests may call --airflow2 while another run is busy).
exec 9<"${BASH_SOURCE[0]}"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

# A python3 that is 3.11 or newer: python3.11 first, then python3.
find_python() {
    local cand
    for cand in python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1 &&
            "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$cand"
            return 0
        fi
    done
    return 1
}

# ensure_venv DIR: create DIR as a virtualenv unless a working one is there.
ensure_venv() {
    local dir="$1" py
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import sys' 2>/dev/null; then
        return 0
    fi
    py="$(find_python)" || die "Python 3.11+ not found (tried python3.11, python3). Install Python 3.11 and retry."
    say "creating ${dir#"$ROOT"/} with $("$py" --version 2>&1) ($py)"
    "$py" -m venv --clear "$dir"
}

setup_venv() {
    ensure_venv "$VENV"
    local stamp="$VENV/.requirements.sha256" want have=""
    want="$(sha256sum requirements*.txt | sha256sum | cut -d' ' -f1)"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ "$want" = "$have" ]; then
        say ".venv up to date"
        return 0
    fi
    say "installing requirements-dev.txt into .venv (this can take a few minutes)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    printf '%s\n' "$want" >"$stamp"
    say ".venv ready"
}

# Is the thing an apt package provides there? (commands, not dpkg state)
apt_package_present() {
    case "$1" in
        graphviz) command -v dot >/dev/null 2>&1 ;;
        chromium) [ -x /usr/bin/chromium ] ;;
        postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ;;
        *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
    esac
}

setup_apt() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        apt_package_present "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "apt packages present (${APT_PACKAGES[*]})"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        die "missing system packages: ${missing[*]} (graphviz gives 'dot', chromium is /usr/bin/chromium for the browser tests, postgresql gives initdb/pg_ctl for the database-tenants test). Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}  -- then run this again."
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing system packages ${missing[*]} and no apt-get here; install them by hand."
    say "installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
    for pkg in "${missing[@]}"; do
        apt_package_present "$pkg" || die "apt-get installed $pkg but it is still not usable"
    done
}

setup_frontend() {
    if [ ! -f "$FRONTEND/package.json" ]; then
        say "no ${FRONTEND#"$ROOT"/}/package.json yet; skipping frontend build"
        return 0
    fi
    local stamp="$FRONTEND/build/.setup-build.sha256" want have=""
    # Hash of everything the build reads: manifests, configs and src/ (not node_modules or build).
    want="$(cd "$FRONTEND" && find . \( -path ./node_modules -o -path ./build \) -prune -o -type f -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ "$want" = "$have" ]; then
        say "frontend build up to date"
        return 0
    fi
    command -v npm >/dev/null 2>&1 || die "npm not found; install Node.js 20 with npm to build ${FRONTEND#"$ROOT"/}"
    [ -f "$FRONTEND/package-lock.json" ] || die "${FRONTEND#"$ROOT"/} has package.json but no package-lock.json; run 'npm install' there and commit the lock file"
    say "building frontend (npm ci && npm run build)"
    (cd "$FRONTEND" && npm ci --no-audit --no-fund --loglevel=error && npm run build)
    [ -d "$FRONTEND/build" ] || die "npm run build did not create ${FRONTEND#"$ROOT"/}/build"
    printf '%s\n' "$want" >"$stamp"
    say "frontend built"
}

# The repo itself, installed editable into .venv: Streamlit serves the canvas component's
# frontend/build only for an installed distribution that declares it in pyproject.toml.
setup_project() {
    local stamp="$VENV/.designer-editable.sha256" want have=""
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ "$want" = "$have" ] && "$VENV/bin/python" -c 'import importlib.metadata as m; m.distribution("designer")' 2>/dev/null; then
        say "project installed in .venv (editable)"
        return 0
    fi
    say "installing the project into .venv (pip install -e . --no-deps)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT"
    # A by-product of the build; the installed metadata lives in .venv. Not to be committed.
    rm -rf "$ROOT/designer.egg-info"
    printf '%s\n' "$want" >"$stamp"
}

setup_airflow2() {
    ensure_venv "$VENV_AF2"
    local stamp="$VENV_AF2/.requirements.sha256" want have=""
    want="$(printf '%s\n' "${AIRFLOW2_REQUIREMENTS[@]}" | sha256sum | cut -d' ' -f1)"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ "$want" = "$have" ]; then
        say ".venv-airflow2 up to date"
        return 0
    fi
    say "installing Airflow 2 into .venv-airflow2 (this can take a few minutes)"
    "$VENV_AF2/bin/python" -m pip install --quiet --disable-pip-version-check "${AIRFLOW2_REQUIREMENTS[@]}"
    printf '%s\n' "$want" >"$stamp"
    say ".venv-airflow2 ready"
}

case "${1:-}" in
    "")
        setup_venv
        setup_apt
        setup_frontend
        setup_project
        say "done"
        ;;
    --airflow2)
        setup_airflow2
        ;;
    -h | --help)
        usage
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac
