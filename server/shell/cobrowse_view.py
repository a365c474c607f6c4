"""The agent's co-browse view in the browser: ``/cobrowse/`` (the built page), its one-time link and its feed.

The tray app's chat window asks ``get_cobrowse_link`` and opens the ``url`` in the agent's browser:
``GET /cobrowse/link/TOKEN`` uses the link up at once and, while it is fresh and the agent still holds the chat,
sets a cookie for that chat (``onduty_cobrowse_CHAT``: HttpOnly, SameSite=Strict, Path=/cobrowse) and redirects
to ``/cobrowse/?chat=CHAT``. The page opens ``/cobrowse/ws?chat=CHAT`` (the cookie and the server's own
``Origin`` needed): ``hello``, then ``cobrowse_update`` and the recording (``cobrowse_data``) to replay; it
sends ``cobrowse_point`` and ``cobrowse_stop``. Without the cookie the upgrade is answered with one ``error``
and a 1008 close.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from onduty.server.config import ServerConfig
from onduty.server.shell.console_auth import same_origin
from onduty.server.shell.endpoint import Endpoint
from onduty.server.shell.peer import Peer
from onduty.server.shell.ratelimit import TokenBucket
from onduty.server.shell.static_dir import add_static_dir
from onduty.server.shell.upgrade import refuse, run_endpoint
from onduty.server.shell.wiring import Shell
from onduty.shared.codec import Codec
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import CobrowsePoint, CobrowseStop, Message
from onduty.shared.types import Role

log = logging.getLogger(__name__)
VIEW_DIR = Path(__file__).resolve().parents[1] / "static" / "cobrowse"
COOKIE_PREFIX = "onduty_cobrowse_"
VIEW_RATE_PER_S = 50.0
"""Frames a view may send per second on average (it sends the pointer at most every 50 ms)."""
VIEW_RATE_BURST = 100
CSP = (
    # the replayed page's own styles and images are rebuilt in a sandboxed frame without scripts
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline' http: https:; "
    "img-src 'self' data: blob: http: https:; font-src 'self' data: http: https:; media-src 'none'; "
    "connect-src 'self' ws: wss:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class ViewerEndpoint(Endpoint):
    """One viewer page of the agent holding ``chat_id``: it points and may stop; it never types into the page."""

    def __init__(self, shell: Shell, peer: Peer, config: ServerConfig, chat_id: str, username: str) -> None:
        super().__init__(shell, peer, config, TokenBucket(VIEW_RATE_PER_S, VIEW_RATE_BURST))
        self.chat_id = chat_id
        self.username = username
        self._joined = False

    def _hello(self, message: Message) -> None:
        super()._hello(message)
        if not self._joined:
            self._joined = True
            self.shell.cobrowse.add_viewer(self.chat_id, self.peer)

    async def dispatch(self, message: Message) -> None:
        self.shell.routing.held(self.chat_id, self.username)
        match message:
            case CobrowsePoint(chat_id=chat_id) if chat_id == self.chat_id:
                self.shell.cobrowse.point(chat_id, message)
            case CobrowseStop(chat_id=chat_id) if chat_id == self.chat_id:
                self.shell.cobrowse.stop(chat_id, Role.AGENT)
            case CobrowsePoint() | CobrowseStop():
                raise ProtocolError(ErrorCode.UNKNOWN_CHAT, "not the chat of this view")
            case _:
                raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"{message.TYPE} is not for the co-browse view")

    def gone(self) -> None:
        self.shell.cobrowse.remove_viewer(self.chat_id, self.peer)


def add_cobrowse_view(app: web.Application, config: ServerConfig, codec: Codec,
                      shell_of: Callable[[web.Request], Shell], peers: Callable[[web.Request], set[Peer]],
                      root: Path = VIEW_DIR) -> None:
    async def by_link(request: web.Request) -> web.StreamResponse:
        used = shell_of(request).cobrowse.use_link(request.match_info["token"])
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        if used is None:
            log.warning("co-browse link refused: unknown, used, expired or not the agent's chat")
            return web.Response(status=403, text="This co-browse link was used already or has expired. "
                                "Ask for a new one from the chat window.", headers=headers)
        cookie, grant = used
        log.info("co-browse view opened by link", extra={"user": grant.username, "chat": grant.chat_id})
        landing = web.HTTPSeeOther(f"/cobrowse/?chat={grant.chat_id}", headers=headers)
        landing.set_cookie(COOKIE_PREFIX + grant.chat_id, cookie, path="/cobrowse", httponly=True,
                           samesite="Strict", secure=request.secure or config.public_url.startswith("https://"))
        raise landing

    async def view_ws(request: web.Request) -> web.StreamResponse:
        shell = shell_of(request)
        chat_id = request.query.get("chat", "")[:64]
        cookie = request.cookies.get(COOKIE_PREFIX + chat_id, "")
        grant = shell.cobrowse.grant(cookie, chat_id) if cookie and same_origin(request, config) else None
        ws = web.WebSocketResponse(heartbeat=config.heartbeat_s, max_msg_size=config.max_frame)
        if not ws.can_prepare(request).ok:
            return web.json_response({"code": "bad_request", "detail": "a WebSocket upgrade"}, status=400)
        await ws.prepare(request)
        if grant is None:
            log.warning("co-browse view refused", extra={"chat": chat_id,
                                                         "origin": request.headers.get("Origin", "")[:200]})
            return await refuse(ws, codec, ErrorCode.NOT_AUTHENTICATED, "open the co-browse view from the chat window")
        username = grant.username
        return await run_endpoint(ws, codec, config, "viewer", peers(request),
                                  lambda peer: ViewerEndpoint(shell, peer, config, chat_id, username))

    app.router.add_get("/cobrowse/link/{token:[A-Za-z0-9_-]{1,100}}", by_link)
    app.router.add_get("/cobrowse/ws", view_ws)
    add_static_dir(app, "cobrowse", root, what="co-browse view", csp=CSP,
                   headers={"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})
