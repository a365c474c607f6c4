# Sourced by scripts/run and scripts/test: make .venv and install the project into it.
# Needs only python3 (3.11+) and pip; on Debian/Ubuntu without the venv module it installs
# python3-venv with apt-get when run as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "OnDuty needs Python 3.11 or newer ($PY is $("$PY" -V 2>&1))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PY" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            "$PY" -m venv .venv
        else
            echo "python3 -m venv failed: install your OS package for venv (e.g. python3-venv)" >&2
            exit 1
        fi
    fi
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[${ONDUTY_EXTRAS}]"
