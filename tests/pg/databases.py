"""Throw-away PostgreSQL databases for tests: ``onduty_test_<random>``, created empty and dropped after.

The server is ``ONDUTY_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``, this
machine's cluster, which ``scripts/test`` starts when it is not running). A test that needs it fails
with a clear message when it cannot be reached; it is never skipped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

SERVER = os.environ.get("ONDUTY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432").rstrip("/")


def admin() -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the server's maintenance database, for CREATE / DROP DATABASE."""
    try:
        return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {SERVER} cannot be reached ({str(exc).strip()}); start it "
                    "(scripts/test does: pg_ctlcluster ... main start) or set ONDUTY_TEST_POSTGRES", pytrace=False)


def url(name: str) -> str:
    return f"{SERVER}/{name}"


@contextmanager
def temporary_database() -> Iterator[str]:
    """The URL of a new, empty database, dropped (with its connections) afterwards."""
    name = f"onduty_test_{secrets.token_hex(6)}"
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url(name)
    finally:
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
