"""Server processes for the benchmark: one ``onduty-server run``, or the nodes of a cluster on a shared
PostgreSQL database and a Redis database number (``run --cluster``), each on its own loopback port.

A :class:`Node` keeps its command line so that it can be killed (``kill -9``) and started again on the
same port, as a service manager does; :func:`redis_db` claims a free Redis database number for a run and
flushes it after.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class TargetError(RuntimeError):
    """A server did not start or a setup command failed."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Node:
    """One server process on ``port``; its output goes to ``log`` (appended across restarts)."""

    name: str
    port: int
    argv: Sequence[str]
    env: Mapping[str, str]
    log: Path
    process: subprocess.Popen[bytes] = field(init=False)
    starts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(list(self.argv), cwd=ROOT, env=dict(self.env), stdout=out,
                                            stderr=subprocess.STDOUT)
        self.starts += 1

    def alive(self) -> bool:
        return self.process.poll() is None

    def health(self) -> dict[str, Any] | None:
        """``/healthz`` (None while the node does not answer)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                return dict(json.loads(answer.read()))
        except (OSError, ValueError):
            return None

    def role(self) -> str | None:
        """``owner`` or ``gateway`` for a cluster node; None while it does not answer."""
        health = self.health()
        return str(health.get("role")) if health is not None and "role" in health else None

    def until_healthy(self, role: str | None = None, within: float = 60.0) -> None:
        """Wait until ``/healthz`` answers (with ``role``, when given)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not self.alive():
                raise TargetError(f"{self.name} exited with {self.process.returncode}: {self.tail()}")
            health = self.health()
            if health is not None and (role is None or health.get("role") == role):
                return
            time.sleep(0.05)  # a runner, not a test: polling a child process until it listens
        raise TargetError(f"{self.name} not {role or 'healthy'} after {within:.0f} s: {self.tail()}")

    def kill(self) -> None:
        """``kill -9``: no shutdown, no lease released, connections cut."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGINT first (aiohttp shuts down cleanly and a profiler writes its file), then kill."""
        if self.alive():
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, size: int = 2000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""


@contextlib.contextmanager
def redis_db(server: str) -> Iterator[str]:
    """The URL of an empty Redis database number on ``server`` claimed for one run, flushed afterwards."""
    import redis  # only the cluster targets need the driver (the ``cluster`` extra)
    from redis.exceptions import RedisError

    token = secrets.token_hex(8)
    server = server.rstrip("/")
    try:
        for db in range(1, 16):
            with redis.Redis.from_url(f"{server}/{db}", socket_connect_timeout=5) as client:
                # the key the cluster tests claim with too, so that a test and a run never share a number
                if client.dbsize() == 0 and client.set("onduty-test:claimed", token, nx=True, ex=3600):
                    break
        else:
            raise TargetError(f"no free database number on Redis at {server} (1-15 all hold data)")
    except RedisError as exc:
        raise TargetError(f"Redis at {server}: {exc}") from exc
    try:
        yield f"{server}/{db}"
    finally:
        with redis.Redis.from_url(f"{server}/{db}", socket_connect_timeout=5) as client:
            client.flushdb()


@contextlib.contextmanager
def postgres_db(server: str, name: str) -> Iterator[str]:
    """The URL of a new database ``name`` on ``server``, dropped (with its connections) afterwards."""
    statement(server, f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rstrip('/')}/{name}"
    finally:
        statement(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def statement(server: str, sql: str) -> None:
    """Run one statement on the ``postgres`` database of ``server`` (psycopg, the ``postgres`` extra)."""
    import psycopg  # only the PostgreSQL targets need the driver

    try:
        with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type,unused-ignore]  # psycopg wants a LiteralString; a name made here, not input
    except psycopg.Error as exc:
        raise TargetError(f"PostgreSQL at {server}: {exc}") from exc
