"""Qt models of a chat: its messages (a list model the chat window shows) and its state.

The session feeds them from server messages; views only read them. Messages are kept in seq
order; the agent's own messages appear at once as "sending" and get their seq and time from
``sent``. The protocol tells the sender when a message is stored (``sent``), not when the
requestor has read it, so the delivery states are sending / sent / failed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from onduty.client.app.qt.core import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from onduty.shared.messages import ChatEnded, ChatMessage, Sent, Whisper
from onduty.shared.types import BusinessContext, ChatInfo, EndReason, FileRef, Memo, Role

Index = QModelIndex | QPersistentModelIndex


class LineState(Enum):
    RECEIVED = "received"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ChatLine:
    key: str
    sender: Role
    sender_name: str
    text: str
    at: float | None
    seq: int | None = None
    state: LineState = LineState.RECEIVED
    file: FileRef | None = None
    error: str = ""
    context: BusinessContext | None = None
    """A business context card (instant messages between agents)."""
    whisper_after: int | None = None
    """A supervisor's whisper (shown to the agent only), placed after the message of this seq."""
    notice: bool = False
    """A line the server wrote for a party about the chat itself, such as a voice call's "Call requested"
    (``client_msg_id`` ``call-...``): shown as a notice in the middle, not as a message bubble."""

    @property
    def mine(self) -> bool:
        return self.sender is Role.AGENT and self.state is not LineState.RECEIVED and not self.whisper

    @property
    def whisper(self) -> bool:
        return self.whisper_after is not None

    @property
    def order(self) -> float:
        """Where the line goes: by seq; a whisper just after the message it followed; pending lines last."""
        if self.seq is not None:
            return float(self.seq)
        return self.whisper_after + 0.5 if self.whisper_after is not None else float(1 << 62)


class Roles:
    LINE = int(Qt.ItemDataRole.UserRole) + 1
    """The whole :class:`ChatLine`."""


END_TEXTS: dict[EndReason, str] = {
    EndReason.REQUESTOR_LEFT: "The requestor left the chat.",
    EndReason.AGENT_ENDED: "You ended the chat.",
    EndReason.AGENT_CLOSED: "You closed the chat.",
    EndReason.TIMEOUT: "The request timed out in the waiting line.",
}


class LineListModel(QAbstractListModel):
    """Lines in seq order (a chat's, or an IM channel's), my pending ones at the end until stored."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[ChatLine] = []
        self._keys = (f"local-{n}" for n in itertools.count(1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._lines)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(line)
        if role == Roles.LINE:
            return line
        return None

    def display(self, line: ChatLine) -> str:
        return line.text if line.file is None else f"{line.file.name} {line.text}".strip()

    @property
    def lines(self) -> list[ChatLine]:
        return list(self._lines)

    def mark_failed(self, key: str, error: str) -> None:
        self._update(key, lambda line: replace(line, state=LineState.FAILED, error=error))

    def _has_seq(self, seq: int) -> bool:
        return any(line.seq == seq for line in self._lines)

    def _insert_by_seq(self, line: ChatLine) -> None:
        assert line.seq is not None or line.whisper
        row = len(self._lines)
        while row > 0 and self._lines[row - 1].order > line.order:
            row -= 1
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.insert(row, line)
        self.endInsertRows()

    def _append_pending(self, make: Callable[[str], ChatLine]) -> str:
        """Show my own line at once as "sending"; returns its key for marking it sent or failed."""
        key = next(self._keys)
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append(make(key))
        self.endInsertRows()
        return key

    def _remove(self, key: str) -> None:
        for row, line in enumerate(self._lines):
            if line.key == key:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._lines[row]
                self.endRemoveRows()
                return

    def _update(self, key: str, change: Callable[[ChatLine], ChatLine]) -> None:
        for row, line in enumerate(self._lines):
            if line.key == key:
                self._lines[row] = change(line)
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)
                return


class ChatModel(LineListModel):
    """One chat: ``info`` and the list of its lines; ``changed`` for everything that is not a row."""

    changed = Signal()

    def __init__(self, info: ChatInfo, waited_s: float = 0.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.waited_s = waited_s
        self.ended: ChatEnded | None = None
        self.peer_typing: str | None = None
        """Name of the requestor while they are typing."""
        self.online = True
        self.memos: list[Memo] = []
        self.transferred_from: str | None = None
        """Who handed this chat over to me (warm handover or cold transfer)."""

    # --- reading -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """The requestor is (still) there: closing the window ends the chat."""
        return self.ended is None

    def first_requestor_text(self) -> str:
        return next((line.text for line in self._lines if line.sender is Role.REQUESTOR), "")

    def agent_spoke(self) -> bool:
        return any(line.sender is Role.AGENT and not line.whisper for line in self._lines)

    def last_seq(self) -> int:
        return max((line.seq for line in self._lines if line.seq is not None), default=0)

    def end_text(self) -> str:
        if self.ended is None:
            return ""
        return self.ended.text or END_TEXTS.get(self.ended.reason, "The chat has ended.")

    # --- updates from the session ------------------------------------------------------------

    def add_message(self, message: ChatMessage) -> None:
        """A message from the server, placed by seq (a replay after a reconnect may fill a gap)."""
        if self._has_seq(message.seq):
            return
        self._insert_by_seq(ChatLine(
            key=f"seq-{message.seq}", sender=message.sender, sender_name=message.sender_name, text=message.text,
            at=message.at, seq=message.seq, file=message.file, notice=is_call_line(message),
        ))
        if message.sender is Role.REQUESTOR and self.peer_typing is not None:
            self.peer_typing = None
            self.changed.emit()

    def add_whisper(self, whisper: Whisper) -> None:
        """A supervisor's whisper: shown to this agent only, after the messages it has so far."""
        key = f"whisper-{whisper.whisper_id}"
        if any(line.key == key for line in self._lines):
            return
        self._insert_by_seq(ChatLine(
            key=key, sender=Role.AGENT, sender_name=whisper.sender_name, text=whisper.text, at=whisper.at,
            whisper_after=self.last_seq(),
        ))

    def add_pending(self, text: str, sender_name: str, file: FileRef | None = None) -> str:
        """The agent's own message, shown at once as "sending"; returns its key for :meth:`mark_sent`."""
        return self._append_pending(lambda key: ChatLine(key=key, sender=Role.AGENT, sender_name=sender_name,
                                                         text=text, at=None, state=LineState.SENDING, file=file))

    def mark_sent(self, key: str, sent: Sent, file: FileRef | None = None) -> None:
        self._update(key, lambda line: replace(line, seq=sent.seq, at=sent.at, state=LineState.SENT,
                                                file=file or line.file))

    def set_info(self, info: ChatInfo, waited_s: float | None = None) -> None:
        self.info = info
        if waited_s is not None:
            self.waited_s = waited_s
        self.changed.emit()

    def set_ended(self, ended: ChatEnded) -> None:
        self.ended = ended
        self.peer_typing = None
        self.changed.emit()

    def set_peer_typing(self, name: str | None) -> None:
        if name != self.peer_typing and self.ended is None:
            self.peer_typing = name
            self.changed.emit()

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.changed.emit()

    def add_memo(self, memo: Memo) -> None:
        self.memos.append(memo)
        self.changed.emit()


def is_call_line(message: ChatMessage) -> bool:
    """A voice call's transcript line ("Call requested", "Call ended after 2:05"), stored by the server as a chat
    message with ``client_msg_id`` ``call-<call_id>-<state>`` (docs/protocol.md, section 19)."""
    return message.file is None and message.client_msg_id is not None and message.client_msg_id.startswith("call-")
