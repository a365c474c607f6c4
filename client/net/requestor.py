"""The requestor's side of /ws/requestor: one chat per connection, resumed after a drop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence

from onduty.client.net.backoff import Backoff
from onduty.client.net.base import ChatClient
from onduty.client.net.connection import Sleep
from onduty.client.net.errors import SessionEnded
from onduty.shared.messages import (
    ChatEnded,
    ChatRequested,
    CobrowseDecline,
    CobrowseStart,
    CobrowseStop,
    CobrowseUpdate,
    Error,
    Message,
    RequestChat,
    ResumeChat,
    Welcome,
)
from onduty.shared.types import BusinessContext, RequestType


class RequestorClient(ChatClient):
    """A requestor (web widget, bot, load generator).

    :meth:`request_chat` opens a chat and keeps its ``resume_token``; after a dropped connection
    the client sends ``resume_chat`` with ``after_seq`` = the last seq it received, so only what
    was missed is replayed. A chat the server no longer knows ends the client (GaveUp, unknown_chat).
    ``origin`` is sent as the Origin header (the server checks it against its allowlist).
    """

    ENDPOINT = "/ws/requestor"

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        origin: str | None = None,
        client_name: str = "onduty-requestor",
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int | None = None,
        request_timeout: float = 30.0,
        heartbeat: float | None = 30.0,
    ) -> None:
        headers: Mapping[str, str] = {"Origin": origin} if origin is not None else {}
        super().__init__(
            url, client_name=client_name, headers=headers, backoff=backoff, sleep=sleep,
            max_attempts=max_attempts, request_timeout=request_timeout, heartbeat=heartbeat,
        )
        self.chat_id: str | None = None
        self.resume_token: str | None = None
        self._resume_req: str | None = None
        """``req`` of this session's ``resume_chat`` until its answer came."""

    async def request_chat(
        self,
        queue: str,
        name: str,
        *,
        request_type: RequestType = RequestType.OTHER,
        email: str | None = None,
        text: str | None = None,
        context: Iterable[BusinessContext] = (),
        site_token: str | None = None,
    ) -> str:
        """Ask for a chat in ``queue``; returns its chat_id. ``text`` becomes message 1."""
        client_msg_id = self._ledger.new_client_msg_id() if text is not None else None
        request = RequestChat(
            queue=queue, name=name, request_type=request_type, email=email, text=text,
            client_msg_id=client_msg_id, context=list(context), site_token=site_token,
        )
        reply = await self._request(request, ChatRequested)
        if client_msg_id is not None:
            self._ledger.note_own(reply.chat_id, client_msg_id)
        return reply.chat_id

    async def cobrowse(self, chat_id: str, answer: str) -> CobrowseUpdate:
        """Co-browse steps of a bot or a test (the widget records the page; this client sends no recording):
        ``start``, ``decline`` or ``stop``."""
        kinds = {"start": CobrowseStart, "decline": CobrowseDecline, "stop": CobrowseStop}
        return await self._request(kinds[answer](chat_id=chat_id), CobrowseUpdate)

    async def _session_opened(self, welcome: Welcome) -> None:
        if self.chat_id is None or self.resume_token is None:
            await self._became_ready()
            return
        after = self._ledger.cursors.get(self.chat_id, 0)
        resume = self._requests.stamp(
            ResumeChat(chat_id=self.chat_id, resume_token=self.resume_token, after_seq=after)
        )
        self._resume_req = resume.req
        await self._write(resume)

    async def _handle(self, message: Message) -> None:
        match message:
            case ChatRequested():
                self.chat_id = message.chat_id
                self.resume_token = message.resume_token
                if self._resume_req is not None and message.req == self._resume_req:
                    self._resume_req = None
                    await self._became_ready()
            case ChatEnded() if message.chat_id == self.chat_id:
                # Nothing left to resume: a later reconnect starts without a chat.
                self.chat_id = None
                self.resume_token = None
            case Error() if self._resume_req is not None and message.req == self._resume_req:
                code = message.code
                raise SessionEnded(f"cannot resume the chat: {code.value}", code)
            case _:
                pass

