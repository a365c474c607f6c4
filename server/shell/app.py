"""The composition root: builds the aiohttp application from a config, a store and a clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.metrics import add_metrics_routes
from onduty.server.shell.agent_ws import AgentEndpoint
from onduty.server.shell.callback_work import CALLBACK_WATCH, CallbackWatch
from onduty.server.shell.cases_api import add_case_routes
from onduty.server.shell.cobrowse_view import add_cobrowse_view
from onduty.server.shell.console_api import CONSOLE_FIGURES, add_console_api
from onduty.server.shell.console_auth import add_console_auth_routes
from onduty.server.shell.console_page import add_console_page
from onduty.server.shell.console_ws import add_console_ws
from onduty.server.shell.endpoint import Endpoint
from onduty.server.shell.files import add_file_routes
from onduty.server.shell.http_api import add_json_errors
from onduty.server.shell.origins import origin_allowed
from onduty.server.shell.peer import Peer
from onduty.server.shell.requestor_ws import RequestorEndpoint
from onduty.server.shell.sideband import RELAY_HEADER
from onduty.server.shell.staffing_watch import STAFFING_WATCH, add_staffing_watch
from onduty.server.shell.widget import add_widget_routes
from onduty.server.shell.wiring import Clock, Shell, build_shell
from onduty.server.store import Store, open_store
from onduty.server.store.url import default_url
from onduty.shared.codec import Codec
from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.limits import Limits
from onduty.shared.messages import (
    AGENT_MESSAGES,
    COBROWSE_VIEWER_MESSAGES,
    CONSOLE_MESSAGES,
    REQUESTOR_MESSAGES,
    Error,
)

log = logging.getLogger(__name__)

class Ownership(Protocol):
    """How a cluster node owns routing (server/cluster/node.py); None for one process on its own."""

    async def own(self, store: Store) -> None:
        """The store is open: take routing (the fencing epoch) before the shell restores and starts."""

    def guard(self) -> None:
        """Raise ProtocolError unless the node is sure it still owns routing."""

    def health(self) -> dict[str, Any]:
        """What ``/healthz`` tells of the node's part in the cluster (``role``, ``node``, ``epoch``)."""

    def ready(self) -> bool:
        """May a load balancer send clients here now?"""


SHELL = web.AppKey("shell", Shell)
PEERS: web.AppKey[set[Peer]] = web.AppKey("peers")


def peers_of(request: web.Request) -> list[Peer]:
    """The app's open connections."""
    peers: set[Peer] = request.app[PEERS]
    return list(peers)


