"""Serves the built requestor widget (``server/static/widget/``) under ``/widget/``.

The files are built from ``widget/`` by npm (scripts/bootstrap.sh) and ship as package data.
Every response carries ``nosniff``; HTML pages carry a Content-Security-Policy that allows
only our own scripts, styles and WebSocket.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from onduty.server.shell.static_dir import add_static_dir

WIDGET_DIR = Path(__file__).resolve().parents[1] / "static" / "widget"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def add_widget_routes(app: web.Application, root: Path = WIDGET_DIR) -> None:
    # the snippet is embedded by other sites' pages: let them load it
    add_static_dir(app, "widget", root, what="widget", csp=CSP,
                   js_headers={"Cross-Origin-Resource-Policy": "cross-origin"})
