"""The Routing port in one process: the pure router, fed in order, and its timer.

Every event goes through :meth:`LocalRouting.submit`; the router's decisions go to the
performer named with :meth:`~LocalRouting.bind`, each performed even if another fails (the
router has changed state by then). The timer is one task that sleeps until the router's next
deadline and submits a :class:`~onduty.server.core.events.Tick` then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from onduty.server.core import Router, RouterConfig
from onduty.server.core import events as ev
from onduty.server.core.decisions import AgentStatusChanged, Decision, Position, QueueStatusChanged
from onduty.server.core.model import ChatView, Discussion
from onduty.server.shell.ports import Perform
from onduty.shared.errors import ProtocolError

Guard = Callable[[], None]
"""Called before every event: raises ProtocolError when this process may not decide now (a
cluster node not sure it still holds the routing lease); None in one process."""

log = logging.getLogger(__name__)


class LocalRouting:
    def __init__(self, config: RouterConfig, clock: Callable[[], float], guard: Guard | None = None) -> None:
        self._router = Router(config)
        self._clock = clock
        self._guard = guard
        self._perform: Perform | None = None
        self._wake = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None
        self._armed: float | None = None
        """The deadline the timer sleeps toward (None: until woken); a later one needs no wake-up."""

    def bind(self, perform: Perform) -> None:
        self._perform = perform

    async def start(self) -> None:
        self._timer = asyncio.get_running_loop().create_task(self._run_timer(), name="router-timer")

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    def submit(self, event: ev.Event) -> None:
        """ProtocolError (a refused event) propagates unchanged; nothing was decided then."""
        if self._guard is not None:
            self._guard()
        for decision in self._router.apply(event):
            self._do(decision)
        deadline = self._router.next_deadline()
        if deadline is not None and (self._armed is None or deadline < self._armed):
            self._wake.set()  # an earlier deadline than the timer sleeps toward (most events add none)

    def _do(self, decision: Decision) -> None:
        if self._perform is None:
            raise RuntimeError("no performer bound to routing")
        try:
            self._perform(decision)
        except Exception:  # our bug: logged with the decision; the others are still performed
            log.exception("performing a routing decision failed", extra={"decision": repr(decision)})

    async def _run_timer(self) -> None:
        while True:
            deadline = self._armed = self._router.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self._clock())
            # asyncio.timeout, not wait_for: no inner task to cancel (and warn about) at shutdown
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            self._wake.clear()
            deadline = self._router.next_deadline()
            if deadline is not None and deadline <= self._clock():
                try:
                    self.submit(ev.Tick(self._clock()))
                except ProtocolError as exc:  # the guard: wait until whoever may decide again wakes us
                    log.warning("deadlines wait: %s", exc.detail)
                    await self._wake.wait()
                except Exception:  # our bug; the timer must outlive it or no line ever drops again
                    log.exception("deadline handling failed")

    # --- queries (the router's, unchanged) ----------------------------------------------------

    def chat(self, chat_id: str) -> ChatView | None:
        return self._router.chat(chat_id)

    def held(self, chat_id: str, username: str) -> ChatView:
        return self._router.held(chat_id, username)

    def check_writable(self, chat_id: str) -> ChatView:
        return self._router.check_writable(chat_id)

    def may_read(self, username: str, chat_id: str, chat_queue: str, shared_with_me: bool = False) -> bool:
        return self._router.may_read(username, chat_id, chat_queue, shared_with_me)

    def waiting(self, chat_id: str) -> Position | None:
        return self._router.waiting(chat_id)

    def agent_status(self, username: str) -> AgentStatusChanged:
        return self._router.agent_status(username)

    def agent_chats(self, username: str) -> tuple[str, ...]:
        return self._router.agent_chats(username)

    def has_queue(self, queue: str) -> bool:
        return self._router.has_queue(queue)

    def queue_status(self, queue: str) -> QueueStatusChanged:
        return self._router.queue_status(queue)

    def queue_estimate(self, queue: str, position: int) -> float | None:
        return self._router.queue_estimate(queue, position)

    def line(self, queue: str) -> list[str]:
        return self._router.line(queue)

    def discussion(self, discussion_id: str) -> Discussion | None:
        return self._router.discussion(discussion_id)

    def discussions_of(self, username: str) -> list[Discussion]:
        return self._router.discussions_of(username)