def make_app(config: ServerConfig, store: Store | None = None, clock: Clock = time.time,
             ownership: Ownership | None = None,
             started: Callable[[Shell], Awaitable[None]] | None = None) -> web.Application:
    """The whole server; the store defaults to the one ``config.store`` names (the data folder's SQLite file).
    ``ownership``: a cluster node's hold on routing; ``started``: called once the shell runs."""
    if store is None:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        store = open_store(default_url(config), config)
    limits = Limits(max_frame=config.max_frame)
    agent_codec = Codec(AGENT_MESSAGES, limits)
    requestor_codec = Codec(REQUESTOR_MESSAGES, limits)
    passwords = Passwords(config.argon2_time_cost, config.argon2_memory_kib)
    app = web.Application()
    app[PEERS] = set()
    the_store = store

    async def hub_ctx(app: web.Application) -> AsyncIterator[None]:
        await the_store.open()
        if ownership is not None:
            await ownership.own(the_store)
        shell = build_shell(config, the_store, agent_codec, clock, None if ownership is None else ownership.guard)
        await shell.start()
        app[SHELL] = shell
        if started is not None:
            await started(shell)
        yield
        await shell.stop()
        await the_store.close()

    async def callback_watch_ctx(app: web.Application) -> AsyncIterator[None]:
        watch = app[CALLBACK_WATCH] = CallbackWatch(app[SHELL])
        task = asyncio.get_running_loop().create_task(watch.run(), name="callback-watch")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def close_peers(app: web.Application) -> None:
        peers: set[Peer] = app[PEERS]
        for peer in list(peers):
            peer.close(CloseCode.GOING_AWAY, "server shutting down")

    async def serve(request: web.Request, codec: Codec, kind: str,
                    make: Callable[[Shell, Peer], Endpoint]) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=config.heartbeat_s, max_msg_size=config.max_frame)
        await ws.prepare(request)
        peer = Peer(ws, codec, config.outbox_frames, kind)
        peer.relayed = bool(config.cluster) and request.headers.get(RELAY_HEADER) == "1"
        peer.start(request)
        app[PEERS].add(peer)
        try:
            await make(request.app[SHELL], peer).run(ws)
        finally:
            app[PEERS].discard(peer)
            await peer.finish()
        return ws

    async def agent_ws(request: web.Request) -> web.StreamResponse:
        return await serve(request, agent_codec, "agent",
                           lambda shell, peer: AgentEndpoint(shell, peer, config, passwords,
                                                             f"{request.scheme}://{request.host}"))

    async def requestor_ws(request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and not origin_allowed(origin, request, config):
            return await refuse_origin(request, origin)
        return await serve(request, requestor_codec, "requestor",
                           lambda shell, peer: RequestorEndpoint(shell, peer, config))

    async def refuse_origin(request: web.Request, origin: str) -> web.StreamResponse:
        """A browser cannot read a refused upgrade's status, so a page on an origin that is not
        allowed would only see the connection fail and retry forever. So the upgrade goes through,
        then one ``error origin_not_allowed`` and a 1008 close that the widget can show; nothing
        else is read from that connection. A request that is not an upgrade gets HTTP 403 (JSON)."""
        log.warning("origin refused", extra={"origin": origin[:200], "remote": request.remote})
        detail = "this site is not allowed to use the chat"
        ws = web.WebSocketResponse(max_msg_size=config.max_frame)
        if not ws.can_prepare(request).ok:
            body = json.dumps({"code": ErrorCode.ORIGIN_NOT_ALLOWED.value, "detail": detail})
            return web.Response(status=403, text=body, content_type="application/json")
        await ws.prepare(request)
        await ws.send_bytes(requestor_codec.encode(Error(code=ErrorCode.ORIGIN_NOT_ALLOWED, detail=detail)))
        await ws.close(code=CloseCode.POLICY_VIOLATION, message=ErrorCode.ORIGIN_NOT_ALLOWED.value.encode())
        return ws

    def role() -> dict[str, Any]:
        return {"role": "owner", "node": config.node, "epoch": None} if ownership is None else ownership.health()

    async def healthz(request: web.Request) -> web.Response:
        shell = request.app[SHELL]
        healthy = shell.store.healthy
        return web.json_response({
            "status": "ok" if healthy else "store_failing",
            **role(),
            "agents_online": shell.presence.count(),
            "open_chats": shell.delivery.count(),
            "connections": len(request.app[PEERS]),
        }, status=200 if healthy else 503)

    async def readyz(request: web.Request) -> web.Response:
        """For a load balancer: 200 while this node takes clients (its store commits, and in a
        cluster it is sure it owns routing), else 503."""
        ready = request.app[SHELL].store.healthy and (ownership is None or ownership.ready())
        return web.json_response({"ready": ready, **role()}, status=200 if ready else 503)

    app.cleanup_ctx.append(hub_ctx)
    app.cleanup_ctx.append(callback_watch_ctx)
    app.on_shutdown.append(close_peers)
    app.router.add_get("/ws/agent", agent_ws)
    app.router.add_get("/ws/requestor", requestor_ws)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    add_file_routes(app, config, lambda request: request.app[SHELL])
    add_case_routes(app, config, lambda request: request.app[SHELL])
    add_widget_routes(app)
    add_staffing_watch(app, lambda app: app[SHELL])
    add_console_auth_routes(app, config, passwords, lambda request: request.app[SHELL])
    add_console_api(app, config, lambda app: app[SHELL])
    add_console_ws(app, config, Codec(CONSOLE_MESSAGES, limits), lambda request: request.app[SHELL],
                   lambda request: request.app[STAFFING_WATCH], lambda request: request.app[CONSOLE_FIGURES],
                   lambda request: request.app[PEERS])
    add_console_page(app)
    add_cobrowse_view(app, config, Codec(COBROWSE_VIEWER_MESSAGES, limits), lambda request: request.app[SHELL],
                      lambda request: request.app[PEERS])
    add_metrics_routes(app, config, lambda request: request.app[SHELL], peers_of)
    add_json_errors(app)
    return app
