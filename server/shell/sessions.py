"""An open chat's delivery state: who reads it, and who has been sent what.

The router owns the chat's state (waiting, assigned, who holds it...); this holds only
what delivery needs: the stored request, the last stored ``seq`` and each attached party's
cursor. Messages are not kept in memory: a party that attaches (a new agent, a resume) is
replayed from the store, page by page, and then gets every new message as it is stored,
exactly once and in ``seq`` order, whatever order the stores finished in. A replay to the agent or
to a watching supervisor also carries the chat's whispers; a replay to the requestor never does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from onduty.server.core.model import ChatView
from onduty.server.shell.peer import Peer
from onduty.server.shell.sideband import RelayEnded, RelayStart, RelayStop
from onduty.server.store import Store, StoreError
from onduty.server.store.records import ChatRecord, StoredMessage, WhisperRecord
from onduty.shared.messages import ChatMessage, Whisper
from onduty.shared.types import ChatInfo, EndReason, RequestorInfo, Role

log = logging.getLogger(__name__)
REPLAY_PAGE = 200
"""Messages read from the store per round of a replay."""


@dataclass(eq=False, slots=True)
class Attachment:
    """A peer reading this chat; ``next_seq`` is the next message it is owed."""

    peer: Peer
    next_seq: int
    replaying: bool = True
    echo_until: int = 0
    """The last ``seq`` the replay sends even when the party wrote it: what it wrote after attaching, it was
    confirmed with ``sent`` and is never sent back to it."""


@dataclass(slots=True)
class ChatSession:
    record: ChatRecord
    last_seq: int = 0
    parties: dict[Role, Attachment] = field(default_factory=dict)
    ended: EndReason | None = None
    """How the chat ended, as its parties were told (for a late ``end_chat`` once routing has closed it)."""
    watchers: dict[Peer, Attachment] = field(default_factory=dict)
    """Supervisors' connections reading the chat read-only (monitor): every message, whoever sent it."""
    whispered: bool = True
    """The chat may have stored whispers, so a replay to its agent or a watcher reads them: False for a chat begun
    in this process until a supervisor whispers in it (most never get one, and a new chat's first replay should
    not cost a store read); True where that is not known (a chat restored at start)."""
    _early: dict[int, StoredMessage] = field(default_factory=dict)
    """Stored messages that finished before an earlier seq did: delivered once the gap is filled."""

    @property
    def chat_id(self) -> str:
        return self.record.chat_id

    def add(self, message: StoredMessage) -> None:
        """A stored message: deliver it (and any it was waiting for) to attached parties. One known already
        (a cluster node hears of the messages it stored itself too) changes nothing."""
        if message.seq <= self.last_seq:
            return
        self._early[message.seq] = message
        while (m := self._early.pop(self.last_seq + 1, None)) is not None:
            self.last_seq = m.seq
            for role, attached in self.parties.items():
                if _owed(attached, m.seq) and m.sender is not role:
                    attached.peer.send(to_wire(m))
            for attached in self.watchers.values():
                if _owed(attached, m.seq):
                    attached.peer.send(to_wire(m))

    @property
    def waiting_for_gap(self) -> bool:
        """Messages after a ``seq`` not heard of yet are held back (a cluster node fills the gap from the store)."""
        return bool(self._early)

    def attach(self, role: Role, peer: Peer, after_seq: int, echo_until: int | None = None) -> Attachment:
        """``peer`` reads this chat from ``after_seq`` on; call :meth:`replay` with the result. On a relayed
        connection (:mod:`.sideband`) the gateway replays and delivers instead: it is told so here, and the
        party gets no message from this session. ``echo_until``: the chat's last ``seq`` as the party knew it
        when it attached (default: this session's now)."""
        echo_until = self.last_seq if echo_until is None else echo_until
        attached = self.parties[role] = Attachment(peer, after_seq + 1, not peer.relayed, echo_until)
        if peer.relayed:
            name = self.record.requestor_name if role is Role.REQUESTOR else peer.party_name
            peer.sideband(RelayStart(self.chat_id, role, after_seq, self.last_seq, name))
        return attached

    def end(self, reason: EndReason) -> None:
        """The chat ended as ``reason``: its parties may no longer write (relaying gateways are told)."""
        self.ended = reason
        for attached in self.parties.values():
            attached.peer.sideband(RelayEnded(self.chat_id))

    def watch(self, peer: Peer) -> Attachment:
        """A supervisor's ``peer`` reads this chat read-only from its start; call :meth:`replay` with it."""
        attached = self.watchers[peer] = Attachment(peer, 1)
        return attached

    def unwatch(self, peer: Peer) -> bool:
        return self.watchers.pop(peer, None) is not None

    async def replay(self, key: Role | Peer, attached: Attachment, store: Store) -> None:
        """Send ``attached`` (the party ``key``, or the watcher ``key``) what it missed (its own messages too),
        then switch it to live delivery. The agent and watchers also get the chat's stored whispers, each
        before the first message stored after it (the requestor never does)."""
        whispers = await _whispers(store, self.chat_id) if key is not Role.REQUESTOR and self.whispered else []
        while self._attached(key) is attached and attached.next_seq <= self.last_seq:
            page = await store.messages_after(self.chat_id, attached.next_seq - 1, limit=REPLAY_PAGE)
            if self._attached(key) is not attached:
                return
            for m in page:
                if m.seq != attached.next_seq or m.seq > self.last_seq:
                    break
                while whispers and whispers[0].at < m.at:
                    attached.peer.send(whisper_frame(whispers.pop(0)))
                attached.next_seq += 1
                if m.sender is not key or m.seq <= attached.echo_until:
                    attached.peer.send(to_wire(m))
            if not page:
                break
        if self._attached(key) is not attached:
            return
        for w in whispers:
            attached.peer.send(whisper_frame(w))
        attached.replaying = False

    def _attached(self, key: Role | Peer) -> Attachment | None:
        return self.parties.get(key) if isinstance(key, Role) else self.watchers.get(key)

    def detach(self, role: Role, peer: Peer | None = None) -> None:
        current = self.parties.get(role)
        if current is not None and (peer is None or current.peer is peer):
            del self.parties[role]
            current.peer.sideband(RelayStop(self.chat_id, role))

    def detach_all(self) -> None:
        """The chat is closed: nobody reads it any more."""
        for role in list(self.parties):
            self.detach(role)

    def peer(self, role: Role) -> Peer | None:
        attached = self.parties.get(role)
        return attached.peer if attached else None


