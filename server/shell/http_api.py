"""What the JSON-over-HTTP endpoints (files, cases) share: the bearer token, the signed-in agent
it stands for, and refusals as JSON ``{"code", "detail"}`` with a 4xx status.

:func:`json_errors` is the one place that turns everything else under ``/api/`` into that shape:
a refused value from :mod:`onduty.server.inbound` (400 ``invalid_value``), an unknown route (404
``unknown_route``), a wrong method (405 ``method_not_allowed``), a body over the size limit (413
``bad_request``) and, as the last resort for our own bugs, 500 ``internal`` (logged with its
traceback). No client ever sees aiohttp's plain-text pages there."""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from onduty.server.auth import token_hash
from onduty.server.inbound import InvalidValue
from onduty.server.shell.wiring import Shell
from onduty.server.store import AgentRecord

log = logging.getLogger(__name__)
API_PREFIX = "/api/"


class HttpError(StrEnum):
    """Codes :func:`json_errors` answers with (the endpoints' own codes are in their modules)."""

    INVALID_VALUE = "invalid_value"
    BAD_REQUEST = "bad_request"
    UNKNOWN_ROUTE = "unknown_route"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INTERNAL = "internal"


class Refused(web.HTTPClientError):
    """A 4xx answer whose status is set per instance."""

    def __init__(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        super().__init__(text=body, content_type="application/json", headers=headers)


def refused(status: int, code: StrEnum, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> Refused:
    """The exception to raise; the caller logs it in its own words."""
    return Refused(status, json.dumps({"code": code.value, "detail": detail, **extra}), headers)


def bearer_token(request: web.Request) -> str:
    """The token of ``Authorization: Bearer <token>``, or ``""``."""
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


async def signed_in_agent(shell: Shell, token: str) -> AgentRecord | None:
    """The agent whose unexpired session token this is, if any."""
    session = await shell.store.get_session(token_hash(token))
    if session is None or session.expires_at <= shell.clock():
        return None
    return await shell.store.get_agent(session.username)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer under ``/api/`` that is not the handler's own is JSON ``{"code", "detail"}``."""
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except Refused:
        raise
    except InvalidValue as exc:
        log.info("http request refused", extra={"path": _path(request), "detail": str(exc)})
        raise refused(400, HttpError.INVALID_VALUE, str(exc)) from None
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        raise refused(405, HttpError.METHOD_NOT_ALLOWED, f"{request.method} is not allowed here; allowed: {allowed}",
                      {"Allow": allowed}) from None
    except web.HTTPNotFound:
        raise refused(404, HttpError.UNKNOWN_ROUTE, f"no such endpoint: {_path(request)}") from None
    except web.HTTPRequestEntityTooLarge:
        raise refused(413, HttpError.BAD_REQUEST, "the body is too large") from None
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        code = HttpError.INTERNAL if exc.status >= 500 else HttpError.BAD_REQUEST
        return web.json_response({"code": code.value, "detail": exc.reason}, status=exc.status)
    except Exception:
        log.exception("http request failed", extra={"path": _path(request), "method": request.method})
        body = json.dumps({"code": HttpError.INTERNAL.value, "detail": "the server failed; it is logged"})
        return web.Response(status=500, text=body, content_type="application/json")


def add_json_errors(app: web.Application) -> None:
    """Install :func:`json_errors` (once, however many route groups ask for it)."""
    if json_errors not in app.middlewares:
        app.middlewares.append(json_errors)


def _path(request: web.Request) -> str:
    return request.raw_path[:200]
