"""Server nodes as real processes for cluster tests: ``onduty-server run --cluster`` on a shared
PostgreSQL database and a Redis database number, each on its own loopback port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from onduty.server.auth import Passwords
from onduty.server.store.pg import PostgresStore
from onduty.server.store.records import AgentRecord, QueueRecord

PASSWORD = "correct horse battery"
LEASE_S = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed(pg_url: str) -> None:
    """Queue cim-emea; agents ann and bob in it."""
    store = PostgresStore(pg_url)
    await store.open()
    try:
        pw = Passwords(1, 64).hash(PASSWORD)
        await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
        await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",), pw))
        await store.add_agent(AgentRecord("bob", "Bob Agent", "EMEA", "CIM", ("cim-emea",), pw))
    finally:
        await store.close()


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    exit_code: int | None = field(default=None)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def health(self) -> dict[str, Any] | None:
        try:
            async with aiohttp.ClientSession() as http, http.get(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                return dict(await r.json())
        except (aiohttp.ClientError, TimeoutError, OSError):
            return None

    async def ready(self) -> int | None:
        try:
            async with aiohttp.ClientSession() as http, http.get(
                    f"http://127.0.0.1:{self.port}/readyz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            return None

    async def until_role(self, role: str, within: float = 30.0) -> dict[str, Any]:
        """Poll ``/healthz`` (the process is outside this event loop) until the node has ``role``."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"node {self.name} exited with {self.process.returncode}:\n{self.output()}")
            health = await self.health()
            if health is not None and health.get("role") == role:
                return health
            await asyncio.sleep(0.05)
        raise AssertionError(f"node {self.name} is not {role} after {within} s:\n{self.output()}")

    async def exited(self, within: float = 30.0) -> int:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if (code := self.process.poll()) is not None:
                return code
            await asyncio.sleep(0.05)
        raise AssertionError(f"node {self.name} still runs after {within} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_node(name: str, pg_url: str, redis_url: str, tmp: Path, lease_s: float = LEASE_S,
               port: int | None = None) -> Node:
    port = port or free_port()
    data = tmp / name
    data.mkdir(parents=True, exist_ok=True)
    log = tmp / f"{name}-{port}-{time.monotonic_ns()}.log"
    env = {**os.environ, "ONDUTY_ARGON2_TIME_COST": "1", "ONDUTY_ARGON2_MEMORY_KIB": "64",
           "ONDUTY_LEASE_S": str(lease_s)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "onduty.server.cli", "--data", str(data), "--store", pg_url, "run",
             "--cluster", redis_url, "--node-id", name, "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    return Node(name, port, process, log)
