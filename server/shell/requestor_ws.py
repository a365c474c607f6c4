"""The requestor endpoint: ask for a chat, wait in line, chat, resume after a dropped connection."""

from __future__ import annotations

import hmac
import re
import uuid

from onduty.server.auth import SiteClaims, new_token, read_site_token, token_hash, verify_site_token
from onduty.server.config import ServerConfig
from onduty.server.core import events as ev
from onduty.server.core.rating import rating_of
from onduty.server.shell.case_callbacks import case_from_callback
from onduty.server.shell.endpoint import Endpoint
from onduty.server.shell.peer import Peer
from onduty.server.shell.ratelimit import TokenBucket
from onduty.server.shell.sessions import ChatSession
from onduty.server.shell.views import END_TEXT, waiting
from onduty.server.shell.wiring import Shell
from onduty.server.store import ChatRecord, QueueRecord
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.messages import (
    Ack,
    AgentJoined,
    CallAnswer,
    CallbackSaved,
    CallCandidate,
    CallRequest,
    ChatEnded,
    ChatRated,
    ChatRequested,
    CobrowseData,
    CobrowseDecline,
    CobrowseStart,
    CobrowseStop,
    EndChat,
    GetQueueInfo,
    HangUp,
    LeaveCallback,
    Message,
    RateChat,
    RequestChat,
    ResumeChat,
    Send,
    Sent,
    Typing,
)
from onduty.shared.types import CallbackInfo, ChatState, EndReason, Role

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9 ()./-]{5,40}")


