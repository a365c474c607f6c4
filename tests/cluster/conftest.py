"""Cluster tests: each gets its own Redis database number and its own PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.nodes import Node, seed, start_node
from tests.cluster.redisdb import temporary_redis_db
from tests.pg.databases import temporary_database


@pytest.fixture
def redis_url() -> Iterator[str]:
    with temporary_redis_db() as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url


@pytest.fixture
def cluster(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    """Node ``a``, the routing owner, and node ``b``, a gateway, with the queue and agents of ``seed``."""
    asyncio.run(seed(pg_url))
    a = start_node("a", pg_url, redis_url, tmp_path)
    b: Node | None = None
    try:
        asyncio.run(a.until_role("owner"))
        b = start_node("b", pg_url, redis_url, tmp_path)
        asyncio.run(b.until_role("gateway"))
        yield a, b
    finally:
        a.stop()
        if b is not None:
            b.stop()
