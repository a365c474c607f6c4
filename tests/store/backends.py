"""What the conformance suite runs on: the implementations (:data:`BACKENDS`) and a chat builder."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from onduty.server.config import ServerConfig
from onduty.server.store import Store, open_store
from onduty.server.store.records import ChatRecord
from onduty.server.store.url import sqlite_url
from onduty.shared.types import ChatState, RequestType
from tests.pg.databases import temporary_database


@contextmanager
def _sqlite(tmp: pathlib.Path) -> Iterator[str]:
    yield sqlite_url(tmp / "onduty.db")


BACKENDS: dict[str, Callable[[pathlib.Path], AbstractContextManager[str]]] = {
    "sqlite": _sqlite,
    "postgresql": lambda tmp: temporary_database(),
}
"""Implementation name -> the URL of an empty database for one test (given that test's tmp_path),
for as long as the context lasts (a PostgreSQL database is dropped afterwards)."""


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
