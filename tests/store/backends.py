"""What the conformance suite runs on: the implementations (:data:`BACKENDS`) and a chat builder."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass

from onduty.server.config import ServerConfig
from onduty.server.store import Store, open_store
from onduty.server.store.records import ChatRecord
from onduty.server.store.url import sqlite_url
from onduty.shared.types import ChatState, RequestType

BACKENDS: dict[str, Callable[[pathlib.Path], str]] = {
    "sqlite": lambda tmp: sqlite_url(tmp / "onduty.db"),
}
"""Implementation name -> the URL of an empty database for one test (given that test's tmp_path)."""


@dataclass(frozen=True, slots=True)
class Backend:
    """One implementation, pointed at this test's database."""

    name: str
    url: str
    config: ServerConfig

    def make(self) -> Store:
        """A new, unopened store on this test's database: the same data every call (a restart)."""
        return open_store(self.url, self.config)


def make_chat(chat_id: str, queue: str = "q1", requested_at: float = 100.0, **kw: object) -> ChatRecord:
    """A waiting chat with the given overrides."""
    base: dict[str, object] = {
        "chat_id": chat_id,
        "queue": queue,
        "state": ChatState.WAITING,
        "requestor_name": f"Requestor {chat_id}",
        "request_type": RequestType.INFORMATIONAL,
        "requested_at": requested_at,
        "resume_token_hash": f"rt-{chat_id}",
    }
    base.update(kw)
    return ChatRecord(**base)  # type: ignore[arg-type]


MakeChat = Callable[..., ChatRecord]
