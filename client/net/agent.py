"""The agent's side of /ws/agent: login (password once, then the session token), duty, chats,
canned messages, memos, typing, callbacks, file transfer, warm handover (discussions, transfer,
cold transfer) and colleagues (directory, mutual contacts with presence, IM channels)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Mapping, Sequence

from onduty.client.net.backoff import Backoff
from onduty.client.net.base import ChatClient
from onduty.client.net.connection import HANDSHAKE_TIMEOUT_S, Sleep
from onduty.client.net.delivery import ImLedger, PendingIm
from onduty.client.net.errors import NotConnected, RequestFailed, SessionEnded
from onduty.client.net.events import ConnectionEvent, GaveUp
from onduty.client.net.files import Downloaded, Uploaded, download, http_base, upload
from onduty.shared.messages import (
    AddContact,
    AgentStatus,
    AnswerDiscussion,
    CallbackList,
    CallbackUpdate,
    CancelDiscussion,
    CannedList,
    Channel,
    ChatAssigned,
    ChatClosed,
    ChatList,
    ChatMessage,
    ClaimCallback,
    CloseChannel,
    CloseChat,
    CobrowseInvite,
    CobrowseLink,
    CobrowseStop,
    CobrowseUpdate,
    ColdTransfer,
    ConsoleLink,
    Contacts,
    ContactStatus,
    Directory,
    Discuss,
    DiscussionMessage,
    DiscussionOffer,
    DiscussionSay,
    DiscussionUpdate,
    FindColleagues,
    FinishCallback,
    GetCanned,
    GetCobrowseLink,
    GetConsoleLink,
    GetImHistory,
    GetPartners,
    GetTranscript,
    ImAck,
    ImMessage,
    ImSent,
    ListCallbacks,
    ListChats,
    Login,
    LoginOk,
    Logout,
    MemoSaved,
    Message,
    OpenChannel,
    Partners,
    RemoveContact,
    SaveMemo,
    SetDuty,
    SetPresence,
    Transcript,
    Transfer,
    Welcome,
)
from onduty.shared.types import (
    AgentProfile,
    BusinessContext,
    CallbackInfo,
    CallbackOutcome,
    CannedMessage,
    ChatInfo,
    ChatRating,
    Colleague,
    DiscussionInfo,
    DiscussionState,
    Memo,
    Presence,
)

OPEN_DISCUSSION = frozenset({DiscussionState.OFFERED, DiscussionState.ACCEPTED})


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
        url: str | Sequence[str],
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
        handshake_timeout: float = HANDSHAKE_TIMEOUT_S,
    ) -> None:
        if password is None and token is None:
            raise ValueError("a password or a token is required")
        super().__init__(
            url, client_name=client_name, headers=headers, backoff=backoff, sleep=sleep,
            max_attempts=max_attempts, request_timeout=request_timeout, heartbeat=heartbeat,
            handshake_timeout=handshake_timeout,
        )
        self.username = username
        self._password = password
        self.token = token
        self.profile: AgentProfile | None = None
        self.status: AgentStatus | None = None
        self.open_chats: dict[str, ChatInfo] = {}
        self.canned: list[CannedMessage] = []
        """The canned messages of the agent's queues, as last pushed or fetched."""
        self.contacts: dict[str, Colleague] = {}
        """My contacts by username, with presence kept live from ``contacts`` / ``contact_status``."""
        self.discussions: dict[str, DiscussionInfo] = {}
        """Open discussions (offered or accepted) I send or receive, by id."""
        self._ims = ImLedger()
        self._closed_offline: set[str] = set()
        """Channels closed while disconnected: closed on the server after the reconnect."""
        self._want_duty: bool | None = None
        self._want_presence: Presence | None = None
        self._restore = False

    # --- requests --------------------------------------------------------------------------

    async def set_duty(self, on_duty: bool) -> AgentStatus:
        """Returns the server's status that answers this request (an earlier status frame, e.g. the
        one pushed at sign-in, does not count)."""
        self._want_duty = on_duty
        return await self._request(SetDuty(on_duty=on_duty), AgentStatus)

    async def set_presence(self, presence: Presence) -> AgentStatus:
        self._want_presence = presence
        return await self._request(SetPresence(presence=presence), AgentStatus)

    async def close_chat(self, chat_id: str) -> ChatClosed:
        return await self._request(CloseChat(chat_id=chat_id), ChatClosed)

    async def list_chats(
        self, *, queue: str | None = None, query: str | None = None, before: float | None = None,
        limit: int = 50,
    ) -> list[ChatInfo]:
        reply = await self._request(ListChats(queue=queue, query=query, before=before, limit=limit), ChatList)
        return reply.chats

    async def get_transcript(self, chat_id: str) -> Transcript:
        """The whole transcript, fetched page by page."""
        messages: list[ChatMessage] = []
        memos: list[Memo] = []
        rating: ChatRating | None = None
        while True:
            after = messages[-1].seq if messages else 0
            page = await self._request(GetTranscript(chat_id=chat_id, after_seq=after), Transcript)
            messages.extend(page.messages)
            if after == 0:
                memos, rating = list(page.memos), page.rating
            if not page.more or not page.messages:
                return Transcript(chat=page.chat, messages=messages, more=False, memos=memos, rating=rating)

    async def get_canned(self) -> list[CannedMessage]:
        reply = await self._request(GetCanned(), CannedList)
        return reply.items

    async def save_memo(self, chat_id: str, text: str) -> Memo:
        reply = await self._request(SaveMemo(chat_id=chat_id, text=text), MemoSaved)
        return reply.memo

    async def list_callbacks(self, *, queue: str | None = None, limit: int = 50, done: bool = False,
                             ) -> list[CallbackInfo]:
        """Callback requests of my queues, newest first: those not done yet (with ``done``: all)."""
        reply = await self._request(ListCallbacks(queue=queue, limit=limit, done=done), CallbackList)
        return reply.items

    async def claim_callback(self, callback_id: int) -> CallbackInfo:
        """Take a callback request; the queue's other agents see it (``callback_update``). RequestFailed with
        ``callback_claimed`` (another agent has it), ``callback_done``, ``unknown_callback`` or ``not_allowed``."""
        reply = await self._request(ClaimCallback(callback_id=callback_id), CallbackUpdate)
        return reply.item

    async def finish_callback(self, callback_id: int, outcome: CallbackOutcome, note: str | None = None,
                              ) -> CallbackInfo:
        """Mark a callback request done with how it went; the same refusals as :meth:`claim_callback`."""
        reply = await self._request(FinishCallback(callback_id=callback_id, outcome=outcome, note=note or None),
                                    CallbackUpdate)
        return reply.item

    # --- warm handover (seed 001) --------------------------------------------------------------

    async def console_link(self) -> ConsoleLink:
        """A one-time link that opens the supervisor console signed in (supervisors and admins only)."""
        return await self._request(GetConsoleLink(), ConsoleLink)

    # --- co-browsing (seed 004) ---------------------------------------------------------------

    async def cobrowse_invite(self, chat_id: str) -> CobrowseUpdate:
        """Ask the requestor of my chat to share the page (``invited``); its answer comes as ``cobrowse_update``."""
        return await self._request(CobrowseInvite(chat_id=chat_id), CobrowseUpdate)

    async def cobrowse_stop(self, chat_id: str) -> CobrowseUpdate:
        return await self._request(CobrowseStop(chat_id=chat_id), CobrowseUpdate)

    async def cobrowse_link(self, chat_id: str) -> CobrowseLink:
        """A one-time link that opens the co-browse view of my chat in a browser."""
        return await self._request(GetCobrowseLink(chat_id=chat_id), CobrowseLink)

    async def get_partners(self) -> Partners:
        """Every queue with its routable / on-duty agents now, and my contacts with presence."""
        return await self._request(GetPartners(), Partners)

    async def discuss(
        self, chat_id: str, *, queue: str | None = None, colleague: str | None = None,
    ) -> DiscussionUpdate:
        """Offer a discussion about my chat to a queue's agent or a colleague; ``offered`` or ``nobody_available``."""
        if (queue is None) == (colleague is None):
            raise ValueError("discuss with exactly one of queue or colleague")
        return await self._request(Discuss(chat_id=chat_id, queue=queue, colleague=colleague), DiscussionUpdate)

    async def answer_discussion(self, discussion_id: str, accept: bool) -> DiscussionUpdate:
        return await self._request(AnswerDiscussion(discussion_id=discussion_id, accept=accept), DiscussionUpdate)

    async def discussion_say(self, discussion_id: str, text: str) -> DiscussionMessage:
        """Talk to the other agent of a discussion; returns the stored message (with its seq).

        Not kept for a resend: a drop before the answer raises ConnectionLost (the reply and a
        refusal both carry this request's ``req``)."""
        cmid = self._ledger.new_client_msg_id()
        return await self._request(
            DiscussionSay(discussion_id=discussion_id, client_msg_id=cmid, text=text), DiscussionMessage,
        )

    async def cancel_discussion(self, discussion_id: str) -> DiscussionUpdate:
        return await self._request(CancelDiscussion(discussion_id=discussion_id), DiscussionUpdate)

    async def transfer(self, discussion_id: str) -> DiscussionUpdate:
        """Hand the chat to the receiver who accepted (else RequestFailed not_allowed); my window closes."""
        return await self._request(Transfer(discussion_id=discussion_id), DiscussionUpdate)

    async def cold_transfer(self, chat_id: str, queue: str) -> ChatClosed:
        """The explicit fallback: the chat goes to the head of ``queue``'s line; my window closes."""
        return await self._request(ColdTransfer(chat_id=chat_id, queue=queue), ChatClosed)

    # --- colleagues and instant messages (seed 002) -------------------------------------------

    async def find_colleagues(self, query: str = "", limit: int = 50) -> list[Colleague]:
        reply = await self._request(FindColleagues(query=query, limit=limit), Directory)
        return reply.colleagues

    async def add_contact(self, username: str) -> list[Colleague]:
        """Mutual: ``username`` gets me on their list too. Returns my new contact list."""
        reply = await self._request(AddContact(username=username), Contacts)
        return reply.contacts

    async def remove_contact(self, username: str) -> list[Colleague]:
        reply = await self._request(RemoveContact(username=username), Contacts)
        return reply.contacts

    async def open_channel(self, peer: str) -> Channel:
        """Open (or show again) the IM channel with ``peer``: its latest page of history.

        A sixth open channel is refused with RequestFailed ``channel_limit``.
        """
        self._closed_offline.discard(peer)
        return await self._request(OpenChannel(peer=peer), Channel)

    async def close_channel(self, peer: str) -> None:
        """Close the channel (its history stays); done after the reconnect when offline now.

        There is no reply: a refusal is logged and queued as an ``error`` event."""
        if self.ready:
            await self._write(CloseChannel(peer=peer))
        else:
            self._closed_offline.add(peer)

    async def im_history(self, peer: str, after_seq: int = 0) -> Channel:
        """One page (up to 100 messages) of the channel's history after ``after_seq``."""
        return await self._request(GetImHistory(peer=peer, after_seq=after_seq), Channel)

    async def im_history_all(self, peer: str, after_seq: int = 0) -> list[ImMessage]:
        """Every message of the channel after ``after_seq``, page by page."""
        messages: list[ImMessage] = []
        while True:
            page = await self.im_history(peer, messages[-1].seq if messages else after_seq)
            messages.extend(page.messages)
            if not page.more or not page.messages:
                return messages

    async def im_send(self, peer: str, text: str, context: BusinessContext | None = None) -> ImSent:
        """Send an instant message (optionally a business context card); returns once the server stored it.

        As with chat messages the message is kept and written again after a reconnect with the same
        client_msg_id until ``im_sent`` confirms it; the peer gets it now or at their next sign-in. A
        refusal (an ``error`` naming that client_msg_id) raises RequestFailed.
        """
        self._check_alive()
        entry = self._ims.add_send(peer, text, context)
        if self.ready:
            await self._write_im(entry)
        return await asyncio.shield(entry.future)

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
                async with asyncio.timeout(self._request_timeout):
                    await self._conn.wait_closed()
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
            case Contacts():
                self.contacts = {c.username: c for c in message.contacts}
            case ContactStatus():
                if (known := self.contacts.get(message.username)) is not None:
                    self.contacts[message.username] = dataclasses.replace(known, presence=message.presence)
            case DiscussionOffer() | DiscussionUpdate():
                d = message.discussion
                if d.state in OPEN_DISCUSSION:
                    self.discussions[d.discussion_id] = d
                else:
                    self.discussions.pop(d.discussion_id, None)
            case _:
                pass

    async def on_message(self, message: Message) -> None:
        match message:
            case ImMessage():
                if self._ims.accept(message):
                    await self._events.put(message)
                await self._write(ImAck(peer=message.peer, seq=message.seq))
                return
            case ImSent():
                entry = self._ims.confirm(message)
                if entry is not None and not entry.future.done():
                    entry.future.set_result(message)
            case _:
                pass
        await super().on_message(message)

    def _refuse_kept(self, client_msg_id: str, failure: RequestFailed) -> bool:
        entry = self._ims.refuse(client_msg_id)
        if entry is None:
            return super()._refuse_kept(client_msg_id, failure)
        if not entry.future.done():
            entry.future.set_exception(failure)
        return True

    async def on_state(self, event: ConnectionEvent) -> None:
        await super().on_state(event)
        if isinstance(event, GaveUp):
            failure = SessionEnded(event.reason, event.code)
            for entry in self._ims.pending.values():
                if not entry.future.done():
                    entry.future.set_exception(failure)
                    entry.future.exception()  # retrieved: nobody may be waiting any more

    async def _became_ready(self) -> None:
        """Unconfirmed IMs and channels closed while away go out first, then the chat sends."""
        session = self._conn.sessions
        while todo := self._ims.unwritten(session):
            for entry in todo:
                await self._write_im(entry)
        for peer in sorted(self._closed_offline):
            await self._write(CloseChannel(peer=peer))
        self._closed_offline.clear()
        await super()._became_ready()

    async def _write_im(self, entry: PendingIm) -> None:
        entry.session = self._conn.sessions
        await self._write(entry.message)

    async def _restore_state(self, status: AgentStatus) -> None:
        """First status after a login: re-apply what the application asked for before the drop."""
        if self._want_duty is not None and status.on_duty != self._want_duty:
            await self._write(SetDuty(on_duty=self._want_duty))
        if self._want_presence is not None and status.presence != self._want_presence:
            await self._write(SetPresence(presence=self._want_presence))

