"""What a node that does not own routing serves: every client request, passed on to the owner.

A gateway takes any client, so a load balancer may spread clients over every node (or a client may
use any node's address). It holds the client's WebSocket and one WebSocket of its own to the owner
per client, and copies frames both ways unchanged (it does not decode them: the owner's codec checks
every frame, and the owner alone keeps chat state). Any other HTTP request (the widget's files, file
transfer, cases API, customer pages) is passed on the same way. When the owner goes away, each
client's upstream ends, the gateway closes the client's WebSocket with 1012 (service restart), and the
client reconnects (to this node or another) and resumes from its cursors.

The owner is the node holding the routing lease; its address is the one it registered in Redis
(:class:`NodeDirectory`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from redis.asyncio import Redis
from redis.exceptions import RedisError

from onduty.server.cluster.lease import KEY_PREFIX, Lease
from onduty.server.cluster.relay import GatewayChats, RelayedClient
from onduty.server.config import ServerConfig
from onduty.server.shell.peer import Peer
from onduty.server.shell.ratelimit import TokenBucket
from onduty.server.shell.sideband import RELAY_HEADER, is_sideband
from onduty.shared.codec import Codec
from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.limits import Limits
from onduty.shared.messages import AGENT_MESSAGES, REQUESTOR_MESSAGES

log = logging.getLogger(__name__)

PASSED_ON = "X-OnDuty-Gateway"
"""Header a gateway puts on what it passes on: a gateway never passes such a request on again (a
stale address in Redis must not make two gateways send a client round in circles)."""

SERVICE_RESTART = 1012
"""WebSocket close code: the server is restarting; reconnect."""

_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length",
})


class NodeDirectory:
    """Each node's address for the others (``node_url``), in one Redis hash."""

    def __init__(self, redis: Redis, prefix: str = KEY_PREFIX) -> None:
        self._redis = redis
        self._key = f"{prefix}nodes"

    async def register(self, node: str, url: str) -> None:
        await self._redis.hset(self._key, node, url)

    async def url(self, node: str) -> str | None:
        value = await self._redis.hget(self._key, node)
        return None if value is None else value.decode() if isinstance(value, bytes) else str(value)


class Upstream:
    """Where the owner is now: the lease's holder and its registered address."""

    def __init__(self, lease: Lease, nodes: NodeDirectory) -> None:
        self._lease = lease
        self._nodes = nodes

    async def holder(self) -> str | None:
        """The name of the node holding the lease (this node's own, for a dead predecessor), if any."""
        try:
            return await self._lease.holder()
        except (RedisError, OSError):
            return None

    async def owner(self) -> tuple[str, str] | None:
        """``(node, base URL)`` of the owner, or None when nobody owns routing or Redis does not answer."""
        try:
            holder = await self._lease.holder()
            if holder is None or holder == self._lease.node:  # nobody; or this node's dead predecessor
                return None
            url = await self._nodes.url(holder)
        except (RedisError, OSError) as exc:
            log.warning("cannot look the routing owner up: %s", exc)
            return None
        return None if url is None else (holder, url.rstrip("/"))


def _owner_origin(base: str) -> str:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def _upstream_headers(request: web.Request, base: str, config: ServerConfig) -> CIMultiDict[str]:
    """The client's headers for the owner: without hop-by-hop ones; a page of this node's own origin is
    presented as the owner's own (each node counts its own origin as allowed, as one server does); any
    other ``Origin`` goes on as it came, and the owner checks it against ``public_url`` and
    ``allowed_origins`` (the same settings on every node); forwarding headers added."""
    headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP)
    origin = request.headers.get("Origin")
    if origin is not None and origin == f"{request.scheme}://{request.host}":
        headers["Origin"] = _owner_origin(base)
    headers[PASSED_ON] = config.node
    headers["X-Forwarded-For"] = request.remote or ""
    headers["X-Forwarded-Host"] = request.host
    headers["X-Forwarded-Proto"] = request.scheme
    return headers


def _unavailable(detail: str) -> web.Response:
    return web.json_response({"code": ErrorCode.UNAVAILABLE.value, "detail": detail}, status=503)


