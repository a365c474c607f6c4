"""The cases client's transport: one JSON request over HTTP with the agent's bearer token.

Each call opens its own short HTTP session (nothing to close) and reads the session token afresh
(it changes when the agent signs in again). A 2xx answer must be a JSON object; a refusal
``{code, detail}`` becomes :class:`CaseRefused` with the server's own text; no answer, a 5xx or a
refusal that is not JSON becomes :class:`CasesUnavailable`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from onduty.client.net.cases.errors import BadCaseData, CaseErrorCode, CaseRefused, CasesUnavailable
from onduty.client.net.files import http_base


class CasesHttp:
    """Calls paths under the server at ``server`` (``ws://`` or ``http://`` address) as one agent."""

    def __init__(self, server: str, token: Callable[[], str | None], time_limit: float) -> None:
        self.base = http_base(server)
        self._token = token
        self._time_limit = time_limit

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None,
                   query: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The answer's JSON object; raises a :class:`CasesError` instead of answering with anything else."""
        token = self._token()
        if not token:
            raise CaseRefused(401, CaseErrorCode.NOT_AUTHENTICATED, "Sign in first.")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._time_limit)) as http, \
                    http.request(method, self.base + path, json=body, params=query, headers=headers) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise CasesUnavailable(f"cannot reach the server at {self.base}: {exc or type(exc).__name__}") from exc
        return read_answer(status, raw)


def read_answer(status: int, raw: bytes) -> dict[str, Any]:
    """An HTTP answer's body as a JSON object, or the exception its status and body stand for."""
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if 200 <= status < 300:
        if not isinstance(data, dict):
            raise BadCaseData(f"HTTP {status} without a JSON object")
        return data
    if status >= 500 or not isinstance(data, dict):
        raise CasesUnavailable(f"the server failed (HTTP {status})")
    try:
        code = CaseErrorCode(str(data.get("code")))
    except ValueError:
        code = CaseErrorCode.UNEXPECTED
    detail = str(data.get("detail") or data.get("code") or f"HTTP {status}")
    linked = data.get("case")
    raise CaseRefused(status, code, detail, linked if isinstance(linked, int) else None)
