"""File transfer beside the WebSocket: ``POST /api/chats/{chat_id}/files`` and ``GET /api/files/{file_id}``.

Both carry ``Authorization: Bearer <token>`` (an agent's session token or a requestor's resume
token). An upload becomes a chat message with ``file`` set; its answer carries the seq it got.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp

from onduty.client.net.errors import RequestFailed
from onduty.shared.errors import ErrorCode
from onduty.shared.types import FileRef

_SCHEMES = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def http_base(url: str) -> str:
    """``ws://host:port/ws/agent`` -> ``http://host:port`` (the HTTP API lives beside the endpoints)."""
    parts = urlsplit(url)
    scheme = _SCHEMES.get(parts.scheme, "http")
    return urlunsplit((scheme, parts.netloc, "", "", ""))


@dataclass(frozen=True, slots=True)
class Uploaded:
    """The server stored the file as message ``seq`` of ``chat_id``."""

    chat_id: str
    seq: int
    at: float
    file: FileRef


@dataclass(frozen=True, slots=True)
class Downloaded:
    name: str
    content_type: str
    data: bytes


async def upload(
    base: str, token: str, chat_id: str, data: bytes, name: str, *, content_type: str = "application/octet-stream",
    caption: str = "", client_msg_id: str | None = None, time_limit: float = 60.0,
) -> Uploaded:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=content_type)
    if caption:
        form.add_field("caption", caption)
    if client_msg_id is not None:
        form.add_field("client_msg_id", client_msg_id)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=time_limit)) as http, http.post(
        f"{base}/api/chats/{chat_id}/files", data=form, headers=_auth(token)
    ) as response:
        body = await _json_or_fail(response)
    file = body["file"]
    return Uploaded(
        chat_id=str(body["chat_id"]), seq=int(body["seq"]), at=float(body["at"]),
        file=FileRef(file_id=str(file["file_id"]), name=str(file["name"]), size=int(file["size"]),
                     content_type=str(file["content_type"])),
    )


async def download(base: str, token: str, file_id: str, *, time_limit: float = 60.0) -> Downloaded:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=time_limit)) as http, http.get(
        f"{base}/api/files/{file_id}", headers=_auth(token)
    ) as response:
        if response.status != 200:
            await _json_or_fail(response)
        data = await response.read()
        name = _filename(response.headers.get("Content-Disposition", "")) or file_id
        return Downloaded(name=name, content_type=response.content_type, data=data)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _json_or_fail(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        body = None
    if response.status == 200 and isinstance(body, dict):
        return body
    detail = f"HTTP {response.status}"
    code = ErrorCode.BAD_REQUEST
    if isinstance(body, dict):
        detail = str(body.get("detail") or body.get("message") or detail)
        with contextlib.suppress(ValueError):
            code = ErrorCode(str(body.get("code")))
    raise RequestFailed(code, detail, "file")


_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)


def _filename(disposition: str) -> str:
    match = _FILENAME.search(disposition)
    return unquote(match.group(1).strip()) if match else ""