@dataclass(frozen=True, slots=True)
class Relaying:
    """What a gateway needs to store and deliver its agents' and requestors' chat messages (:mod:`.relay`)."""

    chats: GatewayChats
    codecs: dict[str, Codec]
    """Per endpoint path, the codec of what its clients send."""
    clock: Callable[[], float] = time.time

    @classmethod
    def of(cls, chats: GatewayChats, config: ServerConfig) -> Relaying:
        limits = Limits(max_frame=config.max_frame)
        return cls(chats, {"/ws/agent": Codec(AGENT_MESSAGES, limits),
                           "/ws/requestor": Codec(REQUESTOR_MESSAGES, limits)})


def gateway_app(config: ServerConfig, upstream: Upstream, relaying: Relaying | None = None) -> web.Application:
    """The gateway's application; with ``relaying`` it stores and delivers chat messages itself."""
    clients: set[web.WebSocketResponse] = set()
    sessions: list[aiohttp.ClientSession] = []

    def http() -> aiohttp.ClientSession:
        if not sessions:
            sessions.append(aiohttp.ClientSession(auto_decompress=False))
        return sessions[0]

    async def healthz(request: web.Request) -> web.Response:
        relay = None if relaying is None else {"stored": relaying.chats.stored, "chats": len(relaying.chats.sessions)}
        return web.json_response({"status": "ok", "role": "gateway", "node": config.node, "epoch": None,
                                  "owner": await upstream.holder(), "connections": len(clients), "relay": relay})

    async def readyz(request: web.Request) -> web.Response:
        owner = await upstream.owner()
        return web.json_response({"ready": owner is not None, "role": "gateway", "node": config.node,
                                  "epoch": None}, status=200 if owner is not None else 503)

    async def websocket(request: web.Request) -> web.StreamResponse:
        owner = None if PASSED_ON in request.headers else await upstream.owner()
        if owner is None:
            return _unavailable("nobody routes chats at the moment; try again in a moment")
        node, base = owner
        target = base.replace("http", "ws", 1) + request.path_qs
        headers = _upstream_headers(request, base, config)
        codec = relaying.codecs.get(request.path) if relaying is not None else None
        if codec is not None:
            headers[RELAY_HEADER] = "1"
        try:
            up = await http().ws_connect(target, headers=headers, max_msg_size=config.max_frame,
                                         autoping=True, heartbeat=config.heartbeat_s)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("the routing owner %s did not take a connection: %s", node, exc)
            return _unavailable("the server that routes chats did not answer; try again in a moment")
        ws = web.WebSocketResponse(heartbeat=config.heartbeat_s, max_msg_size=config.max_frame)
        await ws.prepare(request)
        clients.add(ws)
        try:
            if relaying is not None and codec is not None:
                await _relay(ws, up, request, relaying, codec, config)
            else:
                await _pump(ws, up)
        finally:
            clients.discard(ws)
        return ws

    async def passthrough(request: web.Request) -> web.StreamResponse:
        owner = None if PASSED_ON in request.headers else await upstream.owner()
        if owner is None:
            return _unavailable("nobody routes chats at the moment; try again in a moment")
        _node, base = owner
        body = request.content if request.body_exists else None
        response: web.StreamResponse | None = None
        try:
            async with http().request(request.method, base + request.path_qs, data=body,
                                      headers=_upstream_headers(request, base, config),
                                      allow_redirects=False) as answer:
                response = web.StreamResponse(status=answer.status, reason=answer.reason)
                for key, value in answer.headers.items():
                    if key.lower() not in _HOP_BY_HOP:
                        response.headers.add(key, value)
                await response.prepare(request)
                async for chunk in answer.content.iter_chunked(64 * 1024):
                    await response.write(chunk)
                await response.write_eof()
                return response
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("passing a request on to the routing owner failed: %s", exc)
            if response is not None and response.prepared:
                return response  # cut short mid-body: the client sees the connection end
            return _unavailable("the server that routes chats did not answer; try again in a moment")

    async def metrics(request: web.Request) -> web.Response:
        """Not passed on: the owner counts requests through a gateway as the gateway's own, and would
        hand its figures to whoever can reach a gateway."""
        return web.json_response({"code": "not_found", "detail": "this node is a gateway: /metrics is served by"
                                  " the node whose /healthz says owner"}, status=404)

    async def close_clients(app: web.Application) -> None:
        for ws in list(clients):
            await ws.close(code=SERVICE_RESTART, message=b"server moving")
        for session in sessions:
            await session.close()

    app = web.Application(client_max_size=config.max_file_bytes + 1024 * 1024)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/ws/agent", websocket)
    app.router.add_get("/ws/requestor", websocket)
    app.router.add_get("/console/ws", websocket)
    app.router.add_get("/cobrowse/ws", websocket)
    app.router.add_get("/metrics", metrics)
    app.router.add_route("*", "/{tail:.*}", passthrough)
    app.on_shutdown.append(close_clients)
    return app


