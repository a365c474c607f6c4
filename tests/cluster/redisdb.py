"""Throw-away Redis databases for tests: a free database number on ``ONDUTY_TEST_REDIS`` (default this
machine's Redis on 127.0.0.1:6379, which ``scripts/test`` starts when it is not running), claimed with a
key, flushed after. A test that needs Redis fails with a clear message when it cannot be reached."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from redis.exceptions import RedisError

SERVER = os.environ.get("ONDUTY_TEST_REDIS", "redis://127.0.0.1:6379").rstrip("/")
_CLAIM = "onduty-test:claimed"


@contextmanager
def temporary_redis_db() -> Iterator[str]:
    """The URL of an empty Redis database number nobody else is using, flushed afterwards."""
    token = secrets.token_hex(8)
    for db in range(1, 16):
        client = redis.Redis.from_url(f"{SERVER}/{db}", socket_connect_timeout=5)
        try:
            if client.dbsize() == 0 and client.set(_CLAIM, token, nx=True, ex=3600):
                break
        except RedisError as exc:
            client.close()
            pytest.fail(f"Redis at {SERVER} cannot be reached ({exc}); start it (scripts/test does:"
                        " redis-server --daemonize yes) or set ONDUTY_TEST_REDIS", pytrace=False)
        client.close()
    else:
        pytest.fail(f"no free database number on Redis at {SERVER} (1-15 all hold data)", pytrace=False)
    try:
        yield f"{SERVER}/{db}"
    finally:
        client.flushdb()
        client.close()
