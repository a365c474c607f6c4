"""The store conformance suite's fixtures: every test here runs against every implementation.

``backend`` is parametrized over :data:`BACKENDS`, each a way to get a store URL for a fresh,
empty database of this test; stores are built through :func:`open_store`, exactly as the server
builds them, and typed as the :class:`Store` protocol, so a test can use nothing else. A second
implementation joins by adding an entry (PostgreSQL: a throw-away database, :mod:`tests.pg.databases`).
Tests of one implementation's internals live in ``test_sqlite_*.py`` and use ``db_path``.
"""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Iterator

import pytest

from onduty.server.config import ServerConfig
from onduty.server.store import Store
from onduty.server.store.records import QueueRecord
from tests.store.backends import BACKENDS, Backend, MakeChat
from tests.store.backends import make_chat as _make_chat


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Backend]:
    name: str = request.param
    with BACKENDS[name](tmp_path) as url:
        yield Backend(name, url, ServerConfig(data_dir=tmp_path))


@pytest.fixture
def db_path(tmp_path: pathlib.Path) -> pathlib.Path:
    """The SQLite file, for the sqlite-only tests."""
    return tmp_path / "onduty.db"


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    s = backend.make()
    await s.open()
    yield s
    await s.close()


@pytest.fixture
def make_chat() -> MakeChat:
    """Builds a waiting ChatRecord: ``make_chat(chat_id, queue="q1", requested_at=100.0, **overrides)``."""
    return _make_chat


@pytest.fixture
async def with_queue(store: Store) -> Store:
    """The store with queue ``q1`` and one waiting chat ``c1``."""
    await store.add_queue(QueueRecord(name="q1", title="Queue one"))
    await store.create_chat(_make_chat("c1"))
    return store
