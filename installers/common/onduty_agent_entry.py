"""PyInstaller entry point of the ``onduty-agent`` bundle: the same ``main`` as the installed GUI script."""

from __future__ import annotations

from onduty.client.app.main import main

if __name__ == "__main__":
    raise SystemExit(main())
