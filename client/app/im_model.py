"""One IM channel's messages as a Qt list model, in seq order, with the delivery state of my own.

My messages show *sending…* until the server stored them (``im_sent``), then *✓ sent*: a message to
an offline colleague is stored and delivered at their next sign-in, so "sent" is all the sender can
know. Lines reuse :class:`ChatLine` (mine on the right, the colleague's on the left).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from onduty.client.app.message_view import body_text
from onduty.client.app.models import ChatLine, LineState, Roles
from onduty.shared.messages import ImMessage, ImSent
from onduty.shared.types import BusinessContext, Role

Index = QModelIndex | QPersistentModelIndex


class ChannelModel(QAbstractListModel):
    def __init__(self, peer: str, peer_name: str, me: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.peer = peer
        self.peer_name = peer_name
        self.me = me
        self.unread = 0
        self._lines: list[ChatLine] = []
        self._keys = (f"local-{n}" for n in itertools.count(1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._lines)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return body_text(line)
        if role == Roles.LINE:
            return line
        return None

    @property
    def lines(self) -> list[ChatLine]:
        return list(self._lines)

    def first_seq(self) -> int:
        return min((ln.seq for ln in self._lines if ln.seq is not None), default=0)

    def add_messages(self, messages: Iterable[ImMessage]) -> None:
        for message in messages:
            self.add_message(message)

    def add_message(self, message: ImMessage) -> bool:
        """Place by seq; False when it is already shown (history and live delivery overlap)."""
        if any(ln.seq == message.seq for ln in self._lines):
            return False
        if message.client_msg_id is not None and self._confirm_pending(message):
            return False
        mine = message.sender == self.me
        line = ChatLine(
            key=f"seq-{message.seq}", sender=Role.AGENT if mine else Role.REQUESTOR, sender_name=message.sender_name,
            text=message.text, at=message.at, seq=message.seq, state=LineState.SENT if mine else LineState.RECEIVED,
            context=message.context,
        )
        row = len(self._lines)
        while row > 0 and (self._lines[row - 1].seq or 1 << 62) > message.seq:
            row -= 1
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.insert(row, line)
        self.endInsertRows()
        return True

    def add_pending(self, text: str, my_name: str, context: BusinessContext | None = None) -> str:
        key = next(self._keys)
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append(ChatLine(key=key, sender=Role.AGENT, sender_name=my_name, text=text, at=None,
                                    state=LineState.SENDING, context=context))
        self.endInsertRows()
        return key

    def mark_sent(self, key: str, sent: ImSent) -> None:
        if any(ln.seq == sent.seq for ln in self._lines):  # already shown from the history meanwhile
            self._remove(key)
            return
        self._update(key, lambda ln: replace(ln, seq=sent.seq, at=sent.at, state=LineState.SENT))

    def mark_failed(self, key: str, error: str) -> None:
        self._update(key, lambda ln: replace(ln, state=LineState.FAILED, error=error))

    def _confirm_pending(self, message: ImMessage) -> bool:
        """History can bring my own message back before ``im_sent``: it is the pending line."""
        for line in self._lines:
            if line.state is LineState.SENDING and line.text == message.text and message.sender == self.me:
                self._update(line.key, lambda ln: replace(ln, seq=message.seq, at=message.at, state=LineState.SENT))
                return True
        return False

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
