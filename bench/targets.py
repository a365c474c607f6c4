"""The servers a benchmark runs against, each started as its own process on a free port.

``onduty``: ``onduty-server run`` on a fresh temporary data folder, set up with ``onduty-server queue add``
and ``loadgen-setup`` (agents hashed with cheap argon2 settings so that a thousand logins measure routing,
not password hashing). ``onduty-pg``: the same on the PostgreSQL store, in a database made for the run on
``ONDUTY_BENCH_POSTGRES`` (default this machine's, 127.0.0.1:5432) and dropped after it. ``relay`` and
``socketio``: the bare baselines in this folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("onduty", "onduty-pg", "relay", "socketio")
PROTOCOL = {"onduty": "onduty", "onduty-pg": "onduty", "relay": "relay", "socketio": "socketio"}
"""What the load generator speaks to each target (``--target``)."""
POSTGRES = os.environ.get("ONDUTY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
"""The PostgreSQL server ``onduty-pg`` makes its throw-away database on (trust or a password in the URL)."""
CHEAP_ARGON2 = {"ONDUTY_ARGON2_TIME_COST": "1", "ONDUTY_ARGON2_MEMORY_KIB": "1024"}


class TargetError(RuntimeError):
    """A server did not start or a setup command failed."""


@dataclass(frozen=True)
class Setup:
    """What a scenario needs from the server."""

    agents: int = 0
    max_wait_s: float = 120.0
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra ``ONDUTY_*`` settings for the OnDuty server."""


@dataclass
class Running:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else name


def _run(argv: Sequence[str], env: Mapping[str, str]) -> None:
    result = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TargetError(f"{' '.join(argv)}: {result.stderr.strip() or result.stdout.strip()}")


def _postgres(statement: str) -> None:
    """Run one statement on the ``postgres`` database of :data:`POSTGRES` (psycopg, the ``postgres`` extra)."""
    import psycopg  # only the onduty-pg target needs the driver

    try:
        with psycopg.connect(f"{POSTGRES.rstrip('/')}/postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement)  # type: ignore[arg-type]  # a name made here, not input
    except psycopg.Error as exc:
        raise TargetError(f"PostgreSQL at {POSTGRES}: {exc}") from exc


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TargetError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
        with (contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
              urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer):
            if answer.status == 200:
                return
        time.sleep(0.1)  # a runner, not a test: polling a child process until it listens
    raise TargetError(f"server not healthy after {limit:.0f} s: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT first (aiohttp shuts down cleanly and a profiler writes its file), then kill."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _onduty_argv(data: Path, port: int, profile: Path | None) -> list[str]:
    run = ["--data", str(data), "run", "--port", str(port), "--log-level", "WARNING"]
    if profile is not None:
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "onduty.server.cli", *run]
    return [_bin("onduty-server"), *run]


@contextlib.contextmanager
def started(name: str, setup: Setup, workdir: Path, profile: Path | None = None) -> Iterator[Running]:
    """Start target ``name`` for one scenario; stop it (and delete its data) afterwards."""
    port = free_port()
    log = workdir / f"{name}-{port}.log"
    data = Path(tempfile.mkdtemp(prefix="onduty-bench-", dir=workdir))
    env = {**os.environ}
    database = f"onduty_bench_{os.getpid()}_{port}" if name == "onduty-pg" else None
    if name in ("onduty", "onduty-pg"):
        store = {"ONDUTY_STORE": f"{POSTGRES.rstrip('/')}/{database}"} if database else {}
        if database:
            _postgres(f"CREATE DATABASE {database}")
        admin = ["--data", str(data)]
        _run([_bin("onduty-server"), *admin, "queue", "add", "loadtest", "--max-wait", f"{setup.max_wait_s:g}"],
             {**CHEAP_ARGON2, **store})
        _run([_bin("onduty-server"), *admin, "loadgen-setup", "--agents", str(max(1, setup.agents))],
             {**CHEAP_ARGON2, **store})
        argv = _onduty_argv(data, port, profile)
        env.update(setup.env)
        env.update(store)
    elif name in ("relay", "socketio"):
        module = "bench.relay_server" if name == "relay" else "bench.sio_server"
        argv = [sys.executable, "-m", module, "--port", str(port)]
    else:
        raise TargetError(f"unknown target {name}")
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process, log)
        yield Running(name, f"ws://127.0.0.1:{port}", process, log)
    finally:
        _stop(process)
        shutil.rmtree(data, ignore_errors=True)
        if database:
            _postgres(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
