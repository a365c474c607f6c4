#!/bin/sh
# Removes the OnDuty agent from a Mac (run as root): app, LaunchAgent, preset and the package receipt.
#   sudo "/Library/Application Support/OnDuty/uninstall.sh"     (add --keep-preset to keep IT's preset)
# Agents' own settings (~/Library/Application Support/onduty) and keychain items stay theirs.
set -e
for uid in $(ps -axo uid=,comm= | awk '/OnDuty.app\/Contents\/MacOS\/onduty-agent/ {print $1}' | sort -u); do
    launchctl bootout "gui/$uid/com.onduty.agent" 2>/dev/null || true
done
pkill -f /Applications/OnDuty.app/Contents/MacOS/onduty-agent 2>/dev/null || true
rm -f /Library/LaunchAgents/com.onduty.agent.plist
rm -rf /Applications/OnDuty.app
if [ "${1:-}" != "--keep-preset" ]; then
    rm -rf "/Library/Application Support/OnDuty"
fi
pkgutil --forget com.onduty.agent >/dev/null 2>&1 || true
echo "OnDuty agent removed"
