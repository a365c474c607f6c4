"""Serves the built requestor widget (``server/static/widget/``) under ``/widget/``.

The files are built from ``widget/`` by npm (scripts/bootstrap.sh) and ship as package data.
Every response carries ``nosniff``; HTML pages carry a Content-Security-Policy that allows
only our own scripts, styles and WebSocket.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from aiohttp import web

WIDGET_DIR = Path(__file__).resolve().parents[1] / "static" / "widget"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def add_widget_routes(app: web.Application, root: Path = WIDGET_DIR) -> None:
    """The files are listed once, here: only they are served, nothing else under ``root``."""
    files = {p.name for p in root.iterdir() if p.is_file() and not p.name.startswith(".")} if root.is_dir() else set()

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/widget/")

    async def serve(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        if not files:
            raise web.HTTPNotFound(text="the widget is not built: run `npm ci && npm run build` in widget/")
        if name not in files:
            raise web.HTTPNotFound()
        path = root / name
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
        if content_type == "text/html":
            headers["Content-Security-Policy"] = CSP
        if path.suffix == ".js":
            content_type = "text/javascript"
            # The snippet is embedded by other sites' pages: let them load it.
            headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return web.FileResponse(path, headers={**headers, "Content-Type": content_type})

    app.router.add_get("/widget", redirect)
    app.router.add_get("/widget/", serve)
    app.router.add_get("/widget/{name:[A-Za-z0-9._-]+}", serve)