class RequestorEndpoint(Endpoint):
    session: ChatSession | None = None

    def __init__(self, shell: Shell, peer: Peer, config: ServerConfig) -> None:
        limit = None
        if config.requestor_rate_per_s > 0:
            limit = TokenBucket(config.requestor_rate_per_s, config.requestor_rate_burst)
        super().__init__(shell, peer, config, limit)

    async def dispatch(self, message: Message) -> None:
        shell = self.shell
        match message:
            case GetQueueInfo(queue=name):
                queue = await shell.queues.ensure(name)
                if queue is None:
                    raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, name)
                self.peer.send(shell.queues.info(queue))
                self._voice(queue.name)
            case RequestChat():
                await self._request(message)
            case LeaveCallback():
                await self._callback(message)
            case Typing(chat_id=chat_id, active=active):
                session = self._own(chat_id)
                shell.typing(session, Role.REQUESTOR, session.record.requestor_name, active)
            case ResumeChat(chat_id=chat_id, resume_token=resume_token, after_seq=after_seq):
                await self._resume(chat_id, resume_token, after_seq)
            case Send(chat_id=chat_id, client_msg_id=client_msg_id, text=text):
                session = self._own(chat_id)
                shell.routing.check_writable(chat_id)
                name = session.record.requestor_name
                await self.post(session, Role.REQUESTOR, name, text, client_msg_id)
            case Ack(chat_id=chat_id, seq=seq):
                shell.ack(self._own(chat_id), Role.REQUESTOR, seq)
            case EndChat(chat_id=chat_id):
                self._own(chat_id)
                if shell.routing.chat(chat_id) is not None:
                    shell.routing.submit(ev.RequestorEnded(shell.clock(), chat_id))
                if not self.answered():
                    self.peer.send(shell.ended_frame(chat_id) or self._closed_frame(chat_id))
            case RateChat(chat_id=chat_id, rating=rating, comment=comment, resume_token=resume_token):
                await self._rate(chat_id, rating, comment, resume_token)
            case CallRequest(chat_id=chat_id) | CallAnswer(chat_id=chat_id) | CallCandidate(chat_id=chat_id) \
                    | HangUp(chat_id=chat_id):
                await shell.voice.handle(message, Role.REQUESTOR, self._own(chat_id))
            case CobrowseData(chat_id=chat_id):
                shell.cobrowse.data(self._own(chat_id).chat_id, message)
            case CobrowseStart(chat_id=chat_id):
                shell.cobrowse.start(self._own(chat_id).chat_id)
            case CobrowseDecline(chat_id=chat_id):
                shell.cobrowse.decline(self._own(chat_id).chat_id)
            case CobrowseStop(chat_id=chat_id):
                shell.cobrowse.stop(self._own(chat_id).chat_id, Role.REQUESTOR)
            case _:
                raise ProtocolError(ErrorCode.NOT_ALLOWED, f"{message.TYPE} is not for this endpoint")

    def unmetered(self, message: Message) -> bool:
        return isinstance(message, CobrowseData)  # its own budget: server/core/cobrowse.py

    async def _rate(self, chat_id: str, rating: int, comment: str | None, resume_token: str | None) -> None:
        """The requestor's rating of its chat, once it is over (rules: ``server/core/rating.py``): the chat of this
        connection, or one whose resume token the requestor holds."""
        shell, now = self.shell, self.shell.clock()
        if self.session is None or self.session.chat_id != chat_id:
            record = await shell.store.get_chat(chat_id) if resume_token is not None else None
            if record is None or resume_token is None or not hmac.compare_digest(
                record.resume_token_hash, token_hash(resume_token)
            ):
                raise ProtocolError(ErrorCode.UNKNOWN_CHAT, "not a chat of this connection")
        view = shell.routing.chat(chat_id)
        value = rating_of(view is None or view.end_reason is not None, rating, comment, now)
        if not await shell.store.rate_chat(chat_id, value):
            raise ProtocolError(ErrorCode.ALREADY_RATED, "this chat has its rating already")
        shell.writes.audit(now, "rated", chat_id, None, rating=str(rating))
        self.peer.log.info("chat rated", extra={"rating": rating, "comment": value.comment is not None})
        self.peer.send(ChatRated(chat_id=chat_id, rating=value))

    def _voice(self, queue: str) -> None:
        """``voice_available`` when the queue's chats may have calls (docs/protocol.md, section 19)."""
        if (available := self.shell.voice.available(queue)) is not None:
            self.peer.send(available)

    def _own(self, chat_id: str) -> ChatSession:
        if self.session is None or self.session.chat_id != chat_id:
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, chat_id)
        return self.session

    def _closed_frame(self, chat_id: str) -> ChatEnded:
        """How the connection's chat ended, once routing has let go of it (closed, e.g. dropped from the line)."""
        reason = self.session.ended if self.session is not None and self.session.ended else EndReason.REQUESTOR_LEFT
        return ChatEnded(chat_id=chat_id, reason=reason, text=END_TEXT[reason], state=ChatState.CLOSED)

    def _check_free(self) -> None:
        if self.session is not None and self.shell.delivery.session(self.session.chat_id) is not None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "this connection already has an open chat")

    async def _identity(self, queue: QueueRecord, site_token: str | None) -> SiteClaims | None:
        if site_token is None:
            if not queue.anonymous:
                raise ProtocolError(ErrorCode.SITE_TOKEN_REQUIRED, f"{queue.name} needs a signed-in user")
            return None
        site = await self.shell.store.get_site(read_site_token(site_token).site)
        if site is None:
            raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, "unknown site")
        return verify_site_token(site_token, site.secret, self.shell.clock())

    async def _request(self, m: RequestChat) -> None:
        self._check_free()
        if m.email is not None and m.email.strip() and not EMAIL.fullmatch(m.email.strip()):
            raise ProtocolError(ErrorCode.INVALID_VALUE, "that is not an e-mail address")
        shell = self.shell
        queue = await shell.queues.ensure(m.queue)
        if queue is None:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, m.queue)
        claims = await self._identity(queue, m.site_token)
        prefer = await self._previous_agent(m, queue.name)
        resume_token = new_token()
        record = ChatRecord(
            chat_id=uuid.uuid4().hex[:16], queue=queue.name, state=ChatState.WAITING,
            requestor_name=claims.name if claims else m.name, request_type=m.request_type,
            requested_at=shell.clock(), resume_token_hash=token_hash(resume_token),
            requestor_email=(m.email or "").strip() or None,
            requestor_id=claims.subject if claims else None, site=claims.site if claims else None,
            context=tuple(m.context),
        )
        await shell.store.create_chat(record)
        session = self.session = shell.delivery.open(record)
        session.whispered = False  # begun just now: nobody has whispered in it yet
        shell.delivery.attach(session.chat_id, Role.REQUESTOR, self.peer, 0)
        self.peer.log.extra = {**(self.peer.log.extra or {}), "chat": record.chat_id}
        self.peer.send(ChatRequested(chat_id=record.chat_id, queue=queue.name, resume_token=resume_token))
        self._voice(queue.name)
        if m.text:
            stored, _new = await shell.post(session, Role.REQUESTOR, record.requestor_name, m.text, m.client_msg_id)
            if m.client_msg_id is not None:
                self.peer.send(Sent(chat_id=record.chat_id, client_msg_id=m.client_msg_id, seq=stored.seq,
                                    at=stored.at))
        shell.writes.audit(record.requested_at, "requested", record.chat_id, None, queue=queue.name,
                  request_type=m.request_type.value, verified=str(claims is not None))
        shell.routing.submit(ev.ChatRequested(shell.clock(), record.chat_id, queue.name, prefer))

    async def _previous_agent(self, m: RequestChat, queue: str) -> str | None:
        """The agent of the requestor's earlier chat in this queue ("chat again with the same agent")."""
        if m.previous_chat_id is None:
            return None
        record = await self.shell.store.get_chat(m.previous_chat_id)
        if record is None or m.previous_token is None or not hmac.compare_digest(
            record.resume_token_hash, token_hash(m.previous_token)
        ):
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, "no earlier chat with that id and token")
        return record.agent if record.queue == queue else None

    async def _callback(self, m: LeaveCallback) -> None:
        shell = self.shell
        queue = await shell.queues.ensure(m.queue)
        if queue is None:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, m.queue)
        claims = await self._identity(queue, m.site_token)
        phone = (m.phone or "").strip() or None
        email = (m.email or "").strip() or None
        if phone is None and email is None:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "leave a phone number or an e-mail address")
        if phone is not None and not PHONE.fullmatch(phone):
            raise ProtocolError(ErrorCode.INVALID_VALUE, "that is not a phone number")
        if email is not None and not EMAIL.fullmatch(email):
            raise ProtocolError(ErrorCode.INVALID_VALUE, "that is not an e-mail address")
        if m.chat_id is not None and (self.session is None or self.session.chat_id != m.chat_id):
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, "not a chat of this connection")
        info = CallbackInfo(
            callback_id=0, queue=queue.name, name=claims.name if claims else m.name, phone=phone, email=email,
            text=m.text, request_type=m.request_type, created_at=shell.clock(), context=list(m.context),
            chat_id=m.chat_id, verified_id=claims.subject if claims else None,
        )
        callback_id = await shell.store.add_callback(info, claims.site if claims else None)
        await case_from_callback(shell.store, info, callback_id, shell.clock())
        shell.writes.audit(info.created_at, "callback", m.chat_id, None, queue=queue.name, callback_id=str(callback_id))
        self.peer.log.info("callback request stored", extra={"callback_id": callback_id})
        shell.queues.callback_added(queue.name)
        self.peer.send(CallbackSaved(callback_id=callback_id, queue=queue.name))

    async def _resume(self, chat_id: str, resume_token: str, after_seq: int | None) -> None:
        self._check_free()
        shell = self.shell
        session = shell.delivery.session(chat_id)
        if session is None or not hmac.compare_digest(session.record.resume_token_hash, token_hash(resume_token)):
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, "no open chat with that id and token")
        old = session.peer(Role.REQUESTOR)
        if old is not None and old is not self.peer:
            session.detach(Role.REQUESTOR)
            old.error(ErrorCode.REPLACED, "the chat was resumed on another connection")
            old.close(CloseCode.NORMAL, ErrorCode.REPLACED.value)
        shell.routing.submit(ev.RequestorReconnected(shell.clock(), chat_id))
        self.session = session
        self.peer.send(ChatRequested(chat_id=chat_id, queue=session.record.queue, resume_token=resume_token))
        self._voice(session.record.queue)
        view = shell.routing.chat(chat_id)
        if (position := shell.routing.waiting(chat_id)) is not None:
            self.peer.send(waiting(position))
        elif (ended := shell.ended_frame(chat_id)) is not None:
            self.peer.send(ended)
        elif view is not None and view.agent is not None:
            self.peer.send(AgentJoined(chat_id=chat_id, agent_name=shell.presence.name(view.agent)))
        after = after_seq if after_seq is not None else await shell.writes.acked(chat_id, Role.REQUESTOR)
        shell.delivery.attach(session.chat_id, Role.REQUESTOR, self.peer, after)
        shell.cobrowse.resumed(chat_id)

    def gone(self) -> None:
        session = self.session
        if session is None or session.peer(Role.REQUESTOR) is not self.peer:
            return
        self.shell.voice.left(session.chat_id, Role.REQUESTOR)
        session.detach(Role.REQUESTOR, self.peer)
        if self.shell.routing.chat(session.chat_id) is not None:
            self.shell.routing.submit(ev.RequestorDisconnected(self.shell.clock(), session.chat_id))
