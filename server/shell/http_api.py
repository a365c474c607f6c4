"""What the JSON-over-HTTP endpoints (files, cases) share: the bearer token, the signed-in agent
it stands for, and refusals as JSON ``{"code", "detail"}`` with a 4xx status."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from aiohttp import web

from onduty.server.auth import token_hash
from onduty.server.shell.hub import Hub
from onduty.server.store import AgentRecord


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


async def signed_in_agent(hub: Hub, token: str) -> AgentRecord | None:
    """The agent whose unexpired session token this is, if any."""
    session = await hub.store.get_session(token_hash(token))
    if session is None or session.expires_at <= hub.clock():
        return None
    return await hub.store.get_agent(session.username)
