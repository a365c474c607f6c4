"""One node of a cluster: a gateway until it takes the routing lease, then the routing owner.

Every node takes clients (docs/it-rollout.md, "Several nodes"). The node holding the lease owns
routing and runs the whole server; every other node is a gateway (:mod:`.gateway`) that passes its
clients' WebSockets and requests on to the owner. When the owner dies, a gateway takes the lease once
it expires (``lease_s``), bumps the fencing epoch in PostgreSQL, closes its proxied connections (the
clients reconnect and resume from their cursors), restores routing from the store (the same path as a
restart: open chats, the waiting lines in order) and serves as the owner.

A node that learns it no longer owns routing (another node holds the lease, or the store refused
a batch with :class:`~onduty.server.store.errors.Fenced`) exits with :data:`STEPPED_DOWN` at
once, without another write or frame; its service manager starts it again as a gateway.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from onduty.server.cluster.chat_bus import ChatBus, closed
from onduty.server.cluster.gateway import NodeDirectory, Relaying, Upstream, gateway_app
from onduty.server.cluster.lease import Lease, Renewal
from onduty.server.cluster.relay import GatewayChats
from onduty.server.cluster.stopping import stopped
from onduty.server.config import ConfigError, ServerConfig
from onduty.server.shell.app import make_app
from onduty.server.shell.wiring import Shell
from onduty.server.store import Store, StoredMessage, StoreError
from onduty.server.store.errors import Fenced
from onduty.server.store.pg import PostgresStore
from onduty.server.store.url import default_url
from onduty.shared.errors import ErrorCode, ProtocolError

log = logging.getLogger(__name__)

STEPPED_DOWN = 3
"""Exit status of a node that lost routing to another node (restart it: it comes back as a gateway)."""


class ClusterError(Exception):
    """The cluster cannot be joined (Redis unreachable at start, a store that cannot be shared)."""


class Ownership:
    """A node's hold on routing while it is the owner (the ``Ownership`` of ``make_app``)."""

    def __init__(self, lease: Lease, step_down: Callable[[str], None], clock: Callable[[], float] = time.time) -> None:
        self._lease = lease
        self._step_down = step_down
        self._clock = clock
        self.epoch: int | None = None
        self.renew_now = asyncio.Event()

    async def own(self, store: Store) -> None:
        if not isinstance(store, PostgresStore):
            raise ClusterError("a cluster needs a PostgreSQL store shared by its nodes (--store postgresql://...)")
        store.on_fenced = self._fenced
        self.epoch = await store.take_routing(self._lease.node, self._clock())

    def _fenced(self, exc: Fenced) -> None:
        self._step_down(f"the store refused a batch: {exc}")

    def guard(self) -> None:
        if not self._lease.sure():
            self.renew_now.set()
            raise ProtocolError(ErrorCode.UNAVAILABLE,
                                "the server is confirming that it still routes chats; try again in a moment")

    def health(self) -> dict[str, Any]:
        return {"role": "owner", "node": self._lease.node, "epoch": self.epoch}

    def ready(self) -> bool:
        return self._lease.sure()


async def _serve(app: web.Application, config: ServerConfig) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port, backlog=1024, reuse_address=True).start()
    return runner


def _exit_stepped_down(reason: str) -> None:
    log.error("this node no longer owns routing (%s): exiting with status %d to come back as a gateway",
              reason, STEPPED_DOWN)
    logging.shutdown()
    os._exit(STEPPED_DOWN)  # no other write or frame of a deposed owner; nothing of ours is pending


async def run_node(config: ServerConfig, step_down: Callable[[str], None] = _exit_stepped_down) -> None:
    """Join the cluster ``config.cluster`` and serve until SIGINT/SIGTERM (or ``step_down``)."""
    if not default_url(config).startswith("postgresql"):
        raise ConfigError("--cluster needs a PostgreSQL store shared by the nodes: --store postgresql://...")
    redis = Redis.from_url(config.cluster, socket_timeout=config.lease_s / 2, socket_connect_timeout=config.lease_s / 2)
    try:
        await redis.ping()
    except (RedisError, OSError) as exc:
        await redis.aclose()
        raise ClusterError(f"cannot reach the cluster's Redis at {config.cluster}: {exc}") from exc
    lease = Lease(redis, config.node, config.lease_s)
    try:
        await NodeDirectory(redis).register(config.node, config.internal_url)
    except (RedisError, OSError) as exc:
        await redis.aclose()
        raise ClusterError(f"cannot register this node in the cluster's Redis: {exc}") from exc
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await _gateway_then_own(config, lease, stop, step_down)
    finally:
        await redis.aclose()


def _bus_redis(config: ServerConfig) -> Redis:
    """The chat bus's own connection: pub/sub blocks on reads, so it does not share the lease's timeouts."""
    return Redis.from_url(config.cluster, socket_timeout=5.0, socket_connect_timeout=config.lease_s / 2)


