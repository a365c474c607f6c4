"""The agent's side of /ws/agent: login (password once, then the session token), duty, chats,
canned messages, memos, typing, callbacks and file transfer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

from onduty.client.net.backoff import Backoff
from onduty.client.net.base import ChatClient
from onduty.client.net.connection import Sleep
from onduty.client.net.errors import NotConnected
from onduty.client.net.files import Downloaded, Uploaded, download, http_base, upload
from onduty.shared.messages import (
    AgentStatus,
    CallbackList,
    CannedList,
    ChatAssigned,
    ChatClosed,
    ChatList,
    ChatMessage,
    CloseChat,
    GetCanned,
    GetTranscript,
    ListCallbacks,
    ListChats,
    Login,
    LoginOk,
    Logout,
    MemoSaved,
    Message,
    SaveMemo,
    SetDuty,
    SetPresence,
    Transcript,
    Welcome,
)
from onduty.shared.types import AgentProfile, CallbackInfo, CannedMessage, ChatInfo, Memo, Presence


class AgentClient(ChatClient):
    """An agent session that survives drops.

    Logs in with ``password`` the first time (or ``token`` if given) and with the token from
    ``login_ok`` afterwards, sending the cursor of each open chat so that the server replays only
    what was missed. Duty and presence set through this client are restored after a reconnect
    if the server's ``agent_status`` says otherwise (e.g. the grace period ran out).
    """

    ENDPOINT = "/ws/agent"

    def __init__(
        self,
        url: str,
        username: str,
        *,
        password: str | None = None,
        token: str | None = None,
        client_name: str = "onduty-agent",
        headers: Mapping[str, str] | None = None,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int | None = None,
        request_timeout: float = 30.0,
        heartbeat: float | None = 30.0,
    ) -> None:
        if password is None and token is None:
            raise ValueError("a password or a token is required")
        super().__init__(
            url, client_name=client_name, headers=headers, backoff=backoff, sleep=sleep,
            max_attempts=max_attempts, request_timeout=request_timeout, heartbeat=heartbeat,
        )
        self.username = username
        self._password = password
        self.token = token
        self.profile: AgentProfile | None = None
        self.status: AgentStatus | None = None
        self.open_chats: dict[str, ChatInfo] = {}
        self.canned: list[CannedMessage] = []
        """The canned messages of the agent's queues, as last pushed or fetched."""
        self._want_duty: bool | None = None
        self._want_presence: Presence | None = None
        self._restore = False

    # --- requests --------------------------------------------------------------------------

    async def set_duty(self, on_duty: bool) -> AgentStatus:
        self._want_duty = on_duty
        return await self._request(SetDuty(on_duty=on_duty), AgentStatus, _is(AgentStatus))

    async def set_presence(self, presence: Presence) -> AgentStatus:
        self._want_presence = presence
        return await self._request(SetPresence(presence=presence), AgentStatus, _is(AgentStatus))

    async def close_chat(self, chat_id: str) -> ChatClosed:
        return await self._request(
            CloseChat(chat_id=chat_id), ChatClosed,
            lambda m: isinstance(m, ChatClosed) and m.chat_id == chat_id,
        )

    async def list_chats(
        self, *, queue: str | None = None, query: str | None = None, before: float | None = None,
        limit: int = 50,
    ) -> list[ChatInfo]:
        reply = await self._request(
            ListChats(queue=queue, query=query, before=before, limit=limit), ChatList, _is(ChatList)
        )
        return reply.chats

    async def get_transcript(self, chat_id: str) -> Transcript:
        """The whole transcript, fetched page by page."""
        messages: list[ChatMessage] = []
        memos: list[Memo] = []
        while True:
            after = messages[-1].seq if messages else 0
            page = await self._request(
                GetTranscript(chat_id=chat_id, after_seq=after), Transcript,
                lambda m: isinstance(m, Transcript) and m.chat.chat_id == chat_id,
            )
            messages.extend(page.messages)
            if after == 0:
                memos = list(page.memos)
            if not page.more or not page.messages:
                return Transcript(chat=page.chat, messages=messages, more=False, memos=memos)

    async def get_canned(self) -> list[CannedMessage]:
        reply = await self._request(GetCanned(), CannedList, _is(CannedList))
        return reply.items

    async def save_memo(self, chat_id: str, text: str) -> Memo:
        reply = await self._request(
            SaveMemo(chat_id=chat_id, text=text), MemoSaved,
            lambda m: isinstance(m, MemoSaved) and m.chat_id == chat_id,
        )
        return reply.memo

    async def list_callbacks(self, *, queue: str | None = None, limit: int = 50) -> list[CallbackInfo]:
        reply = await self._request(ListCallbacks(queue=queue, limit=limit), CallbackList, _is(CallbackList))
        return reply.items

    async def upload_file(
        self, chat_id: str, data: bytes, name: str, *, content_type: str = "application/octet-stream",
        caption: str = "",
    ) -> Uploaded:
        """Attach a file to a chat (HTTP, with the session token); the requestor gets it as a message."""
        token = self._require_token()
        cmid = self._ledger.new_client_msg_id()
        self._ledger.note_own(chat_id, cmid)
        uploaded = await upload(
            http_base(self._conn.url), token, chat_id, data, name, content_type=content_type, caption=caption,
            client_msg_id=cmid, time_limit=self._request_timeout,
        )
        self._ledger.note_own_seq(chat_id, uploaded.seq)
        return uploaded

    async def download_file(self, file_id: str) -> Downloaded:
        base = http_base(self._conn.url)
        return await download(base, self._require_token(), file_id, time_limit=self._request_timeout)

    def _require_token(self) -> str:
        if self.token is None:
            raise NotConnected("file transfer needs a session token: sign in first")
        return self.token

    async def logout(self) -> None:
        """Revoke the token and go offline at once (no grace period); the client is closed after."""
        if self.ready:
            self._conn.stop_after_session()  # the server closes with 1000: do not reconnect
            await self._write(Logout())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._conn.wait_closed(), self._request_timeout)
        await self.close()

    # --- session hooks ---------------------------------------------------------------------

    async def _session_opened(self, welcome: Welcome) -> None:
        cursors = self._ledger.cursors_for(self.open_chats)
        if self.token is not None:
            login = Login(username=self.username, token=self.token, cursors=cursors)
        else:
            login = Login(username=self.username, password=self._password, cursors=cursors)
        await self._write(login)

    async def _handle(self, message: Message) -> None:
        match message:
            case LoginOk():
                self.token = message.token
                self._password = None  # from now on the token signs in; do not keep the password around
                self.profile = message.profile
                self._restore = True
                await self._became_ready()
            case AgentStatus():
                self.status = message
                if self._restore:
                    self._restore = False
                    await self._restore_state(message)
            case ChatAssigned():
                self.open_chats[message.chat.chat_id] = message.chat
            case ChatClosed():
                self.open_chats.pop(message.chat_id, None)
                self._ledger.forget(message.chat_id)
            case CannedList():
                self.canned = list(message.items)
            case _:
                pass

    async def _restore_state(self, status: AgentStatus) -> None:
        """First status after a login: re-apply what the application asked for before the drop."""
        if self._want_duty is not None and status.on_duty != self._want_duty:
            await self._write(SetDuty(on_duty=self._want_duty))
        if self._want_presence is not None and status.presence != self._want_presence:
            await self._write(SetPresence(presence=self._want_presence))


def _is(kind: type[Message]) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, kind)
