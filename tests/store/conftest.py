"""Fixtures for the SQLite store tests: a fresh, opened store per test on tmp_path."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Callable

import pytest

from onduty.server.store.records import ChatRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import ChatState, RequestType


@pytest.fixture
def db_path(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "onduty.db"


@pytest.fixture
async def store(db_path: pathlib.Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(db_path)
    await s.open()
    yield s
    await s.close()


def _make_chat(chat_id: str, queue: str = "q1", requested_at: float = 100.0, **kw: object) -> ChatRecord:
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


@pytest.fixture
def make_chat() -> MakeChat:
    """Builds a waiting ChatRecord: ``make_chat(chat_id, queue="q1", requested_at=100.0, **overrides)``."""
    return _make_chat


@pytest.fixture
async def with_queue(store: SqliteStore) -> SqliteStore:
    """The store with queue ``q1`` and one waiting chat ``c1``."""
    await store.add_queue(QueueRecord(name="q1", title="Queue one"))
    await store.create_chat(_make_chat("c1"))
    return store
