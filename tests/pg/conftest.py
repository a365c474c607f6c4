"""PostgreSQL-only tests: each gets its own throw-away database (:mod:`tests.pg.databases`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg.databases import temporary_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url
