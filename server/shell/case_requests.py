"""Requests to the cases API: typed refusals (JSON ``{"code", "detail"}``) and body parsing."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NoReturn, Protocol, TypeVar

from aiohttp import web

from onduty.server import inbound
from onduty.server.shell.http_api import refused
from onduty.server.shell.wiring import Shell

log = logging.getLogger(__name__)


E = TypeVar("E", bound=StrEnum)
MAX_TEXT = inbound.MAX_TEXT


class HasApp(Protocol):
    @property
    def app(self) -> web.Application: ...


ShellOf = Callable[[HasApp], Shell]


@dataclass(frozen=True, slots=True)
class AppRef:
    app: web.Application


class ApiError(StrEnum):
    """Codes of the cases API's JSON refusals (see docs/cases.md)."""

    NOT_AUTHENTICATED = "not_authenticated"
    NOT_ALLOWED = "not_allowed"
    BAD_REQUEST = "bad_request"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_CASE = "unknown_case"
    UNKNOWN_CHAT = "unknown_chat"
    UNKNOWN_QUEUE = "unknown_queue"
    INVALID_TRANSITION = "invalid_transition"
    """The case rules do not allow it (e.g. a closed case, Save Reply on a solved one)."""
    ALREADY_LINKED = "already_linked"
    CONFLICT = "conflict"


def refuse(status: int, code: ApiError, detail: str, **extra: Any) -> NoReturn:
    log.info("case request refused", extra={"status": status, "code": code.value, "detail": detail[:200]})
    raise refused(status, code, detail, **extra)


# ---- request bodies --------------------------------------------------------------------------


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


async def read_body(request: web.Request, allowed: frozenset[str]) -> dict[str, Any]:
    """The JSON object of the body: strict UTF-8 whatever the charset header says, no NaN or
    Infinity, no fields but ``allowed``. Too deep nesting is refused like any other bad JSON."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        refuse(413, ApiError.BAD_REQUEST, "the body is too large")
    try:
        data = json.loads(inbound.decode(raw, "body"), parse_constant=_no_constant)
    except inbound.InvalidValue as exc:
        refuse(400, ApiError.BAD_REQUEST, f"send a JSON object in UTF-8 ({exc.detail})")
    except (ValueError, RecursionError):
        refuse(400, ApiError.BAD_REQUEST, "send a JSON object")
    if not isinstance(data, dict):
        refuse(400, ApiError.BAD_REQUEST, "send a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        refuse(400, ApiError.BAD_REQUEST, f"unknown field(s): {inbound.printable(', '.join(unknown))}")
    return data


def text_field(body: dict[str, Any], key: str, max_len: int = MAX_TEXT, default: str | None = None,
               one_line: bool = False) -> str:
    """A text field (see :mod:`onduty.server.inbound`); with a ``default`` it may be missing or empty."""
    value = body.get(key, default)
    if value is None:
        refuse(400, ApiError.BAD_REQUEST, f"{key} is required")
    check = inbound.line if one_line else inbound.text
    try:
        return check(value, key, max_len=max_len, required=default is None)
    except inbound.InvalidValue as exc:
        refuse(400, ApiError.INVALID_VALUE, str(exc))


def line_field(body: dict[str, Any], key: str, max_len: int = inbound.MAX_LINE, default: str | None = None) -> str:
    """A one-line text field: a title, a name, an address, a queue, a chat id."""
    return text_field(body, key, max_len, default, one_line=True)


def checked(value: object, key: str, max_len: int = inbound.MAX_LINE) -> str:
    """A one-line text from a query string or a path, e.g. a queue or a chat id."""
    try:
        return inbound.line(value, key, max_len=max_len)
    except inbound.InvalidValue as exc:
        refuse(400, ApiError.INVALID_VALUE, str(exc))


def enum_field(body: dict[str, Any], key: str, kind: type[E], default: E | None = None) -> E:
    value = body.get(key)
    if value is None and default is not None:
        return default
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        refuse(400, ApiError.INVALID_VALUE, f"{key} must be one of {', '.join(m.value for m in kind)}")


def time_field(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e11:
        refuse(400, ApiError.INVALID_VALUE, f"{key} must be a time in seconds since 1970")
    return float(value)