_ENDED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)


async def _copy(source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
                sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse) -> tuple[int | None, str]:
    """Copy data frames from ``source`` to ``sink`` until ``source`` ends; its close code and reason."""
    while True:
        frame = await source.receive()
        if frame.type is aiohttp.WSMsgType.BINARY:
            await sink.send_bytes(frame.data)
        elif frame.type is aiohttp.WSMsgType.TEXT:
            await sink.send_str(frame.data)
        elif frame.type in _ENDED:
            reason = frame.extra if frame.type is aiohttp.WSMsgType.CLOSE and isinstance(frame.extra, str) else ""
            return source.close_code, reason


def _for_the_client(code: int | None, reason: str) -> tuple[int, str]:
    """The owner's close code and reason as the client is told them: when the owner went away without a close
    (it died), 1012 (reconnect)."""
    if code is None or code == 1006:
        return SERVICE_RESTART, "server moving"
    return code, reason


async def _pump(client: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Copy frames both ways until either side ends, then end the other with the same close code and
    reason; when the owner went away without a close (it died), the client is told 1012 (reconnect)."""
    async def down() -> None:
        code, reason = _for_the_client(*await _copy(upstream, client))
        await client.close(code=code, message=reason.encode())

    async def up() -> None:
        code, reason = await _copy(client, upstream)
        await upstream.close(code=code or CloseCode.NORMAL, message=reason.encode())

    tasks = [asyncio.create_task(down(), name="gateway-down"), asyncio.create_task(up(), name="gateway-up")]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError, ConnectionError, RuntimeError):
                await task
        if not upstream.closed:
            await upstream.close()
        if not client.closed:
            await client.close(code=SERVICE_RESTART)


async def _relay(client: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse, request: web.Request,
                 relaying: Relaying, codec: Codec, config: ServerConfig) -> None:
    """:func:`_pump` for a client whose chat messages this gateway stores and delivers (:mod:`.relay`): what
    the client is sent goes through one outbox (the owner's frames and the messages delivered here, in the
    order they came)."""
    kind = "agent" if request.path == "/ws/agent" else "requestor"
    peer = Peer(client, codec, config.outbox_frames, kind)
    peer.start(request)
    limit = None
    if kind == "requestor" and config.requestor_rate_per_s > 0:
        limit = TokenBucket(config.requestor_rate_per_s, config.requestor_rate_burst)
    relayed = RelayedClient(relaying.chats, peer, codec, config, upstream.send_bytes, relaying.clock, limit)

    async def down() -> None:
        while True:
            frame = await upstream.receive()
            if frame.type is aiohttp.WSMsgType.BINARY:
                if is_sideband(frame.data):
                    relayed.from_owner(frame.data)
                else:
                    peer.send_frame(frame.data)
            elif frame.type in _ENDED:
                reason = frame.extra if frame.type is aiohttp.WSMsgType.CLOSE and isinstance(frame.extra, str) else ""
                peer.close(*_for_the_client(upstream.close_code, reason))
                return

    async def up() -> None:
        while True:
            frame = await client.receive()
            if frame.type is aiohttp.WSMsgType.BINARY:
                await relayed.from_client(frame.data)
            elif frame.type is aiohttp.WSMsgType.TEXT:
                await upstream.send_str(frame.data)  # the owner refuses it, as it would from the client
            elif frame.type in _ENDED:
                reason = frame.extra if frame.type is aiohttp.WSMsgType.CLOSE and isinstance(frame.extra, str) else ""
                await upstream.close(code=client.close_code or CloseCode.NORMAL, message=reason.encode())
                return

    tasks = [asyncio.create_task(down(), name="relay-down"), asyncio.create_task(up(), name="relay-up")]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError, ConnectionError, RuntimeError):
                await task
        await relayed.gone()
        if not upstream.closed:
            await upstream.close()
        peer.close(SERVICE_RESTART, "server moving")  # unless the owner's close code is set already
        await peer.finish()
