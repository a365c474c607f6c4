"""The servers a benchmark runs against, each started as its own process (or processes) on free ports.

``onduty``: ``onduty-server run`` on a fresh temporary data folder, set up with ``onduty-server queue add``
and ``loadgen-setup`` (agents hashed with cheap argon2 settings so that a thousand logins measure routing,
not password hashing). ``onduty-pg``: the same on the PostgreSQL store, in a database made for the run on
``ONDUTY_BENCH_POSTGRES`` (default this machine's, 127.0.0.1:5432) and dropped after it. ``cluster-1``,
``cluster-2``, ``cluster-3``: that many nodes (``run --cluster``) on such a database and on a Redis database
number claimed for the run on ``ONDUTY_BENCH_REDIS`` (default 127.0.0.1:6379) and flushed after it; the
first node owns routing, the others are gateways. ``relay`` and ``socketio``: the bare baselines in this folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.nodes import ROOT, Node, TargetError, free_port, postgres_db, redis_db

__all__ = ["PROTOCOL", "ROOT", "TARGETS", "Running", "Setup", "TargetError", "cluster_size", "free_port", "started"]
TARGETS = ("onduty", "onduty-pg", "cluster-1", "cluster-2", "cluster-3", "relay", "relay-durable", "socketio")
PROTOCOL = {"onduty": "onduty", "onduty-pg": "onduty", "cluster-1": "onduty", "cluster-2": "onduty",
            "cluster-3": "onduty", "relay": "relay", "relay-durable": "relay", "socketio": "socketio"}
"""What the load generator speaks to each target (``--target``)."""
POSTGRES = os.environ.get("ONDUTY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
"""The PostgreSQL server ``onduty-pg`` and the cluster targets make their throw-away databases on (trust or a
password in the URL)."""
REDIS = os.environ.get("ONDUTY_BENCH_REDIS", "redis://127.0.0.1:6379")
"""The Redis server the cluster targets claim a free database number on (flushed after the run)."""
CHEAP_ARGON2 = {"ONDUTY_ARGON2_TIME_COST": "1", "ONDUTY_ARGON2_MEMORY_KIB": "1024"}


@dataclass(frozen=True)
class Setup:
    """What a scenario needs from the server."""

    agents: int = 0
    max_wait_s: float = 120.0
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra ``ONDUTY_*`` settings for the OnDuty server."""


@dataclass
class Running:
    """A started target: its node processes (one but for a cluster; the first is the cluster's owner at the
    start), and for the PostgreSQL and cluster targets the database and Redis they share."""

    name: str
    nodes: list[Node]
    store: str | None = None
    """The PostgreSQL database's URL."""
    cluster: str | None = None
    """The Redis database's URL (cluster targets)."""

    @property
    def url(self) -> str:
        return self.nodes[0].url

    @property
    def pid(self) -> int:
        return self.nodes[0].pid

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]


def cluster_size(name: str) -> int:
    """How many nodes target ``name`` runs (0: not a cluster target)."""
    prefix, _, count = name.partition("-")
    return int(count) if prefix == "cluster" and count.isdigit() else 0


def _bin(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else name


def _run(argv: Sequence[str], env: Mapping[str, str]) -> None:
    result = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TargetError(f"{' '.join(argv)}: {result.stderr.strip() or result.stdout.strip()}")


def _onduty_argv(data: Path, port: int, profile: Path | None) -> list[str]:
    run = ["--data", str(data), "run", "--port", str(port), "--log-level", "WARNING"]
    if profile is not None:
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "onduty.server.cli", *run]
    return [_bin("onduty-server"), *run]


def _prepare(data: Path, setup: Setup, store: Mapping[str, str]) -> None:
    """The queue and the load generator's agents, with the admin commands."""
    admin = [_bin("onduty-server"), "--data", str(data)]
    _run([*admin, "queue", "add", "loadtest", "--max-wait", f"{setup.max_wait_s:g}"], {**CHEAP_ARGON2, **store})
    _run([*admin, "loadgen-setup", "--agents", str(max(1, setup.agents))], {**CHEAP_ARGON2, **store})


@contextlib.contextmanager
def started(name: str, setup: Setup, workdir: Path, profile: Path | None = None) -> Iterator[Running]:
    """Start target ``name`` for one scenario; stop it (and delete its data) afterwards."""
    if cluster_size(name):
        with _cluster(name, setup, workdir) as running:
            yield running
        return
    port = free_port()
    log = workdir / f"{name}-{port}.log"
    data = Path(tempfile.mkdtemp(prefix="onduty-bench-", dir=workdir))
    env = {**os.environ}
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, data, ignore_errors=True)
        database = None
        if name in ("onduty", "onduty-pg"):
            store: dict[str, str] = {}
            if name == "onduty-pg":
                database = stack.enter_context(postgres_db(POSTGRES, f"onduty_bench_{os.getpid()}_{port}"))
                store = {"ONDUTY_STORE": database}
            _prepare(data, setup, store)
            argv = _onduty_argv(data, port, profile)
            env.update(setup.env)
            env.update(store)
        elif name in ("relay", "socketio"):
            module = "bench.relay_server" if name == "relay" else "bench.sio_server"
            argv = [sys.executable, "-m", module, "--port", str(port)]
        elif name == "relay-durable":
            argv = [sys.executable, "-m", "bench.durable_relay", "--port", str(port), "--db", str(data / "frames.db")]
        else:
            raise TargetError(f"unknown target {name}")
        node = Node(name, port, argv, env, log)
        stack.callback(node.stop)
        node.until_healthy(within=30)
        yield Running(name, [node], store=database)


@contextlib.contextmanager
def _cluster(name: str, setup: Setup, workdir: Path) -> Iterator[Running]:
    """``cluster_size(name)`` nodes on one new PostgreSQL database and one claimed Redis database number:
    node ``a`` started first (it takes the routing lease), then the gateways ``b``, ``c``, ..."""
    first = free_port()
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(postgres_db(POSTGRES, f"onduty_bench_{os.getpid()}_{first}"))
        cluster = stack.enter_context(redis_db(REDIS))
        admin = Path(tempfile.mkdtemp(prefix="onduty-bench-", dir=workdir))
        stack.callback(shutil.rmtree, admin, ignore_errors=True)
        _prepare(admin, setup, {"ONDUTY_STORE": database})
        env = {**os.environ, **setup.env}
        nodes: list[Node] = []
        for i in range(cluster_size(name)):
            node_name = "abcdefghij"[i]
            port = first if i == 0 else free_port()
            data = Path(tempfile.mkdtemp(prefix=f"onduty-bench-{node_name}-", dir=workdir))
            stack.callback(shutil.rmtree, data, ignore_errors=True)
            argv = [_bin("onduty-server"), "--data", str(data), "--store", database, "run", "--cluster", cluster,
                    "--node-id", node_name, "--port", str(port), "--log-level", "WARNING"]
            node = Node(node_name, port, argv, env, workdir / f"{name}-{node_name}-{port}.log")
            nodes.append(node)
            stack.callback(node.stop)
            node.until_healthy("owner" if i == 0 else "gateway")
        yield Running(name, nodes, store=database, cluster=cluster)
