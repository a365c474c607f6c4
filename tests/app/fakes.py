"""A stand-in for the session's task runner and client: records each request instead of sending it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onduty.shared.types import AgentProfile, Colleague

from .factories import PROFILE


async def _nothing() -> None:
    return None


class FakeClient:
    def __init__(self, username: str, calls: list[tuple[Any, ...]]) -> None:
        self.username = username
        self.profile = AgentProfile(username=username, display_name=username.title() + " Agent", region="EMEA",
                                    lob="CIM", queues=list(PROFILE.queues), capacity=1)
        self.contacts: dict[str, Colleague] = {}
        self._calls = calls

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def request(*args: Any, **kwargs: Any) -> Any:
            self._calls.append((name, args, kwargs) if kwargs else (name, args))
            return _nothing()
        return request


QUEUE_TITLES = {"cim-emea": "CIM EMEA", "cic": "CIC"}


class FakeBackend:
    """``run`` drops the coroutine (nothing is sent) and keeps what was asked in ``calls``."""

    def __init__(self, username: str = "ann") -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.client = FakeClient(username, self.calls)
        self.done: list[Callable[[Any], None]] = []

    def queue_title(self, queue: str) -> str:
        return QUEUE_TITLES.get(queue, queue)

    def run(self, coro: Any, on_done: Callable[[Any], None] | None = None, what: str = "",
            on_error: Callable[[BaseException], None] | None = None) -> None:
        coro.close()
        if on_done is not None:
            self.done.append(on_done)
