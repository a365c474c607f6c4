"""Answers an HTTP request with one whole file read from disk (a built script, an uploaded file).

aiohttp's ``FileResponse`` opens the file on an executor thread and hands the open file back to the loop;
a request cancelled in between (the browser left the page, the server is stopping) drops that file object
unclosed. Here the thread opens, reads and closes the file in one call, so a cancelled request leaves
nothing open. The files served are bounded (the built widget, uploads up to ``max_file_bytes``), so holding
one in memory for the answer is fine.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web


def read_whole(path: Path) -> tuple[bytes, str]:
    """The file's bytes and its entity tag (modification time and size), on the calling thread."""
    with path.open("rb") as file:
        stat = os.fstat(file.fileno())
        return file.read(), f"{stat.st_mtime_ns:x}-{stat.st_size:x}"


async def file_answer(request: web.Request, path: Path, headers: Mapping[str, str], *,
                      revalidate: bool = False) -> web.Response:
    """The file at ``path`` with ``headers``; 404 when it is gone. With ``revalidate`` the answer carries
    an ETag, and a request whose If-None-Match names it gets 304 with no body. A file the server may not
    read is 403, as it was with ``FileResponse``."""
    try:
        body, tag = await asyncio.to_thread(read_whole, path)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise web.HTTPNotFound() from None
    except PermissionError:
        raise web.HTTPForbidden() from None
    if not revalidate:
        return web.Response(body=body, headers=headers)
    answer = {**headers, "ETag": f'"{tag}"'}
    if any(seen.value in (tag, "*") for seen in request.if_none_match or ()):
        answer.pop("Content-Type", None)
        return web.Response(status=304, headers=answer)
    return web.Response(body=body, headers=answer)
