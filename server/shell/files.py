"""Files in chats over HTTP: upload into a chat, download as an attachment.

``POST /api/chats/{chat_id}/files`` (multipart: ``file``, optional ``caption`` and
``client_msg_id``) stores the bytes under the data folder's ``files/`` (never served as a
page), then posts a chat message carrying the file's reference, so the other side gets it
in order with the text messages. ``GET /api/files/{file_id}`` returns it as a download.
Both take ``Authorization: Bearer <token>``: an agent's session token or the requestor's
resume token of that chat. Refusals are JSON ``{"code", "detail"}`` with a 4xx status.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import mimetypes
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from onduty.server import inbound
from onduty.server.auth import token_hash
from onduty.server.config import ServerConfig
from onduty.server.core import events as ev
from onduty.server.shell.file_answer import file_answer
from onduty.server.shell.http_api import add_json_errors, bearer_token, refused, signed_in_agent
from onduty.server.shell.origins import cors_headers
from onduty.server.shell.wiring import Shell
from onduty.server.store import FileRecord
from onduty.shared.errors import ErrorCode
from onduty.shared.sizes import human_size
from onduty.shared.types import ChatState, Role

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True, slots=True)
class Caller:
    role: Role
    name: str
    username: str | None = None


def refuse(status: int, code: ErrorCode, detail: str, headers: dict[str, str] | None = None) -> NoReturn:
    """Answer with ``status`` and the JSON ``{"code", "detail"}`` the clients show (and log it)."""
    log.info("file request refused", extra={"status": status, "code": code.value, "detail": detail[:200]})
    raise refused(status, code, detail, headers)


def checked(value: object, field: str, cors: dict[str, str], max_len: int = 255, one_line: bool = True) -> str:
    """A value from the path or a form part (an id, a file name), or a 400 ``invalid_value``."""
    try:
        return (inbound.line if one_line else inbound.text)(value, field, max_len=max_len)
    except inbound.InvalidValue as exc:
        refuse(400, ErrorCode.INVALID_VALUE, str(exc), cors)


async def part_text(part: BodyPartReader, field: str, max_len: int, cors: dict[str, str]) -> str:
    """A small text part (caption, client_msg_id): strict UTF-8, no NUL, cut to ``max_len`` characters;
    more than four bytes a character is refused before it is all read."""
    raw = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        raw += chunk
        if len(raw) > 4 * max_len:
            refuse(400, ErrorCode.INVALID_VALUE, f"{field} needs 0 to {max_len} characters", cors)
    try:
        return inbound.text(inbound.decode(bytes(raw), field), field, max_len=4 * max_len, required=False,
                            strip=False)[:max_len]
    except inbound.InvalidValue as exc:
        refuse(400, ErrorCode.INVALID_VALUE, str(exc), cors)


def safe_name(name: str) -> str:
    """The file's own name without folders or control characters, at most 255 characters."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .") or "file"
    stem, dot, ext = base.rpartition(".")
    if dot and len(ext) < 20:
        return stem[: 254 - len(ext)] + "." + ext
    return base[:255]


