# Sourced by scripts/run and scripts/test: make .venv, build the web widget and install the
# project into the venv. Needs python3 (3.11+) with pip, and Node.js with npm for the widget.
# On Debian/Ubuntu as root it installs what is missing with apt-get: python3-venv, nodejs/npm,
# and the packages the caller lists in ONDUTY_APT (scripts/test: chromium for browser tests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "OnDuty needs Python 3.11 or newer ($PY is $("$PY" -V 2>&1))" >&2
    exit 1
fi
apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "missing: $* (install them with your OS package manager)" >&2
        exit 1
    fi
}
missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
for pkg in ${ONDUTY_APT:-}; do
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi
if [ -f widget/package.json ]; then
    (cd widget && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build)
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PY" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt_install python3-venv
        "$PY" -m venv .venv
    fi
fi
# pip's and setuptools' chatter goes to a log, shown only when the install fails
if ! { .venv/bin/python -m pip install -q --upgrade pip \
        && .venv/bin/python -m pip install -q -e ".[${ONDUTY_EXTRAS}]"; } > .venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "installing the project into .venv failed (log above, also in .venv/install.log)" >&2
    exit 1
fi
