"""Serves the built supervisor console (``server/static/console/``) under ``/console/``.

Built from ``widget/console/`` by npm together with the widget (widget/build.mjs); ships as package data.
Only the listed files are served; HTML carries a Content-Security-Policy that allows only our own scripts,
styles and WebSocket, and may not be framed (clickjacking).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from onduty.server.shell.static_dir import add_static_dir

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "static" / "console"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def add_console_page(app: web.Application, root: Path = CONSOLE_DIR) -> None:
    add_static_dir(app, "console", root, what="console", csp=CSP,
                   headers={"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})
