#!/usr/bin/env bash
# Builds the OnDuty agent for macOS: a PyInstaller OnDuty.app inside a signed, notarized installer package.
#
#   installers/macos/build.sh [--out DIR] [--version X.Y.Z] [--no-autostart]
#
# Result: DIR/OnDuty.app and DIR/OnDuty-VERSION.pkg (default DIR: dist/macos). The package installs
#   /Applications/OnDuty.app
#   /Library/LaunchAgents/com.onduty.agent.plist         (autostart for every user; left out with --no-autostart)
#   /Library/Application Support/OnDuty/agent.toml        (the preset; created from agent.toml.default if missing,
#                                                          never overwritten, so IT's edits survive upgrades)
#   /Library/Application Support/OnDuty/uninstall.sh
#
# Signing and notarization (all optional; without them the package is unsigned, for testing only):
#   ONDUTY_CODESIGN_IDENTITY   "Developer ID Application: Your Org (TEAMID)"  signs the app (hardened runtime)
#   ONDUTY_INSTALLER_IDENTITY  "Developer ID Installer: Your Org (TEAMID)"    signs the package
#   ONDUTY_NOTARY_PROFILE      a notarytool keychain profile (xcrun notarytool store-credentials PROFILE
#                              --apple-id ... --team-id TEAMID): submits the package, waits, staples the ticket
# Needs: macOS with Xcode command line tools, Python 3.11+ with the project installed with the agent and
# bundle extras (pip install ".[agent,bundle]"). PYTHON picks the interpreter (default: python3).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/dist/macos"
VERSION=""
AUTOSTART=1
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift 2 ;;
        --version) VERSION="$2"; shift 2 ;;
        --no-autostart) AUTOSTART=0; shift ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
PYTHON="${PYTHON:-python3}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$OUT/work"
mkdir -p "$WORK"
[ -n "$VERSION" ] || VERSION="$("$PYTHON" -c 'from importlib.metadata import version; print(version("onduty"))')"

# 1. OnDuty.app (the spec makes a BUNDLE on macOS: LSUIElement, so no Dock icon for a menu bar app).
"$PYTHON" "$ROOT/installers/common/render_icon.py" "$WORK/onduty.icns" 512
ONDUTY_ICON="$WORK/onduty.icns" ONDUTY_VERSION="$VERSION" "$PYTHON" -m PyInstaller --noconfirm --clean \
    --log-level WARN --distpath "$OUT" --workpath "$WORK/pyinstaller" "$ROOT/installers/common/onduty-agent.spec"
APP="$OUT/OnDuty.app"
if [ -n "${ONDUTY_CODESIGN_IDENTITY:-}" ]; then
    # Inside out: every Mach-O in the bundle, then the app, with the hardened runtime notarization requires.
    find "$APP/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -111 \) -print0 |
        xargs -0 codesign --force --timestamp --options runtime --entitlements "$HERE/entitlements.plist" \
            --sign "$ONDUTY_CODESIGN_IDENTITY"
    codesign --force --timestamp --options runtime --entitlements "$HERE/entitlements.plist" \
        --sign "$ONDUTY_CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

# 2. The payload and the component package.
PAYLOAD="$WORK/payload"
rm -rf "$PAYLOAD"
mkdir -p "$PAYLOAD/Applications" "$PAYLOAD/Library/Application Support/OnDuty"
ditto "$APP" "$PAYLOAD/Applications/OnDuty.app"
install -m 644 "$HERE/agent.toml" "$PAYLOAD/Library/Application Support/OnDuty/agent.toml.default"
install -m 755 "$HERE/uninstall.sh" "$PAYLOAD/Library/Application Support/OnDuty/uninstall.sh"
if [ "$AUTOSTART" = 1 ]; then
    mkdir -p "$PAYLOAD/Library/LaunchAgents"
    install -m 644 "$HERE/com.onduty.agent.plist" "$PAYLOAD/Library/LaunchAgents/com.onduty.agent.plist"
fi
# Keep the app where it is installed (no relocation to a copy the user moved elsewhere).
pkgbuild --analyze --root "$PAYLOAD" "$WORK/components.plist"
plutil -replace 0.BundleIsRelocatable -bool NO "$WORK/components.plist"
pkgbuild --root "$PAYLOAD" --component-plist "$WORK/components.plist" --scripts "$HERE/scripts" \
    --identifier com.onduty.agent --version "$VERSION" --install-location / "$WORK/onduty-agent.pkg"

# 3. The product archive (what IT deploys), signed when an installer identity is given.
productbuild --synthesize --package "$WORK/onduty-agent.pkg" "$WORK/distribution.xml"
PKG="$OUT/OnDuty-$VERSION.pkg"
SIGN=()
[ -z "${ONDUTY_INSTALLER_IDENTITY:-}" ] || SIGN=(--sign "$ONDUTY_INSTALLER_IDENTITY" --timestamp)
productbuild --distribution "$WORK/distribution.xml" --package-path "$WORK" ${SIGN[@]+"${SIGN[@]}"} "$PKG"  # bash 3.2

# 4. Notarization: Apple scans the package; the stapled ticket lets Gatekeeper accept it offline.
if [ -n "${ONDUTY_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$PKG" --keychain-profile "$ONDUTY_NOTARY_PROFILE" --wait
    xcrun stapler staple "$PKG"
    spctl --assess --type install --verbose "$PKG"
fi
echo "package: $PKG ($(du -h "$PKG" | cut -f1))"