def _owed(attached: Attachment, seq: int) -> bool:
    """Whether live delivery owes ``attached`` the message ``seq`` now (then it is counted as sent)."""
    if attached.replaying or attached.next_seq != seq or attached.peer.relayed:
        return False
    attached.next_seq += 1
    return True


def to_wire(m: StoredMessage) -> ChatMessage:
    return ChatMessage(
        chat_id=m.chat_id, seq=m.seq, sender=m.sender, sender_name=m.sender_name, text=m.text, at=m.at,
        client_msg_id=m.client_msg_id, file=m.file,
    )


def chat_info(r: ChatRecord, view: ChatView | None, agent_name: str | None, last_seq: int) -> ChatInfo:
    """What clients see of a chat: the stored request plus the router's state (the record's once closed)."""
    if view is None:
        queue, state, agent = r.queue, r.state, r.agent
        assigned_at, ended_at, end_reason = r.assigned_at, r.ended_at, r.end_reason
    else:
        queue, state, agent = view.queue, view.state, view.agent
        assigned_at, ended_at, end_reason = view.assigned_at, view.ended_at, view.end_reason
    return ChatInfo(
        chat_id=r.chat_id, queue=queue, state=state,
        requestor=RequestorInfo(name=r.requestor_name, email=r.requestor_email, verified_id=r.requestor_id,
                                site=r.site),
        request_type=r.request_type, context=list(r.context), created_at=r.requested_at, assigned_at=assigned_at,
        ended_at=ended_at, agent=agent, agent_name=agent_name, end_reason=end_reason, last_seq=last_seq,
    )


async def _whispers(store: Store, chat_id: str) -> list[WhisperRecord]:
    """The chat's stored whispers for a replay; none (logged) when the store cannot read them, so that the
    messages are still replayed."""
    try:
        return list(await store.whispers(chat_id))
    except StoreError as exc:
        log.warning("whispers not replayed", extra={"chat": chat_id, "error": str(exc)})
        return []


def whisper_frame(w: WhisperRecord) -> Whisper:
    """A stored whisper as the agent and watching supervisors get it."""
    return Whisper(chat_id=w.chat_id, whisper_id=w.whisper_id, sender=w.sender, sender_name=w.sender_name,
                   text=w.text, at=w.at)
