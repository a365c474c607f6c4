"""Render the app icon (the tray's chat bubble, Available look) into an image file for the installers.

    python installers/common/render_icon.py OUT.png [SIZE]   # .png for Linux, .ico for Windows, .icns for macOS

The icon is drawn by ``onduty.client.app.tray.icons`` (the app has no image files); this writes it once at
build time. Runs offscreen, so it needs no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from onduty.client.app.tray.icons import state_pixmap
    from onduty.client.desk.state import TrayState

    app = QGuiApplication.instance() or QGuiApplication(argv[:1])
    out = Path(argv[1])
    size = int(argv[2]) if len(argv) == 3 else 256
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = state_pixmap(TrayState.AVAILABLE, size).save(str(out), out.suffix.lstrip(".").upper())
    del app
    if not ok:
        print(f"render_icon: cannot write {out}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
