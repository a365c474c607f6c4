"""What the session offers the controllers of discussions and colleagues: the client and a task runner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from onduty.client.net import AgentClient

T = TypeVar("T")

OnError = Callable[[BaseException], None]


class Backend(Protocol):
    @property
    def client(self) -> AgentClient: ...

    def run(self, coro: Coroutine[Any, Any, T], on_done: Callable[[T], None] | None = None, what: str = "",
            on_error: OnError | None = None) -> asyncio.Task[T]:
        """Run ``coro`` on the loop; ``on_done`` gets its result; a failure goes to ``on_error`` or a notice."""
        ...