async def _relaying(config: ServerConfig) -> tuple[Relaying, PostgresStore, Redis] | None:
    """What a gateway needs to store and deliver chat messages itself; None (logged) when the store cannot be
    opened now: then the gateway passes every frame on to the owner, which stores and delivers them."""
    store = PostgresStore(default_url(config), stall_s=config.lease_s)
    try:
        await store.open()
    except StoreError as exc:
        log.warning("this gateway cannot open the store (%s): every chat message goes through the owner", exc)
        return None
    redis = _bus_redis(config)
    chats = GatewayChats(store, ChatBus(redis, config.node), config)
    chats.start()
    return Relaying.of(chats, config), store, redis


async def _own_the_bus(shell: Shell, config: ServerConfig) -> Callable[[], Awaitable[None]]:
    """The routing owner's part of the chat bus: it publishes what it stores in a chat that a client of a
    gateway reads (the gateways tell it what they store on the client's own connection). Returns how to
    stop it."""
    redis = _bus_redis(config)
    bus = ChatBus(redis, config.node)

    def publish(message: StoredMessage) -> None:
        session = shell.delivery.session(message.chat_id)
        if session is not None and any(a.peer.relayed for a in session.parties.values()):
            bus.publish(message)

    shell.delivery.published.append(publish)

    async def stop() -> None:
        await bus.close()
        await closed(redis.aclose(), "the chat bus's connection")
    return stop


async def _gateway_then_own(config: ServerConfig, lease: Lease, stop: asyncio.Event,
                            step_down: Callable[[str], None]) -> None:
    relay = await _relaying(config)
    try:
        await _gateway(config, lease, stop, relay[0] if relay is not None else None)
    finally:
        if relay is not None:
            relaying, store, redis = relay
            await relaying.chats.stop()
            await store.close()
            await closed(redis.aclose(), "the chat bus's connection")
    if not stop.is_set():
        await _own(config, lease, stop, step_down)


async def _gateway(config: ServerConfig, lease: Lease, stop: asyncio.Event, relaying: Relaying | None) -> None:
    """Serve as a gateway until this node takes the routing lease (or is stopped)."""
    runner = await _serve(gateway_app(config, Upstream(lease, NodeDirectory(lease.redis)), relaying), config)
    log.info("serving as a gateway until this node takes the routing lease",
             extra={"node": config.node, "cluster": config.cluster})
    poll = config.lease_s / 5
    try:
        while not stop.is_set():
            try:
                if await lease.try_acquire():
                    break
            except (RedisError, OSError) as exc:
                log.warning("cannot reach Redis for the routing lease: %s", exc)
            await _wait(stop, poll)
    finally:
        await runner.cleanup()  # the proxied clients are told to reconnect (1012)


async def _own(config: ServerConfig, lease: Lease, stop: asyncio.Event, step_down: Callable[[str], None]) -> None:
    """Serve as the routing owner until stopped (or deposed: ``step_down``)."""
    log.info("took the routing lease", extra={"node": config.node})
    ownership = Ownership(lease, step_down)
    shells: list[Shell] = []
    stops: list[Callable[[], Awaitable[None]]] = []

    async def started(shell: Shell) -> None:
        shells.append(shell)
        stops.append(await _own_the_bus(shell, config))

    # renewing from now on: restoring a large store may take longer than the lease
    renewing = asyncio.create_task(_renew(lease, ownership, config, step_down, shells), name="lease-renewal")
    try:
        store = PostgresStore(default_url(config), stall_s=config.lease_s)
        runner = await _serve(make_app(config, store, ownership=ownership, started=started), config)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()  # the shell stops and the store finishes its writes first
            for stop_bus in stops:
                await stop_bus()
    finally:
        await stopped(renewing)  # it awaits Redis: a cancel may be lost (see .stopping)
        await lease.release()
        log.info("gave the routing lease up", extra={"node": config.node})


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def _renew(lease: Lease, ownership: Ownership, config: ServerConfig, step_down: Callable[[str], None],
                 shells: list[Shell]) -> None:
    """Renew the lease every quarter of its time (at once when the guard asked); step down when
    another node holds it. While Redis cannot be reached the guard refuses routing events."""
    while True:
        await _wait(ownership.renew_now, config.lease_s / 4)
        ownership.renew_now.clear()
        was_sure = lease.sure()
        result = await lease.renew()
        if result is Renewal.LOST:
            step_down("another node holds the routing lease")
            return
        if result is Renewal.RETAKEN:
            log.warning("the routing lease was gone from Redis (restarted?): taken again")
        if result in (Renewal.HELD, Renewal.RETAKEN):
            try:  # again each time: a Redis that restarted empty has forgotten where the owner is
                await NodeDirectory(lease.redis).register(config.node, config.internal_url)
            except (RedisError, OSError) as exc:
                log.warning("registering this node's address failed: %s", exc)
        if result in (Renewal.HELD, Renewal.RETAKEN) and not was_sure:
            log.info("routing lease confirmed again")
            for shell in shells:
                shell.routing.wake()
