"""Sign-in to the supervisor console: the same accounts as the tray app, a session in an HttpOnly cookie.

``POST /console/api/session`` with ``{"username", "password"}`` signs in a supervisor or admin and sets the
cookie ``onduty_console`` (HttpOnly, SameSite=Strict, Path=/console, Secure behind https); ``GET`` says who is
signed in; ``DELETE`` signs out. Against cross-site requests: the cookie is SameSite=Strict, and every
request that changes something and the console's WebSocket must come from the server's own origin (the
``Origin`` header; ``allowed_origins`` of the widget does not count here) with a JSON body. The role is read
from the store on every request, so a changed role counts at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from onduty.server.auth import Passwords, new_token, token_hash
from onduty.server.config import ServerConfig
from onduty.server.core.roles import is_supervisor
from onduty.server.shell.origins import public_origin
from onduty.server.shell.wiring import Shell
from onduty.server.store import AgentRecord, SessionRecord
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import ConsoleLink

log = logging.getLogger(__name__)
COOKIE = "onduty_console"
COOKIE_PATH = "/console"
LINK_TTL_S = 60.0
"""A one-time link from the tray's "Console…" must be opened within this time."""


def link_hash(token: str) -> str:
    """What is stored of a one-time link's token: not the hash of a session token, so it never signs in a tray."""
    return token_hash(f"console-link:{token}")


async def console_link(shell: Shell, username: str, base: str) -> ConsoleLink:
    """A one-time link that opens the console signed in as ``username``; ProtocolError not_allowed for agents.
    ``base``: ``public_url`` when set, else the scheme and host the agent's app reached the server by."""
    agent = await shell.store.get_agent(username)
    if agent is None or not is_supervisor(agent.role):
        raise ProtocolError(ErrorCode.NOT_ALLOWED, "the console is for supervisors and admins")
    token = new_token()
    expires_at = shell.clock() + LINK_TTL_S
    await shell.store.add_session(SessionRecord(link_hash(token), agent.username, expires_at))
    log.info("console link made", extra={"user": agent.username})
    root = shell.config.public_url.rstrip("/") if shell.config.public_url else base
    return ConsoleLink(url=f"{root}/console/link/{token}", expires_at=expires_at)


def same_origin(request: web.Request, config: ServerConfig) -> bool:
    """The request comes from a page of this server (its own origin, or ``public_url``'s behind a proxy)."""
    origin = request.headers.get("Origin")
    return origin is not None and origin in (f"{request.scheme}://{request.host}", public_origin(config.public_url))


def _secure(request: web.Request, config: ServerConfig) -> bool:
    return request.secure or config.public_url.startswith("https://")


async def console_user(request: web.Request, shell: Shell) -> AgentRecord | None:
    """The supervisor or admin this request's cookie signs in (None: none, expired, or no longer a supervisor)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    session = await shell.store.get_session(token_hash(token))
    if session is None or session.expires_at <= shell.clock():
        return None
    agent = await shell.store.get_agent(session.username)
    if agent is None or not is_supervisor(agent.role):
        return None
    return agent


def _who(agent: AgentRecord) -> dict[str, object]:
    return {"username": agent.username, "display_name": agent.display_name, "role": agent.role.value,
            "supervises": list(agent.supervises)}


def add_console_auth_routes(app: web.Application, config: ServerConfig, passwords: Passwords,
                            shell_of: Callable[[web.Request], Shell]) -> None:
    async def sign_in(request: web.Request) -> web.Response:
        if not same_origin(request, config):
            log.warning("console sign-in refused: origin", extra={"origin": request.headers.get("Origin", "")[:200]})
            return _error(403, "origin_not_allowed", "sign in from the console page of this server")
        if request.content_type != "application/json":
            return _error(415, "bad_request", "send JSON")
        try:
            body = await request.json()
            username, password = body["username"], body["password"]
            if not isinstance(username, str) or not isinstance(password, str) or len(password) > 1024:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _error(400, "bad_request", 'send {"username": ..., "password": ...}')
        shell = shell_of(request)
        agent = await shell.store.get_agent(username[:64])
        stored_hash = agent.password_hash if agent is not None else passwords.dummy_hash
        ok = await asyncio.get_running_loop().run_in_executor(None, passwords.verify, stored_hash, password)
        if agent is None or not ok or not password:
            log.warning("console sign-in refused", extra={"user": username[:64]})
            return _error(401, "auth_failed", "wrong username or password")
        if not is_supervisor(agent.role):
            log.warning("console sign-in refused: not a supervisor", extra={"user": agent.username})
            return _error(403, "not_allowed", "the console is for supervisors and admins")
        token = new_token()
        expires_at = shell.clock() + config.console_session_ttl_s
        await shell.store.add_session(SessionRecord(token_hash(token), agent.username, expires_at))
        log.info("console signed in", extra={"user": agent.username})
        response = web.json_response(_who(agent))
        response.set_cookie(COOKIE, token, max_age=int(config.console_session_ttl_s), path=COOKIE_PATH,
                            httponly=True, samesite="Strict", secure=_secure(request, config))
        return response

    async def whoami(request: web.Request) -> web.Response:
        agent = await console_user(request, shell_of(request))
        if agent is None:
            return _error(401, "not_authenticated", "sign in")
        return web.json_response(_who(agent))

    async def sign_out(request: web.Request) -> web.Response:
        if not same_origin(request, config):
            return _error(403, "origin_not_allowed", "sign out from the console page of this server")
        token = request.cookies.get(COOKIE)
        if token:
            await shell_of(request).store.delete_session(token_hash(token))
        response = web.json_response({"signed_out": True})
        response.del_cookie(COOKIE, path=COOKIE_PATH)
        return response

    async def by_link(request: web.Request) -> web.StreamResponse:
        """A one-time link from the tray: used up at once; signs in when it is fresh and the role still fits.
        Either way the browser lands on the console page (signed in, or at its sign-in form)."""
        shell, token = shell_of(request), request.match_info["token"]
        session = await shell.store.get_session(link_hash(token))
        landing = web.HTTPSeeOther("/console/", headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
        if session is None:
            log.warning("console link refused: unknown or used")
            raise landing
        await shell.store.delete_session(link_hash(token))
        agent = await shell.store.get_agent(session.username)
        if session.expires_at <= shell.clock() or agent is None or not is_supervisor(agent.role):
            log.warning("console link refused: expired or not a supervisor", extra={"user": session.username})
            raise landing
        new = new_token()
        await shell.store.add_session(SessionRecord(token_hash(new), agent.username,
                                                    shell.clock() + config.console_session_ttl_s))
        log.info("console signed in by link", extra={"user": agent.username})
        landing.set_cookie(COOKIE, new, max_age=int(config.console_session_ttl_s), path=COOKIE_PATH, httponly=True,
                           samesite="Strict", secure=_secure(request, config))
        raise landing

    app.router.add_get("/console/link/{token:[A-Za-z0-9_-]{1,100}}", by_link)
    app.router.add_post("/console/api/session", sign_in)
    app.router.add_get("/console/api/session", whoami)
    app.router.add_delete("/console/api/session", sign_out)


def _error(status: int, code: str, detail: str) -> web.Response:
    return web.json_response({"code": code, "detail": detail}, status=status,
                             headers={"Cache-Control": "no-store"})
