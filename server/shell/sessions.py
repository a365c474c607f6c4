"""An open chat held in memory: its messages and who has been sent what.

Delivery is synchronous once a message is stored, so a party attached to the chat gets
every message exactly once and in sequence order, whatever order the stores finished in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onduty.server.shell.peer import Peer
from onduty.server.store.records import ChatRecord, StoredMessage
from onduty.shared.messages import ChatAssigned, ChatMessage
from onduty.shared.types import ChatInfo, ChatState, EndReason, RequestorInfo, Role


@dataclass(slots=True)
class Attachment:
    """A peer reading this chat; ``next_seq`` is the next message it is owed."""

    peer: Peer
    next_seq: int


@dataclass(slots=True)
class ChatSession:
    record: ChatRecord
    state: ChatState
    agent: str | None = None
    agent_name: str | None = None
    assigned_at: float | None = None
    ended_at: float | None = None
    end_reason: EndReason | None = None
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    last_seq: int = 0
    parties: dict[Role, Attachment] = field(default_factory=dict)
    transferred_from: str | None = None
    """Name of the agent who handed the chat over (warm or cold), for the next agent's window."""

    @property
    def chat_id(self) -> str:
        return self.record.chat_id

    def info(self) -> ChatInfo:
        return chat_info(
            self.record, state=self.state, assigned_at=self.assigned_at, ended_at=self.ended_at,
            agent=self.agent, agent_name=self.agent_name, end_reason=self.end_reason, last_seq=self.last_seq,
        )

    def add(self, message: StoredMessage) -> None:
        """A stored message: deliver it (and any it was waiting for) to attached parties."""
        self.messages[message.seq] = message
        while self.last_seq + 1 in self.messages:
            self.last_seq += 1
        for role in self.parties:
            self._flush(role, replay=False)

    def attach(self, role: Role, peer: Peer, after_seq: int, assigned: ChatAssigned | None = None) -> None:
        """``peer`` reads this chat from ``after_seq`` on (a replay includes its own messages)."""
        self.parties[role] = Attachment(peer, after_seq + 1)
        if assigned is not None:
            peer.send(assigned)
        self._flush(role, replay=True)

    def detach(self, role: Role, peer: Peer | None = None) -> None:
        current = self.parties.get(role)
        if current is not None and (peer is None or current.peer is peer):
            del self.parties[role]

    def peer(self, role: Role) -> Peer | None:
        attached = self.parties.get(role)
        return attached.peer if attached else None

    def _flush(self, role: Role, replay: bool) -> None:
        attached = self.parties[role]
        while attached.next_seq <= self.last_seq:
            m = self.messages[attached.next_seq]
            attached.next_seq += 1
            if replay or m.sender is not role:
                attached.peer.send(to_wire(m))


def to_wire(m: StoredMessage) -> ChatMessage:
    return ChatMessage(
        chat_id=m.chat_id, seq=m.seq, sender=m.sender, sender_name=m.sender_name, text=m.text, at=m.at,
        client_msg_id=m.client_msg_id, file=m.file,
    )


def chat_info(
    r: ChatRecord, *, state: ChatState, assigned_at: float | None, ended_at: float | None, agent: str | None,
    agent_name: str | None, end_reason: EndReason | None, last_seq: int,
) -> ChatInfo:
    """What clients see of a chat: the stored request plus its current state."""
    return ChatInfo(
        chat_id=r.chat_id, queue=r.queue, state=state,
        requestor=RequestorInfo(name=r.requestor_name, email=r.requestor_email, verified_id=r.requestor_id,
                                site=r.site),
        request_type=r.request_type, context=list(r.context), created_at=r.requested_at, assigned_at=assigned_at,
        ended_at=ended_at, agent=agent, agent_name=agent_name, end_reason=end_reason, last_seq=last_seq,
    )
