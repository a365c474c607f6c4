"""Serves the built supervisor console (``server/static/console/``) under ``/console/``.

Built from ``widget/console/`` by npm together with the widget (widget/build.mjs); ships as package data.
Only the listed files are served; HTML carries a Content-Security-Policy that allows only our own scripts,
styles and WebSocket, and may not be framed (clickjacking).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from aiohttp import web

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "static" / "console"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def add_console_page(app: web.Application, root: Path = CONSOLE_DIR) -> None:
    files = {p.name for p in root.iterdir() if p.is_file() and not p.name.startswith(".")} if root.is_dir() else set()

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/console/")

    async def serve(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        if not files:
            raise web.HTTPNotFound(text="the console is not built: run `npm ci && npm run build` in widget/")
        if name not in files:
            raise web.HTTPNotFound()
        path = root / name
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            content_type = "text/javascript"
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "Content-Type": content_type,
                   "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
        if content_type == "text/html":
            headers["Content-Security-Policy"] = CSP
        return web.FileResponse(path, headers=headers)

    app.router.add_get("/console", redirect)
    app.router.add_get("/console/", serve)
    app.router.add_get("/console/{name:[A-Za-z0-9._-]+}", serve)
