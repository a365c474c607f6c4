"""A built folder (the widget, the console, the co-browse view) is served with its headers and an ETag a
browser revalidates against; a request cancelled while its file is read leaves no file open."""

from __future__ import annotations

import asyncio
import gc
import os
import warnings
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request

from onduty.server.shell import file_answer
from onduty.server.shell.static_dir import add_static_dir

CSP = "default-src 'self'"


def built_folder(root: Path) -> Path:
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>w</title>")
    (root / "w.js").write_bytes(b"console.log(1);" * 20_000)
    return root


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    root = built_folder(tmp_path / "w")
    app = web.Application()
    add_static_dir(app, "w", root, what="widget", csp=CSP, js_headers={"Cross-Origin-Resource-Policy": "cross-origin"})
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}", root
    finally:
        await server.close()


async def test_a_file_comes_whole_with_its_headers_and_an_etag(served: tuple[str, Path]) -> None:
    base, root = served
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/w/w.js") as script:
            assert script.status == 200 and await script.read() == (root / "w.js").read_bytes()
            assert script.headers["Content-Type"] == "text/javascript"
            assert script.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
            assert script.headers["X-Content-Type-Options"] == "nosniff"
            assert script.headers["Cache-Control"] == "no-cache"
            assert script.headers["ETag"].startswith('"')
        async with http.get(f"{base}/w/") as page:
            assert page.status == 200 and page.headers["Content-Security-Policy"] == CSP
            assert page.headers["Content-Type"].startswith("text/html")
        async with http.head(f"{base}/w/w.js") as head:
            assert head.status == 200 and await head.read() == b""


async def test_an_unchanged_file_is_revalidated_with_304_and_a_rebuilt_one_comes_again(
        served: tuple[str, Path]) -> None:
    base, root = served
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/w/w.js") as first:
            tag = first.headers["ETag"]
        async with http.get(f"{base}/w/w.js", headers={"If-None-Match": tag}) as again:
            assert again.status == 304 and await again.read() == b""
            assert again.headers["ETag"] == tag
        (root / "w.js").write_bytes(b"console.log(2);")
        stat = (root / "w.js").stat()
        os.utime(root / "w.js", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        async with http.get(f"{base}/w/w.js", headers={"If-None-Match": tag}) as rebuilt:
            assert rebuilt.status == 200 and await rebuilt.read() == b"console.log(2);"
            assert rebuilt.headers["ETag"] != tag


async def test_a_file_not_in_the_built_folder_is_not_found(served: tuple[str, Path]) -> None:
    base, root = served
    (root / "later.js").write_text("added after start")
    async with aiohttp.ClientSession() as http:
        for name in ("later.js", "nothing.js"):
            async with http.get(f"{base}/w/{name}") as missing:
                assert missing.status == 404


async def test_requests_cancelled_while_their_file_is_read_leave_no_file_open(tmp_path: Path) -> None:
    """The browser leaving the page (or the server stopping) cancels requests at any point; none may leave
    an open file behind for the garbage collector (the widget tests turn that ResourceWarning into a failure)."""
    root = built_folder(tmp_path / "w")
    app = web.Application()
    add_static_dir(app, "w", root, what="widget", csp=CSP)
    resource = next(r for r in app.router.resources() if "{name" in r.canonical)
    handler = next(iter(resource)).handler

    async def answer() -> None:
        request = make_mocked_request("GET", "/w/w.js", match_info={"name": "w.js"}, app=app)
        response = await handler(request)
        await response.prepare(request)

    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))  # this test's loop: reads run one after another
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(300):
            request = asyncio.ensure_future(answer())
            await asyncio.sleep(0)  # one turn: the request is now waiting on its read
            request.cancel()
            with pytest.raises(asyncio.CancelledError):
                await request
        await loop.run_in_executor(None, lambda: None)  # queued behind every read: they have all finished
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_a_file_the_server_may_not_read_is_forbidden_not_an_error(
        served: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    base, _ = served

    def unreadable(path: Path) -> tuple[bytes, str]:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(file_answer, "read_whole", unreadable)  # this suite runs as root, who reads everything
    async with aiohttp.ClientSession() as http, http.get(f"{base}/w/w.js") as refused:
        assert refused.status == 403
