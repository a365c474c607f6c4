#!/usr/bin/env bash
# Builds the OnDuty agent for Linux: a PyInstaller one-folder bundle and a .deb around it.
#
#   installers/linux/build.sh [--out DIR] [--bundle DIR] [--version X.Y.Z]
#
#   --out DIR      where the results go (default: dist/linux): DIR/onduty-agent/ (the bundle) and
#                  DIR/onduty-agent_VERSION_ARCH.deb
#   --bundle DIR   package an existing bundle instead of building one (e.g. from a previous run)
#   --version V    package version (default: the onduty package's version)
#   --compress C   xz (default, smallest), gzip, zstd (dpkg 1.21+ only) or none (fastest, for tests)
#
# Needs: the project installed with the agent and bundle extras (./scripts/test does that into .venv;
# or: pip install -e ".[agent,bundle]"), dpkg-deb, fakeroot (when not root), awk.
# PYTHON (environment) picks the interpreter; default: .venv/bin/python, else python3.
# Build on the oldest distribution you deploy to: the bundle needs a glibc at least as new as the build host's.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/dist/linux"
BUNDLE=""
VERSION=""
COMPRESS=xz
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift 2 ;;
        --bundle) BUNDLE="$2"; shift 2 ;;
        --version) VERSION="$2"; shift 2 ;;
        --compress) COMPRESS="$2"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
[ -n "$VERSION" ] || VERSION="$("$PYTHON" -c 'from importlib.metadata import version; print(version("onduty"))')"
ARCH="$(dpkg --print-architecture)"
WORK="$OUT/work"

# 1. The bundle: Python, PySide6 and the app in one folder, started by onduty-agent inside it.
if [ -z "$BUNDLE" ]; then
    start=$(date +%s)
    ONDUTY_VERSION="$VERSION" "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$OUT" --workpath "$WORK/pyinstaller" "$ROOT/installers/common/onduty-agent.spec"
    echo "bundle: $OUT/onduty-agent ($(( $(date +%s) - start )) s, $(du -sh "$OUT/onduty-agent" | cut -f1))"
    BUNDLE="$OUT/onduty-agent"
fi
[ -x "$BUNDLE/onduty-agent" ] || { echo "build.sh: no bundle at $BUNDLE" >&2; exit 1; }

# 2. The package tree.
PKG="$WORK/deb"
rm -rf "$PKG"
install -d "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/usr/share/icons/hicolor/256x256/apps" "$PKG/etc/xdg/autostart" "$PKG/etc/onduty" \
    "$PKG/usr/share/doc/onduty-agent"
cp -a "$BUNDLE" "$PKG/opt/onduty-agent"
install -m 755 "$HERE/files/onduty-agent" "$PKG/usr/bin/onduty-agent"
install -m 644 "$HERE/files/onduty-agent.desktop" "$PKG/usr/share/applications/onduty-agent.desktop"
install -m 644 "$HERE/files/onduty-agent-autostart.desktop" "$PKG/etc/xdg/autostart/onduty-agent.desktop"
install -m 644 "$HERE/files/agent.toml" "$PKG/etc/onduty/agent.toml"
"$PYTHON" "$ROOT/installers/common/render_icon.py" "$PKG/usr/share/icons/hicolor/256x256/apps/onduty-agent.png" 256
install -m 644 "$HERE/README.md" "$PKG/usr/share/doc/onduty-agent/README.md"
printf 'OnDuty agent %s: proprietary; bundles Python, Qt for Python (PySide6, LGPLv3) and their dependencies.\n' \
    "$VERSION" > "$PKG/usr/share/doc/onduty-agent/copyright"

GLIBC="$(getconf GNU_LIBC_VERSION | awk '{print $2}')"  # no 'ldd | head': SIGPIPE under pipefail
SIZE="$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" -e "s/@GLIBC@/$GLIBC/" \
    -e "s|@MAINTAINER@|${ONDUTY_MAINTAINER:-OnDuty team <onduty@example.com>}|" \
    -e "s|@HOMEPAGE@|${ONDUTY_HOMEPAGE:-https://onduty.example.com}|" \
    "$HERE/debian/control.in" > "$PKG/DEBIAN/control"
install -m 644 "$HERE/debian/templates" "$PKG/DEBIAN/templates"
install -m 755 "$HERE/debian/config" "$HERE/debian/postinst" "$HERE/debian/postrm" "$PKG/DEBIAN/"
# Everything under /etc is a conffile: upgrades keep IT's edits (the preset, the autostart entry).
(cd "$PKG" && find etc -type f | sort | sed 's|^|/|') > "$PKG/DEBIAN/conffiles"
(cd "$PKG" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    > "$PKG/DEBIAN/md5sums"

# 3. The .deb (root-owned files without needing root).
DEB="$OUT/onduty-agent_${VERSION}_${ARCH}.deb"
if [ "$(id -u)" = 0 ]; then
    dpkg-deb --root-owner-group -Z"$COMPRESS" --build "$PKG" "$DEB" >/dev/null
else
    fakeroot dpkg-deb --root-owner-group -Z"$COMPRESS" --build "$PKG" "$DEB" >/dev/null
fi
echo "package: $DEB ($(du -h "$DEB" | cut -f1))"
