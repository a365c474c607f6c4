"""The requestor endpoint: ask for a chat, wait in line, chat, resume after a dropped connection."""

from __future__ import annotations

import hmac
import uuid

from onduty.server.auth import SiteClaims, new_token, read_site_token, token_hash, verify_site_token
from onduty.server.core import events as ev
from onduty.server.shell.endpoint import Endpoint
from onduty.server.shell.hub import END_TEXT
from onduty.server.shell.sessions import ChatSession
from onduty.server.store import ChatRecord, QueueRecord
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.messages import (
    Ack,
    AgentJoined,
    ChatEnded,
    ChatRequested,
    EndChat,
    Message,
    RequestChat,
    ResumeChat,
    Send,
    Sent,
    Waiting,
)
from onduty.shared.types import ChatState, Role


class RequestorEndpoint(Endpoint):
    session: ChatSession | None = None

    async def dispatch(self, message: Message) -> None:
        hub = self.hub
        match message:
            case RequestChat():
                await self._request(message)
            case ResumeChat(chat_id=chat_id, resume_token=resume_token, after_seq=after_seq):
                await self._resume(chat_id, resume_token, after_seq)
            case Send(chat_id=chat_id, client_msg_id=client_msg_id, text=text):
                session = self._own(chat_id)
                if hub.router.chat_state(chat_id) in (None, ChatState.ENDED):
                    raise ProtocolError(ErrorCode.CHAT_ENDED, chat_id)
                name = session.record.requestor_name
                stored, _new = await hub.post(session, Role.REQUESTOR, name, text, client_msg_id)
                self.peer.send(Sent(chat_id=chat_id, client_msg_id=client_msg_id, seq=stored.seq, at=stored.at))
            case Ack(chat_id=chat_id, seq=seq):
                self._own(chat_id)
                hub.ack(chat_id, Role.REQUESTOR, seq)
            case EndChat(chat_id=chat_id):
                self._own(chat_id)
                if hub.router.chat_state(chat_id) is not None:
                    hub.apply(ev.RequestorEnded(hub.clock(), chat_id))
            case _:
                raise ProtocolError(ErrorCode.NOT_ALLOWED, f"{message.TYPE} is not for this endpoint")

    def _own(self, chat_id: str) -> ChatSession:
        if self.session is None or self.session.chat_id != chat_id:
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, chat_id)
        return self.session

    def _check_free(self) -> None:
        if self.session is not None and self.session.chat_id in self.hub.sessions:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "this connection already has an open chat")

    async def _identity(self, queue: QueueRecord, site_token: str | None) -> SiteClaims | None:
        if site_token is None:
            if not queue.anonymous:
                raise ProtocolError(ErrorCode.SITE_TOKEN_REQUIRED, f"{queue.name} needs a signed-in user")
            return None
        site = await self.hub.store.get_site(read_site_token(site_token).site)
        if site is None:
            raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, "unknown site")
        return verify_site_token(site_token, site.secret, self.hub.clock())

    async def _request(self, m: RequestChat) -> None:
        self._check_free()
        hub = self.hub
        queue = await hub.ensure_queue(m.queue)
        if queue is None:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, m.queue)
        claims = await self._identity(queue, m.site_token)
        resume_token = new_token()
        record = ChatRecord(
            chat_id=uuid.uuid4().hex[:16], queue=queue.name, state=ChatState.WAITING,
            requestor_name=claims.name if claims else m.name, request_type=m.request_type,
            requested_at=hub.clock(), resume_token_hash=token_hash(resume_token), requestor_email=m.email,
            requestor_id=claims.subject if claims else None, site=claims.site if claims else None,
            context=tuple(m.context),
        )
        await hub.store.create_chat(record)
        session = self.session = hub.sessions[record.chat_id] = ChatSession(record, ChatState.WAITING)
        session.attach(Role.REQUESTOR, self.peer, 0)
        self.peer.log.extra = {**(self.peer.log.extra or {}), "chat": record.chat_id}
        self.peer.send(ChatRequested(chat_id=record.chat_id, queue=queue.name, resume_token=resume_token))
        if m.text:
            stored, _new = await hub.post(session, Role.REQUESTOR, record.requestor_name, m.text, m.client_msg_id)
            if m.client_msg_id is not None:
                self.peer.send(Sent(chat_id=record.chat_id, client_msg_id=m.client_msg_id, seq=stored.seq,
                                    at=stored.at))
        hub.audit(record.requested_at, "requested", record.chat_id, None, queue=queue.name,
                  request_type=m.request_type.value, verified=str(claims is not None))
        hub.apply(ev.ChatRequested(hub.clock(), record.chat_id, queue.name))

    async def _resume(self, chat_id: str, resume_token: str, after_seq: int | None) -> None:
        self._check_free()
        hub = self.hub
        session = hub.sessions.get(chat_id)
        if session is None or not hmac.compare_digest(session.record.resume_token_hash, token_hash(resume_token)):
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, "no open chat with that id and token")
        old = session.peer(Role.REQUESTOR)
        if old is not None and old is not self.peer:
            session.detach(Role.REQUESTOR)
            old.error(ErrorCode.REPLACED, "the chat was resumed on another connection")
            old.close(CloseCode.NORMAL, ErrorCode.REPLACED.value)
        hub.apply(ev.RequestorReconnected(hub.clock(), chat_id))
        self.session = session
        self.peer.send(ChatRequested(chat_id=chat_id, queue=session.record.queue, resume_token=resume_token))
        if session.state is ChatState.WAITING:
            line = hub.router.line(session.record.queue)
            position = line.index(chat_id) + 1 if chat_id in line else 1
            waited = hub.clock() - session.record.requested_at
            queue = await hub.ensure_queue(session.record.queue)
            max_wait = queue.max_wait_s if queue is not None else self.config.default_max_wait_s
            self.peer.send(Waiting(chat_id=chat_id, position=position, waited_s=waited, max_wait_s=max_wait))
        elif session.state is ChatState.ENDED and session.end_reason is not None:
            self.peer.send(ChatEnded(chat_id=chat_id, reason=session.end_reason, text=END_TEXT[session.end_reason]))
        else:
            self.peer.send(AgentJoined(chat_id=chat_id, agent_name=session.agent_name or ""))
        after = after_seq if after_seq is not None else await hub.store.acked(chat_id, Role.REQUESTOR)
        session.attach(Role.REQUESTOR, self.peer, after)

    def gone(self) -> None:
        session = self.session
        if session is None or session.peer(Role.REQUESTOR) is not self.peer:
            return
        session.detach(Role.REQUESTOR, self.peer)
        if self.hub.router.chat_state(session.chat_id) is not None:
            self.hub.apply(ev.RequestorDisconnected(self.hub.clock(), session.chat_id))
