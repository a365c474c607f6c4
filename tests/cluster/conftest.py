"""Cluster tests: each gets its own Redis database number and its own PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
