"""One discussion of a warm handover as the app keeps it (no widgets): state, talk, the chat's history.

The sender and the receiver see the same discussion from two sides: the sender may transfer only once
the receiver accepted (seed 001: the sender must have the receiver's confirmation of the area); the
receiver may accept or decline while it is offered, and reads the chat's history meanwhile.
"""

from __future__ import annotations

from onduty.client.app.qt.core import QObject, Signal
from onduty.shared.messages import DiscussionMessage, Transcript
from onduty.shared.types import ChatInfo, DiscussionInfo, DiscussionState

OPEN_STATES = frozenset({DiscussionState.OFFERED, DiscussionState.ACCEPTED})

STATE_LABELS: dict[DiscussionState, str] = {
    DiscussionState.OFFERED: "Request sent",
    DiscussionState.ACCEPTED: "Accepted",
    DiscussionState.TRANSFERRED: "Transferred",
    DiscussionState.DECLINED: "Declined",
    DiscussionState.EXPIRED: "Nobody available",
    DiscussionState.NOBODY_AVAILABLE: "Nobody available",
    DiscussionState.CANCELLED: "Withdrawn",
    DiscussionState.RECEIVER_LEFT: "Receiver went offline",
    DiscussionState.CHAT_ENDED: "Chat ended",
}


class DiscussionModel(QObject):
    """``changed`` fires on every update (state, talk, transcript)."""

    changed = Signal()

    def __init__(self, info: DiscussionInfo, me: str, chat: ChatInfo | None = None, text: str = "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.me = me
        self.chat = chat
        self.text = text
        """What the server says about the current state, e.g. "Carl accepted: you can transfer the chat now."."""
        self.talk: list[DiscussionMessage] = []
        self.transcript: Transcript | None = None

    @property
    def discussion_id(self) -> str:
        return self.info.discussion_id

    @property
    def state(self) -> DiscussionState:
        return self.info.state

    @property
    def is_sender(self) -> bool:
        return self.info.sender == self.me

    @property
    def open(self) -> bool:
        return self.info.state in OPEN_STATES

    @property
    def can_transfer(self) -> bool:
        """Only the sender, only after the receiver accepted."""
        return self.is_sender and self.info.state is DiscussionState.ACCEPTED

    @property
    def can_answer(self) -> bool:
        return not self.is_sender and self.info.state is DiscussionState.OFFERED

    @property
    def partner_name(self) -> str:
        """The other agent: the receiver (or the queue while nobody is chosen) for the sender."""
        if self.is_sender:
            return self.info.receiver_name or self.info.receiver or (self.info.queue or "a colleague")
        return self.info.sender_name

    def update(self, info: DiscussionInfo, text: str = "") -> None:
        self.info = info
        if text:
            self.text = text
        self.changed.emit()

    def add_talk(self, message: DiscussionMessage) -> None:
        if any(m.seq == message.seq for m in self.talk):
            return
        self.talk.append(message)
        self.talk.sort(key=lambda m: m.seq)
        self.changed.emit()

    def set_transcript(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.chat = transcript.chat
        self.changed.emit()
