"""The client half of the delivery promise, without I/O.

Per chat the ledger keeps the cursor (last ``seq`` received as a ``message`` frame), so that a
resume asks only for what was missed and a replayed message is recognised and dropped. Own
sends stay in ``pending`` until the server's ``sent`` stores them; after a reconnect they are
written again with the same ``client_msg_id`` (the server answers with the same seq, never a
duplicate); an ``error`` names a refused one by that ``client_msg_id`` (the ``req`` of each write
differs). Own messages that come back in a resume replay are recognised by client_msg_id or
by the seq ``sent`` gave them.

Instant messages between agents get the same promise from :class:`ImLedger`: unconfirmed
``im_send``s are written again after a reconnect with their ``client_msg_id``; received ones are
acknowledged (``im_ack``) and a repeat is dropped.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from onduty.shared.messages import ChatMessage, ImMessage, ImSend, ImSent, Send, Sent
from onduty.shared.types import BusinessContext


class Verdict(Enum):
    NEW = "new"
    """Not seen before: hand it to the application, then ack."""
    OWN = "own"
    """Our own message coming back in a replay: advance the cursor, do not show it again."""
    DUPLICATE = "duplicate"
    """At or below the cursor: already handed over."""


@dataclass(eq=False)
class PendingSend:
    """A ``send`` not yet confirmed by ``sent``; ``session`` is the session it was last written on."""

    message: Send
    future: asyncio.Future[Sent]
    session: int = 0


@dataclass
class ChatLedger:
    cursors: dict[str, int] = field(default_factory=dict)
    pending: dict[str, PendingSend] = field(default_factory=dict)
    """Unconfirmed sends by client_msg_id, in the order they were made."""
    own_ids: dict[str, set[str]] = field(default_factory=dict)
    own_seqs: dict[str, set[int]] = field(default_factory=dict)

    @staticmethod
    def new_client_msg_id() -> str:
        return uuid.uuid4().hex

    def add_send(self, chat_id: str, text: str) -> PendingSend:
        cmid = self.new_client_msg_id()
        self.note_own(chat_id, cmid)
        entry = PendingSend(Send(chat_id=chat_id, client_msg_id=cmid, text=text),
                            asyncio.get_running_loop().create_future())
        self.pending[cmid] = entry
        return entry

    def note_own(self, chat_id: str, client_msg_id: str) -> None:
        self.own_ids.setdefault(chat_id, set()).add(client_msg_id)

    def note_own_seq(self, chat_id: str, seq: int) -> None:
        """A message stored for us outside ``send`` (e.g. a file upload): skip it in replays."""
        self.own_seqs.setdefault(chat_id, set()).add(seq)

    def unwritten(self, session: int) -> list[PendingSend]:
        """Pending sends not yet written on ``session``, oldest first."""
        return [p for p in self.pending.values() if p.session != session]

    def confirm(self, sent: Sent) -> PendingSend | None:
        self.own_seqs.setdefault(sent.chat_id, set()).add(sent.seq)
        return self.pending.pop(sent.client_msg_id, None)

    def refuse(self, client_msg_id: str) -> PendingSend | None:
        """An ``error`` named this send's ``client_msg_id``: it is not kept (nor resent) any more."""
        return self.pending.pop(client_msg_id, None)

    def accept(self, message: ChatMessage) -> Verdict:
        """Classify a received message and advance the chat's cursor."""
        last = self.cursors.get(message.chat_id, 0)
        if message.seq <= last:
            return Verdict.DUPLICATE
        self.cursors[message.chat_id] = message.seq
        own_ids = self.own_ids.get(message.chat_id, set())
        if message.client_msg_id in own_ids or message.seq in self.own_seqs.get(message.chat_id, set()):
            return Verdict.OWN
        return Verdict.NEW

    def cursors_for(self, chat_ids: Iterable[str]) -> dict[str, int]:
        """Cursors to resume ``chat_ids`` with; chats without a message yet resume from 0 (everything)."""
        return {cid: self.cursors.get(cid, 0) for cid in chat_ids}

    def forget(self, chat_id: str) -> None:
        """The chat is closed: drop its cursor and own seqs (pending sends fail on their own)."""
        self.cursors.pop(chat_id, None)
        self.own_seqs.pop(chat_id, None)
        self.own_ids.pop(chat_id, None)


@dataclass(eq=False)
class PendingIm:
    """An ``im_send`` not yet confirmed by ``im_sent``; ``session`` as for :class:`PendingSend`."""

    message: ImSend
    future: asyncio.Future[ImSent]
    session: int = 0


@dataclass
class ImLedger:
    """The delivery promise for instant messages, per peer (the channel's seq counts both directions).

    ``cursors`` is the last seq received from each peer as an ``im_message``: anything at or below it
    is a repeat (a delivery at sign-in of something already acknowledged live) and is dropped.
    """

    cursors: dict[str, int] = field(default_factory=dict)
    pending: dict[str, PendingIm] = field(default_factory=dict)

    def add_send(self, peer: str, text: str, context: BusinessContext | None) -> PendingIm:
        cmid = ChatLedger.new_client_msg_id()
        entry = PendingIm(ImSend(peer=peer, client_msg_id=cmid, text=text, context=context),
                          asyncio.get_running_loop().create_future())
        self.pending[cmid] = entry
        return entry

    def unwritten(self, session: int) -> list[PendingIm]:
        return [p for p in self.pending.values() if p.session != session]

    def confirm(self, sent: ImSent) -> PendingIm | None:
        return self.pending.pop(sent.client_msg_id, None)

    def refuse(self, client_msg_id: str) -> PendingIm | None:
        """An ``error`` named this ``im_send``'s ``client_msg_id``: it is not kept (nor resent) any more."""
        return self.pending.pop(client_msg_id, None)

    def accept(self, message: ImMessage) -> bool:
        """True when ``message`` is new (hand it over, then ack); False for a repeat."""
        if message.seq <= self.cursors.get(message.peer, 0):
            return False
        self.cursors[message.peer] = message.seq
        return True
