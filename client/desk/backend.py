"""What the windows are given to reach the server: a client and a task runner, never a loop to await on.

:class:`Backend` is what the session offers the controllers of discussions and colleagues;
:class:`CaseBackend` is what the case views get from the cases service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from onduty.client.net import AgentClient
from onduty.client.net.cases import CasesClient

T = TypeVar("T")

OnError = Callable[[BaseException], None]


class Backend(Protocol):
    @property
    def client(self) -> AgentClient: ...

    def run(self, coro: Coroutine[Any, Any, T], on_done: Callable[[T], None] | None = None, what: str = "",
            on_error: OnError | None = None) -> asyncio.Task[T]:
        """Run ``coro`` on the loop; ``on_done`` gets its result; a failure goes to ``on_error`` or a notice."""
        ...

    def queue_title(self, queue: str) -> str:
        """The queue's title ("CIM EMEA"), or its name while the title is not known."""
        ...


class CaseBackend(Protocol):
    """What the case views need: the client, who I am, and a way to run a request without awaiting it."""

    @property
    def cases(self) -> CasesClient: ...
    @property
    def me(self) -> str: ...
    def queue_title(self, queue: str) -> str:
        """The queue's title ("CIM EMEA"), or its name while the title is not known."""
        ...
    def run(self, coro: Coroutine[Any, Any, T], on_done: Callable[[T], None],
            on_error: Callable[[str], None]) -> None: ...
