"""Serves one built folder of static files (the widget, the console) under ``/PREFIX/``.

Only the files found in the folder at start are served, nothing else under it; every answer carries
``nosniff``, ``no-cache`` and an ETag (a browser revalidates and gets 304 while the file is unchanged),
HTML pages the folder's Content-Security-Policy.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from onduty.server.shell.file_answer import file_answer


def add_static_dir(app: web.Application, prefix: str, root: Path, *, what: str, csp: str,
                   headers: Mapping[str, str] | None = None, js_headers: Mapping[str, str] | None = None) -> None:
    """Routes ``/prefix``, ``/prefix/`` (its index.html) and ``/prefix/NAME``; ``what`` names the folder
    in the answer when it was not built; ``headers`` go on every file, ``js_headers`` on scripts."""
    files = {p.name for p in root.iterdir() if p.is_file() and not p.name.startswith(".")} if root.is_dir() else set()

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(f"/{prefix}/")

    async def serve(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        if not files:
            raise web.HTTPNotFound(text=f"the {what} is not built: run `npm ci && npm run build` in widget/")
        if name not in files:
            raise web.HTTPNotFound()
        path = root / name
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        answer = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", **(headers or {})}
        if content_type == "text/html":
            answer["Content-Security-Policy"] = csp
        if path.suffix == ".js":
            content_type = "text/javascript"
            answer.update(js_headers or {})
        return await file_answer(request, path, {**answer, "Content-Type": content_type}, revalidate=True)

    app.router.add_get(f"/{prefix}", redirect)
    app.router.add_get(f"/{prefix}/", serve)
    app.router.add_get(f"/{prefix}/{{name:[A-Za-z0-9._-]+}}", serve)
