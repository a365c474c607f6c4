"""Requests written and not yet answered, matched by their request id (protocol 2), without I/O.

Rules:

- Every frame the library writes gets a fresh ``req`` from :meth:`PendingRequests.stamp`: a counter
  per client, so an id is never reused during the client's life (not even across reconnects).
- A request that has a reply (``shared.messages.REPLIES``) is registered with :meth:`expect` before
  it is written. The server copies its ``req`` into exactly one frame, the reply or an ``error``;
  :meth:`answer` and :meth:`refuse` resolve that waiter and no other. Nothing is matched by type,
  content or arrival order.
- A frame whose ``req`` names no waiter resolves nothing (the caller stopped waiting, or it answers a
  request that has no waiter: ``ack``, ``typing``, a ``send``...).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from dataclasses import dataclass
from typing import TypeVar

from onduty.shared.messages import Message

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)


@dataclass(eq=False)
class Waiter:
    """One written request waiting for the frame that carries its ``req``."""

    request: Message
    reply: type[Message]
    future: asyncio.Future[Message]

    @property
    def req(self) -> str:
        assert self.request.req is not None
        return self.request.req


class PendingRequests:
    """Request ids and the waiters of the requests that expect a reply; see the module docstring."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._waiting: dict[str, Waiter] = {}

    def stamp(self, message: M) -> M:
        """``message`` with a fresh ``req``."""
        return dataclasses.replace(message, req=str(next(self._ids)))

    def expect(self, request: Message, reply: type[Message]) -> Waiter:
        """Register ``request`` (already stamped) as waiting for a ``reply`` carrying its ``req``."""
        if request.req is None:
            raise ValueError(f"{request.TYPE} has no req: stamp it first")
        waiter = Waiter(request, reply, asyncio.get_running_loop().create_future())
        self._waiting[waiter.req] = waiter
        return waiter

    def discard(self, waiter: Waiter) -> None:
        """The caller stopped waiting (answered, timed out, cancelled)."""
        if self._waiting.get(waiter.req) is waiter:
            del self._waiting[waiter.req]

    def answer(self, message: Message) -> bool:
        """Resolve the waiter ``message`` answers (by its ``req``); True if there was one."""
        waiter = self._waiting.get(message.req) if message.req is not None else None
        if waiter is None:
            return False
        if not isinstance(message, waiter.reply):
            log.warning("req %s: %s answers %s, expected %s", message.req, message.TYPE, waiter.request.TYPE,
                        waiter.reply.TYPE)
            return False
        del self._waiting[waiter.req]
        if not waiter.future.done():
            waiter.future.set_result(message)
        return True

    def refuse(self, req: str | None, failure: Exception) -> bool:
        """Fail the waiter of request ``req`` (an ``error`` named it); True if there was one."""
        waiter = self._waiting.pop(req, None) if req is not None else None
        if waiter is None:
            return False
        if not waiter.future.done():
            waiter.future.set_exception(failure)
        return True

    def fail_all(self, failure: Exception) -> None:
        """The session is gone: no waiter will get its answer."""
        waiting, self._waiting = self._waiting, {}
        for waiter in waiting.values():
            if not waiter.future.done():
                waiter.future.set_exception(failure)
