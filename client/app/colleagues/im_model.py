"""One IM channel's messages as a Qt list model, in seq order, with the delivery state of my own.

My messages show *sending…* until the server stored them (``im_sent``), then *✓ sent*: a message to
an offline colleague is stored and delivered at their next sign-in, so "sent" is all the sender can
know. Lines reuse :class:`ChatLine` (mine on the right, the colleague's on the left).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from onduty.client.app.chat.message_view import body_text
from onduty.client.app.chat.models import ChatLine, LineListModel, LineState
from onduty.client.app.qt.core import QModelIndex, QObject, QPersistentModelIndex
from onduty.shared.messages import ImMessage, ImSent
from onduty.shared.types import BusinessContext, Role

Index = QModelIndex | QPersistentModelIndex


class ChannelModel(LineListModel):
    def __init__(self, peer: str, peer_name: str, me: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.peer = peer
        self.peer_name = peer_name
        self.me = me
        self.unread = 0

    def display(self, line: ChatLine) -> str:
        return body_text(line)

    def first_seq(self) -> int:
        return min((ln.seq for ln in self._lines if ln.seq is not None), default=0)

    def add_messages(self, messages: Iterable[ImMessage]) -> None:
        for message in messages:
            self.add_message(message)

    def add_message(self, message: ImMessage) -> bool:
        """Place by seq; False when it is already shown (history and live delivery overlap)."""
        if self._has_seq(message.seq):
            return False
        if message.client_msg_id is not None and self._confirm_pending(message):
            return False
        mine = message.sender == self.me
        self._insert_by_seq(ChatLine(
            key=f"seq-{message.seq}", sender=Role.AGENT if mine else Role.REQUESTOR, sender_name=message.sender_name,
            text=message.text, at=message.at, seq=message.seq, state=LineState.SENT if mine else LineState.RECEIVED,
            context=message.context,
        ))
        return True

    def add_pending(self, text: str, my_name: str, context: BusinessContext | None = None) -> str:
        return self._append_pending(lambda key: ChatLine(key=key, sender=Role.AGENT, sender_name=my_name, text=text,
                                                         at=None, state=LineState.SENDING, context=context))

    def mark_sent(self, key: str, sent: ImSent) -> None:
        if self._has_seq(sent.seq):  # already shown from the history meanwhile
            self._remove(key)
            return
        self._update(key, lambda ln: replace(ln, seq=sent.seq, at=sent.at, state=LineState.SENT))

    def _confirm_pending(self, message: ImMessage) -> bool:
        """History can bring my own message back before ``im_sent``: it is the pending line."""
        for line in self._lines:
            if line.state is LineState.SENDING and line.text == message.text and message.sender == self.me:
                self._update(line.key, lambda ln: replace(ln, seq=message.seq, at=message.at, state=LineState.SENT))
                return True
        return False
