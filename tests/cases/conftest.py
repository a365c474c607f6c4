"""A real server on loopback (the server tests' harness, injected clock) and a small JSON client for /api/cases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from onduty.shared.messages import AgentJoined, ChatAssigned, ChatMessage, LoginOk, MemoSaved, SaveMemo, Send, Sent

from ..server.conftest import agent_on_duty, request
from ..server.harness import Harness, Wire

# 1_800_000_000 is Friday 2027-01-15 09:00 in Berlin: queue cim-emea (region EMEA) is open till 17:00.
START = 1_800_000_000.0


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data", public_url="https://chat.example.com")
    await h.seed()
    await h.start()
    yield h
    await h.close()


class Api:
    """Calls /api/cases as one agent; every answer is (status, JSON)."""

    def __init__(self, h: Harness, token: str | None) -> None:
        self.h, self.token = h, token

    async def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        assert self.h.session is not None
        sent = dict(headers or {})
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        kwargs: dict[str, Any] = {"headers": sent}
        if raw is not None:
            kwargs["data"] = raw
        elif body is not None:
            kwargs["json"] = body
        async with self.h.session.request(method, self.h.url(path), **kwargs) as resp:
            assert resp.content_type == "application/json", await resp.text()
            return resp.status, await resp.json()

    async def get(self, path: str) -> tuple[int, Any]:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.call("POST", path, body)

    async def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return await self.call("PATCH", path, body)


async def login(h: Harness, username: str) -> tuple[Wire, Api]:
    wire, ok = await agent_on_duty(h, username)
    assert isinstance(ok, LoginOk)
    return wire, Api(h, ok.token)


async def chat_with_memo(h: Harness, ann: Wire, **fields: object) -> str:
    """Rita asks in cim-emea (with an order as context), Ann answers and saves a memo; returns the chat id."""
    rita, requested = await request(h, email="rita@example.com", **fields)
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    await ann.send(Send(chat_id=requested.chat_id, client_msg_id="a1", text="Hello, I am Ann from CIM EMEA"))
    await ann.until(Sent)
    await ann.send(SaveMemo(chat_id=requested.chat_id, text="Requestor: Rita\nAction Taken: triggered QM"))
    await ann.until(MemoSaved)
    return requested.chat_id


def outbox(h: Harness) -> list[EmailMessage]:
    folder = h.config.outbox_dir
    files = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]
    return [m for m in mails if isinstance(m, EmailMessage)]


# ---- raw HTTP (bad input) ------------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def raw_call(h: Harness, method: str, path: str, token: str | None = None, data: bytes | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """One request with ``path`` sent exactly as written (``%00`` stays ``%00``): status, type, body."""
    assert h.session is not None and h.server is not None
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    url = h.server.make_url(URL(path, encoded=True))
    async with h.session.request(method, url, data=data, headers=sent, allow_redirects=False) as resp:
        return resp.status, resp.content_type, await resp.read()


def json_error(status: int, content_type: str, body: bytes) -> dict[str, Any]:
    assert content_type == "application/json", (status, body[:200])
    error = json.loads(body)
    assert isinstance(error, dict) and isinstance(error.get("code"), str) and error.get("detail"), error
    return error


async def one_case(api: Api) -> int:
    status, case = await api.post("/api/cases", {"queue": "cim-emea", "title": "A case",
                                                 "requestor": {"name": "Paul", "email": "paul@example.com"}})
    assert status == 201
    number = case["number"]
    assert isinstance(number, int)
    return number


async def customer_path(api: Api, number: int) -> str:
    status, link = await api.post(f"/api/cases/{number}/customer-link")
    assert status == 201
    path = link["url"].removeprefix("https://chat.example.com")
    assert isinstance(path, str)
    return path
