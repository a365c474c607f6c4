"""PostgreSQL unreachable at start, lost while running (a proxy that cuts connections), newer than the code."""

from __future__ import annotations

import asyncio
import io
import socket
import urllib.parse
from collections.abc import AsyncIterator

import psycopg
import pytest

from onduty.server.cli import main
from onduty.server.store import StoreError, StoreUnavailable
from onduty.server.store.pg import PostgresStore
from onduty.server.store.pg_schema import SCHEMA_VERSION
from onduty.server.store.records import QueueRecord
from onduty.shared.types import Role
from tests.pg.proxy import Proxy
from tests.store.backends import make_chat


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def proxy(pg_url: str) -> AsyncIterator[Proxy]:
    target = urllib.parse.urlsplit(pg_url)
    p = Proxy(target.hostname or "127.0.0.1", target.port or 5432)
    await p.start()
    yield p
    await p.close()


def _via(pg_url: str, proxy: Proxy) -> str:
    parts = urllib.parse.urlsplit(pg_url)
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))


async def test_unreachable_at_start_is_a_clear_error() -> None:
    store = PostgresStore(f"postgresql://postgres@127.0.0.1:{_closed_port()}/onduty")
    with pytest.raises(StoreUnavailable, match=r"cannot connect to PostgreSQL postgres@127\.0\.0\.1:\d+/onduty"):
        await store.open()


@pytest.mark.parametrize("command", [["queue", "list"], ["run"]])
def test_unreachable_at_start_exits_non_zero_with_one_line(command: list[str], tmp_path: object,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setattr("onduty.server.cli.configure_logging", lambda level: None)  # keeps pytest's handlers
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/onduty"
    assert main(["--data", str(tmp_path), "--store", url, *command]) == 2
    err = capsys.readouterr().err
    assert err.startswith("onduty-server: cannot connect to PostgreSQL postgres@127.0.0.1:") and err.count("\n") == 1


async def test_a_database_newer_than_the_code_is_refused(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    await store.open()
    await store.close()
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        await conn.execute("INSERT INTO onduty_schema (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1} is newer than this release"):
        await PostgresStore(pg_url).open()


async def test_lost_while_running_fails_writes_then_recovers_by_itself(pg_url: str, proxy: Proxy) -> None:
    store = PostgresStore(_via(pg_url, proxy), reconnect_s=(0.05, 0.1))
    await store.open()
    try:
        await store.add_queue(QueueRecord("q1"))
        await store.create_chat(make_chat("c1"))
        acknowledged = [await store.append_message("c1", Role.REQUESTOR, "R", "before", 1.0, "m1")]

        proxy.cut()
        with pytest.raises(StoreUnavailable):
            await store.append_message("c1", Role.REQUESTOR, "R", "during", 2.0, "m2")
        assert not store.healthy
        with pytest.raises(StoreUnavailable):  # while it is down: at once, not after a timeout
            await asyncio.wait_for(store.append_message("c1", Role.REQUESTOR, "R", "during", 2.0, "m2"), 2.0)

        proxy.restore()
        for _ in range(100):  # the writer reconnects after its pause, without a write to push it
            if store.healthy:
                break
            await asyncio.sleep(0.02)
        assert store.healthy
        acknowledged.append(await store.append_message("c1", Role.REQUESTOR, "R", "during", 2.0, "m2"))
        acknowledged.append(await store.append_message("c1", Role.REQUESTOR, "R", "after", 3.0, "m3"))
        stored = await store.messages_after("c1", 0)  # reads recover too (the pool's connections were cut)
    finally:
        await store.close()
    assert [m for m, _ in acknowledged] == stored
    assert [m.seq for m in stored] == [1, 2, 3]
