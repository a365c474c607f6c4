"""The agent endpoint: sign-in, duty and presence, chats, transcripts of the agent's queues."""

from __future__ import annotations

import asyncio
import hmac

from onduty.server.auth import Passwords, new_token, token_hash
from onduty.server.config import ServerConfig
from onduty.server.core import events as ev
from onduty.server.core.roles import is_supervisor
from onduty.server.shell import callback_work
from onduty.server.shell.console_auth import console_link
from onduty.server.shell.endpoint import Endpoint
from onduty.server.shell.peer import Peer
from onduty.server.shell.sessions import ChatSession, chat_info, to_wire
from onduty.server.shell.sideband import AgentWrote, Sideband
from onduty.server.shell.views import agent_status
from onduty.server.shell.wiring import Shell
from onduty.server.store import ChatRecord, SessionRecord, StoredMessage
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.messages import (
    TRANSCRIPT_PAGE,
    TRANSCRIPT_PAGE_CHARS,
    Ack,
    AddContact,
    AnswerDiscussion,
    CallbackList,
    CallbackUpdate,
    CallCandidate,
    CallOffer,
    CallRequest,
    CancelDiscussion,
    CannedList,
    ChatList,
    ChatMessage,
    ClaimCallback,
    CloseChannel,
    CloseChat,
    CobrowseInvite,
    CobrowseStop,
    ColdTransfer,
    Discuss,
    DiscussionSay,
    EndChat,
    FindColleagues,
    FinishCallback,
    GetCanned,
    GetCobrowseLink,
    GetConsoleLink,
    GetImHistory,
    GetPartners,
    GetTranscript,
    HangUp,
    ImAck,
    ImSend,
    ListCallbacks,
    ListChats,
    Login,
    LoginOk,
    Logout,
    MemoSaved,
    Message,
    OpenChannel,
    RemoveContact,
    SaveMemo,
    Send,
    SetDuty,
    SetPresence,
    SupervisorRole,
    Transcript,
    Transfer,
    Typing,
)
from onduty.shared.types import AgentProfile, ChatInfo, Presence, Role


