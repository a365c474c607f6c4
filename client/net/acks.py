"""Acks written once per loop turn: the last seq of each chat, not one frame per message.

An ``ack`` says "I have everything up to seq" (docs/protocol.md, section 5), so when several messages
of a chat are handled in one turn of the event loop (a burst read from one socket buffer, a replay),
acking the last covers them all. :class:`AckBatch` keeps the highest seq per chat and writes the acks
when the turn ends (``call_soon``): the server then decodes and records one ack where it would have
had one per message. The web widget does the same with a short timer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

WriteAck = Callable[[str, int], Awaitable[None]]
"""Writes ``ack{chat_id, seq}``."""


class AckBatch:
    """Collects acks during a loop turn and writes the highest seq of each chat at its end."""

    def __init__(self, write: WriteAck) -> None:
        self._write = write
        self._due: dict[str, int] = {}
        self._flush: asyncio.Handle | None = None
        self._writing: set[asyncio.Task[None]] = set()

    def add(self, chat_id: str, seq: int) -> None:
        """``seq`` of ``chat_id`` was handled: ack it (or a later seq of the chat) when this turn ends."""
        if seq > self._due.get(chat_id, -1):
            self._due[chat_id] = seq
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_soon(self._write_due)

    def _write_due(self) -> None:
        self._flush = None
        due, self._due = self._due, {}
        for chat_id, seq in due.items():
            task = asyncio.ensure_future(self._write(chat_id, seq))
            self._writing.add(task)
            task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[None]) -> None:
        self._writing.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("writing an ack failed: %s", exc)