def add_file_routes(app: web.Application, config: ServerConfig, shell_of: Callable[[web.Request], Shell]) -> None:
    too_big = f"files may be at most {human_size(config.max_file_bytes)}"  # e.g. 10 MB, not 10485760 bytes
    files_dir = config.files_dir

    async def caller(request: web.Request, shell: Shell, chat_id: str, cors: dict[str, str]) -> Caller:
        token = bearer_token(request)
        if not token:
            refuse(401, ErrorCode.NOT_AUTHENTICATED, "send Authorization: Bearer <token>", cors)
        agent = await signed_in_agent(shell, token)
        if agent is not None:
            return Caller(Role.AGENT, agent.display_name, agent.username)
        record = await shell.store.get_chat(chat_id)
        if record is not None and hmac.compare_digest(record.resume_token_hash, token_hash(token)):
            return Caller(Role.REQUESTOR, record.requestor_name)
        refuse(403, ErrorCode.NOT_ALLOWED, "this token does not give access to that chat", cors)

    async def upload(request: web.Request) -> web.Response:
        cors = cors_headers(request, config)
        shell, chat_id = shell_of(request), checked(request.match_info["chat_id"], "chat_id", cors, 64)
        who = await caller(request, shell, chat_id, cors)
        session, view = shell.delivery.session(chat_id), shell.routing.chat(chat_id)
        if session is None or view is None or view.state in (ChatState.ENDED, ChatState.CLOSED):
            refuse(409, ErrorCode.CHAT_ENDED, "the chat is not running", cors)
        if who.role is Role.AGENT and view.agent != who.username:
            refuse(403, ErrorCode.NOT_ALLOWED, f"chat {chat_id} is not yours", cors)
        length = request.content_length
        if length is not None and length > config.max_file_bytes + CHUNK:
            refuse(413, ErrorCode.FILE_REJECTED, too_big, cors)
        if not request.content_type.startswith("multipart/"):
            refuse(400, ErrorCode.BAD_REQUEST, "send multipart/form-data with a 'file' field", cors)
        caption, client_msg_id, stored = "", None, None
        reader = await request.multipart()
        try:
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    refuse(400, ErrorCode.BAD_REQUEST, "nested multipart is not accepted", cors)
                if part.name == "file" and stored is None:
                    stored = await receive(part, who, chat_id, shell.clock(), cors)
                elif part.name == "caption":
                    caption = await part_text(part, "caption", inbound.MAX_TEXT, cors)
                elif part.name == "client_msg_id":
                    client_msg_id = await part_text(part, "client_msg_id", 64, cors) or None
            if stored is None:
                refuse(400, ErrorCode.BAD_REQUEST, "no 'file' field", cors)
            await shell.store.add_file(stored)
        except BaseException:
            if stored is not None:
                await asyncio.to_thread(_unlink, files_dir / stored.file_id)
            raise
        if who.role is Role.AGENT:
            shell.routing.submit(ev.AgentReplied(shell.clock(), chat_id, who.username or ""))
        message, new = await shell.post(session, who.role, who.name, caption, client_msg_id, stored.ref())
        if not new:  # a resent upload: the first one stands
            await asyncio.to_thread(_unlink, files_dir / stored.file_id)
        shell.writes.audit(message.at, "file", chat_id, who.username, file_id=stored.file_id, size=str(stored.size))
        file = message.file or stored.ref()
        return web.json_response(
            {"chat_id": chat_id, "seq": message.seq, "at": message.at,
             "file": {"file_id": file.file_id, "name": file.name, "size": file.size,
                      "content_type": file.content_type}},
            headers=cors,
        )

    async def receive(
        part: BodyPartReader, who: Caller, chat_id: str, now: float, cors: dict[str, str]
    ) -> FileRecord:
        name = safe_name(checked(part.filename or "file", "filename", cors, 1000, one_line=False))
        ext = os.path.splitext(name)[1].lower()
        if ext not in config.file_types:
            refuse(415, ErrorCode.FILE_REJECTED, f"{ext or 'files without an extension'} not accepted; allowed: "
                   + " ".join(config.file_types), cors)
        file_id = uuid.uuid4().hex
        path = files_dir / file_id
        await asyncio.to_thread(files_dir.mkdir, parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        out = await asyncio.to_thread(path.open, "wb")
        try:
            while chunk := await part.read_chunk(CHUNK):
                size += len(chunk)
                if size > config.max_file_bytes:
                    refuse(413, ErrorCode.FILE_REJECTED, too_big, cors)
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
            await asyncio.to_thread(_sync_close, out)
        except BaseException:
            out.close()
            await asyncio.to_thread(_unlink, path)
            raise
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileRecord(file_id=file_id, chat_id=chat_id, name=name, size=size, content_type=content_type,
                          sha256=digest.hexdigest(), uploaded_by=who.username or "requestor", at=now)

    async def download(request: web.Request) -> web.StreamResponse:
        shell = shell_of(request)
        cors = cors_headers(request, config)
        record = await shell.store.get_file(checked(request.match_info["file_id"], "file_id", cors, 64))
        if record is None:
            refuse(404, ErrorCode.UNKNOWN_CHAT, "no such file", cors)
        who = await caller(request, shell, record.chat_id, cors)
        if who.role is Role.AGENT:
            chat = await shell.store.get_chat(record.chat_id)
            agent = await shell.store.get_agent(who.username or "")
            if chat is None or agent is None or chat.queue not in agent.queues:
                refuse(403, ErrorCode.NOT_ALLOWED, "not a chat of your queues", cors)
        headers = {
            **cors,
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(record.name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        }
        try:
            return await file_answer(request, files_dir / record.file_id, headers)
        except (web.HTTPNotFound, web.HTTPForbidden):
            log.error("a stored file cannot be read from the files folder", extra={"file_id": record.file_id})
            refuse(404, ErrorCode.UNKNOWN_CHAT, "the file is no longer on the server", cors)

    async def preflight(request: web.Request) -> web.Response:
        cors = cors_headers(request, config)
        if not cors:
            refuse(403, ErrorCode.ORIGIN_NOT_ALLOWED, "this origin may not use the files API")
        return web.Response(status=204, headers=cors)

    app.router.add_post("/api/chats/{chat_id}/files", upload)
    app.router.add_route("OPTIONS", "/api/chats/{chat_id}/files", preflight)
    app.router.add_get("/api/files/{file_id}", download)
    app.router.add_route("OPTIONS", "/api/files/{file_id}", preflight)
    add_json_errors(app)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def _sync_close(out: BinaryIO) -> None:
    """On disk before the message that names the file is stored (the delivery promise)."""
    out.flush()
    os.fsync(out.fileno())
    out.close()
