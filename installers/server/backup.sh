#!/bin/sh
# Consistent online backup of the OnDuty SQLite database (WAL mode): SQLite's backup API via Python, so
# no sqlite3 binary is needed and the server keeps running. Keeps the last KEEP copies (default 14).
#   installers/server/backup.sh /var/lib/onduty /var/backups/onduty [KEEP]
# Run it daily (a systemd timer or cron). Files under DATA/files and DATA/outbox are plain files: copy
# them with rsync alongside.
set -eu
DATA="$1"; DEST="$2"; KEEP="${3:-14}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$DEST"
OUT="$DEST/onduty-$(date -u +%Y%m%dT%H%M%SZ).sqlite3"
"$PYTHON" - "$DATA" "$OUT" <<'PY'
import sqlite3, sys
from pathlib import Path
data, out = Path(sys.argv[1]), sys.argv[2]
src = sqlite3.connect(data / "onduty.sqlite3")
dst = sqlite3.connect(out)
src.backup(dst)
assert dst.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
dst.close(); src.close()
print(out)
PY
ls -1t "$DEST"/onduty-*.sqlite3 | tail -n +"$((KEEP + 1))" | xargs -r rm -f