class AgentEndpoint(Endpoint):
    def __init__(self, shell: Shell, peer: Peer, config: ServerConfig, passwords: Passwords,
                 base: str = "") -> None:
        super().__init__(shell, peer, config)
        self.passwords = passwords
        self.base = base
        """``scheme://host`` this connection reached the server by (for links it hands out)."""
        self.profile: AgentProfile | None = None
        self.token: str | None = None
        self._signed_out = False

    async def dispatch(self, message: Message) -> None:
        if isinstance(message, Login):
            await self._login(message)
            return
        profile = self.profile
        if profile is None:
            raise ProtocolError(ErrorCode.NOT_AUTHENTICATED, "log in first", close=CloseCode.POLICY_VIOLATION)
        shell, user, now = self.shell, profile.username, self.shell.clock()
        match message:
            case SetDuty(on_duty=on_duty):
                shell.routing.submit(ev.DutySet(now, user, on_duty))
                self._reply_status(user)
            case SetPresence(presence=presence):
                if presence is Presence.OFFLINE:
                    raise ProtocolError(ErrorCode.INVALID_VALUE, "offline is derived; sign out instead")
                shell.routing.submit(ev.PresenceSet(now, user, presence))
                self._reply_status(user)
            case Send(chat_id=chat_id, client_msg_id=client_msg_id, text=text):
                session = self._held(chat_id)
                shell.routing.submit(ev.AgentReplied(now, chat_id, user))
                await self.post(session, Role.AGENT, profile.display_name, text, client_msg_id)
            case Ack(chat_id=chat_id, seq=seq):
                shell.ack(self._held(chat_id), Role.AGENT, seq)
            case Typing(chat_id=chat_id, active=active):
                shell.typing(self._held(chat_id), Role.AGENT, profile.display_name, active)
            case GetCanned():
                self.peer.send(CannedList(items=await shell.store.list_canned(profile.queues)))
            case GetConsoleLink():
                self.peer.send(await console_link(shell, user, self.base))
            case CobrowseInvite(chat_id=chat_id):
                shell.cobrowse.invite(chat_id, user)
            case CobrowseStop(chat_id=chat_id):
                shell.routing.held(chat_id, user)
                shell.cobrowse.stop(chat_id, Role.AGENT)
            case GetCobrowseLink(chat_id=chat_id):
                self.peer.send(shell.cobrowse.link(chat_id, user, self.base))
            case SaveMemo(chat_id=chat_id, text=text):
                await self._readable(chat_id)
                if not text.strip():
                    raise ProtocolError(ErrorCode.BAD_REQUEST, "the memo is empty")
                memo = await shell.store.add_memo(chat_id, user, text, now)
                shell.writes.audit(now, "memo", chat_id, user, memo_id=str(memo.memo_id))
                self.peer.send(MemoSaved(chat_id=chat_id, memo=memo))
            case ListCallbacks(queue=queue, limit=limit, done=done):
                queues = self._queues(queue)
                items = await shell.store.list_callbacks(queues, limit=max(1, min(limit, 200)), done=done)
                self.peer.send(CallbackList(items=[callback_work.for_protocol(i, self.peer.protocol) for i in items]))
            case ClaimCallback(callback_id=callback_id):
                item = await callback_work.claim(shell, user, profile.queues, callback_id)
                if not self.answered():
                    self.peer.send(CallbackUpdate(item=item))
            case FinishCallback(callback_id=callback_id, outcome=outcome, note=note):
                item = await callback_work.finish(shell, user, profile.queues, callback_id, outcome, note)
                if not self.answered():
                    self.peer.send(CallbackUpdate(item=item))
            case EndChat(chat_id=chat_id):
                shell.routing.submit(ev.AgentEnded(now, chat_id, user))
                if not self.answered() and (ended := shell.ended_frame(chat_id)) is not None:
                    self.peer.send(ended)
            case CloseChat(chat_id=chat_id):
                shell.routing.submit(ev.AgentClosed(now, chat_id, user))
            case ListChats(queue=queue, query=query, before=before, limit=limit):
                queues = self._queues(queue)
                records = await shell.store.list_chats(queues, query=query, before=before,
                                                     limit=max(1, min(limit, 200)))
                self.peer.send(ChatList(chats=[self._info(r) for r in records]))
            case GetTranscript(chat_id=chat_id, after_seq=after_seq):
                record = await self._readable(chat_id)
                history = await shell.store.messages_after(chat_id, max(0, after_seq), limit=TRANSCRIPT_PAGE + 1)
                page = transcript_page(history)
                memos = await shell.store.memos(chat_id) if after_seq <= 0 else []
                rating = await shell.store.chat_rating(chat_id) if after_seq <= 0 and self.peer.protocol >= 3 else None
                self.peer.send(Transcript(chat=self._info(record), messages=page, more=len(page) < len(history),
                                          memos=memos[-50:], rating=rating))
            case GetPartners():
                self.peer.send(await shell.handovers.partners(user))
            case Discuss(chat_id=chat_id, queue=queue, colleague=colleague):
                self._held(chat_id)
                shell.handovers.discuss(user, chat_id, queue, colleague)
            case AnswerDiscussion(discussion_id=d, accept=accept):
                shell.routing.submit(ev.DiscussionAnswered(now, d, user, accept))
            case DiscussionSay(discussion_id=d, client_msg_id=client_msg_id, text=text):
                await shell.handovers.say(user, profile.display_name, d, client_msg_id, text)
            case CancelDiscussion(discussion_id=d):
                shell.routing.submit(ev.DiscussionCancelled(now, d, user))
            case Transfer(discussion_id=d):
                shell.routing.submit(ev.TransferRequested(now, d, user))
            case ColdTransfer(chat_id=chat_id, queue=queue):
                self._held(chat_id)
                if await shell.queues.ensure(queue) is None:
                    raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, queue)
                shell.routing.submit(ev.ColdTransferRequested(now, chat_id, user, queue))
            case FindColleagues(query=query, limit=limit):
                self.peer.send(await shell.collab.find(query, limit))
            case AddContact(username=other):
                await shell.collab.add_contact(user, other)
            case RemoveContact(username=other):
                await shell.collab.remove_contact(user, other)
            case OpenChannel(peer=other):
                self.peer.send(await shell.collab.open(user, other))
            case CloseChannel(peer=other):
                await shell.collab.close(user, other)
            case ImSend(peer=other, client_msg_id=client_msg_id, text=text, context=context):
                if context is not None and context.kind == "chat":
                    await self._readable(context.id)  # a card passes on read access: only one's own to give
                self.peer.send(await shell.collab.send(user, profile.display_name, other, client_msg_id, text,
                                                     context))
            case ImAck(peer=other, seq=seq):
                await shell.collab.ack(user, other, seq)
            case GetImHistory(peer=other, after_seq=after_seq):
                self.peer.send(await shell.collab.history(user, other, after_seq))
            case CallRequest(chat_id=chat_id) | CallOffer(chat_id=chat_id) | CallCandidate(chat_id=chat_id) \
                    | HangUp(chat_id=chat_id):
                await shell.voice.handle(message, Role.AGENT, self._held(chat_id))
            case Logout():
                if self.token is not None:
                    await shell.store.delete_session(token_hash(self.token))
                self._signed_out = True
                shell.agent_offline(user, self.peer, signed_out=True)
                self.profile = None
                self.peer.close(CloseCode.NORMAL, "signed out")
            case _:
                raise ProtocolError(ErrorCode.NOT_ALLOWED, f"{message.TYPE} is not for this endpoint")

    def _reply_status(self, user: str) -> None:
        """One ``agent_status`` answers set_duty / set_presence: the router's, or (no change) the current one."""
        if not self.answered():
            self.peer.send(agent_status(self.shell.routing.agent_status(user)))

    def _queues(self, queue: str | None) -> list[str]:
        """``queue`` if it is one of the agent's, else all of them."""
        assert self.profile is not None
        if queue is not None and queue not in self.profile.queues:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"{queue} is not one of your queues")
        return [queue] if queue is not None else list(self.profile.queues)

    async def _readable(self, chat_id: str) -> ChatRecord:
        """A chat of one of the agent's queues (open or archived), one it holds, one offered to it in a
        discussion, or one a colleague sent it as a business context card."""
        assert self.profile is not None
        record = await self.shell.store.get_chat(chat_id)
        if record is None:
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, chat_id)
        user, router = self.profile.username, self.shell.routing
        if not router.may_read(user, chat_id, record.queue) and not router.may_read(
            user, chat_id, record.queue, shared_with_me=await self.shell.store.chat_shared_with(user, chat_id)
        ):
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "not a chat of your queues")
        return record

    def relayed_frame(self, frame: Sideband) -> None:
        if not isinstance(frame, AgentWrote) or self.profile is None:
            super().relayed_frame(frame)
            return
        self._held(frame.chat_id)  # the gateway stored the agent's message: routing counts the reply
        self.shell.routing.submit(ev.AgentReplied(self.shell.clock(), frame.chat_id, self.profile.username))

    def _held(self, chat_id: str) -> ChatSession:
        """The open chat, if this agent holds it (the router's rule)."""
        assert self.profile is not None
        self.shell.routing.held(chat_id, self.profile.username)
        session = self.shell.delivery.session(chat_id)
        if session is None:  # held but no longer delivered: it was closed in the meantime
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, chat_id)
        return session

    def _info(self, record: ChatRecord) -> ChatInfo:
        session = self.shell.delivery.session(record.chat_id)
        if session is not None:
            return self.shell.chat_info(session)
        agent = record.agent
        return chat_info(record, None, self.shell.presence.name(agent) if agent else None, record.last_seq)

    async def _login(self, message: Login) -> None:
        if self.profile is not None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "already signed in")
        store, now = self.shell.store, self.shell.clock()
        agent = await store.get_agent(message.username)
        if message.token is not None:
            session = await store.get_session(token_hash(message.token))
            if (
                agent is None or session is None or session.expires_at <= now
                or not hmac.compare_digest(session.username, agent.username)
            ):
                raise ProtocolError(ErrorCode.TOKEN_EXPIRED, "sign in with your password again",
                                    close=CloseCode.POLICY_VIOLATION)
            token, expires_at = message.token, session.expires_at
        else:
            password = message.password or ""
            stored_hash = agent.password_hash if agent is not None else self.passwords.dummy_hash
            ok = await asyncio.get_running_loop().run_in_executor(
                None, self.passwords.verify, stored_hash, password
            )
            if agent is None or not ok or not password:
                self.peer.log.warning("sign-in refused", extra={"user": message.username[:64]})
                raise ProtocolError(ErrorCode.AUTH_FAILED, "wrong username or password",
                                    close=CloseCode.POLICY_VIOLATION)
            token, expires_at = new_token(), now + self.config.token_ttl_s
            await store.add_session(SessionRecord(token_hash(token), agent.username, expires_at))
        for queue in agent.queues:
            await self.shell.queues.ensure(queue)
        self.profile = AgentProfile(
            username=agent.username, display_name=agent.display_name, region=agent.region, lob=agent.lob,
            queues=list(agent.queues), capacity=agent.capacity, phone=agent.phone, email=agent.email,
        )
        self.token = token
        self.peer.log.extra = {**(self.peer.log.extra or {}), "user": agent.username}
        self.peer.log.info("signed in")
        self.peer.send(LoginOk(token=token, expires_at=expires_at, profile=self.profile))
        self.peer.send(CannedList(items=await store.list_canned(self.profile.queues)))
        if is_supervisor(agent.role):
            self.peer.send(SupervisorRole(role=agent.role, supervises=list(agent.supervises)))
        self.shell.agent_online(self.profile, self.peer, message.cursors)
        await self.shell.collab.signed_in(agent.username)

    def gone(self) -> None:
        if self.profile is not None:
            for chat_id in self.shell.routing.agent_chats(self.profile.username):
                self.shell.voice.left(chat_id, Role.AGENT)
            self.shell.agent_offline(self.profile.username, self.peer, signed_out=False)


def transcript_page(history: list[StoredMessage]) -> list[ChatMessage]:
    """As many messages as fit one page: ``TRANSCRIPT_PAGE`` at most, and about ``TRANSCRIPT_PAGE_CHARS``."""
    page: list[ChatMessage] = []
    chars = 0
    for m in history[:TRANSCRIPT_PAGE]:
        chars += len(m.text)
        if page and chars > TRANSCRIPT_PAGE_CHARS:
            break
        page.append(to_wire(m))
    return page
