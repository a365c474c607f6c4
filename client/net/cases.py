"""A typed async client for the cases JSON API under ``/api/cases`` (docs/cases.md).

Requests carry ``Authorization: Bearer <token>``, the agent's session token, read afresh for each call
(it changes when the agent signs in again). Answers become frozen values; a refusal ``{code, detail}``
becomes :class:`CaseRefused` with the server's own text, a network failure :class:`CasesUnavailable`
and an answer that does not match the contract :class:`BadCaseData` (a bug on one side).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from onduty.client.net.errors import ClientError
from onduty.client.net.files import http_base
from onduty.shared.cases import (  # re-exported: the API's vocabulary, defined once in shared
    OPEN_STATES as OPEN_STATES,
)
from onduty.shared.cases import (
    CaseState as CaseState,
)
from onduty.shared.cases import (
    ClockKind as ClockKind,
)
from onduty.shared.cases import (
    ClockStatus as ClockStatus,
)
from onduty.shared.cases import (
    Direction as Direction,
)
from onduty.shared.cases import (
    InfoKind as InfoKind,
)
from onduty.shared.cases import (
    InteractionType as InteractionType,
)
from onduty.shared.cases import (
    Priority as Priority,
)
from onduty.shared.cases import (
    SendMode as SendMode,
)

E = TypeVar("E", bound=StrEnum)




class CaseErrorCode(StrEnum):
    """The codes of the API's refusals; ``UNEXPECTED`` stands for one this client does not know."""

    NOT_AUTHENTICATED = "not_authenticated"
    NOT_ALLOWED = "not_allowed"
    BAD_REQUEST = "bad_request"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_CASE = "unknown_case"
    UNKNOWN_CHAT = "unknown_chat"
    UNKNOWN_QUEUE = "unknown_queue"
    INVALID_TRANSITION = "invalid_transition"
    ALREADY_LINKED = "already_linked"
    CONFLICT = "conflict"
    UNEXPECTED = "unexpected"


# ---- exceptions -------------------------------------------------------------------------------------


class CasesError(ClientError):
    """Root of the cases client's exceptions."""


class CaseRefused(CasesError):
    """The server refused the request; ``detail`` is its own explanation, fit to show the agent."""

    def __init__(self, status: int, code: CaseErrorCode, detail: str, linked_case: int | None = None) -> None:
        super().__init__(detail or code.value)
        self.status = status
        self.code = code
        self.detail = detail
        self.linked_case = linked_case
        """For ``already_linked``: the case the chat belongs to."""


class CasesUnavailable(CasesError):
    """No answer: the server is unreachable, timed out, or failed (5xx); the request may or may not have run."""


class BadCaseData(CasesError):
    """An answer that does not match the API contract (a bug here or on the server)."""


# ---- values -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One response-time clock as the server computed it at ``fetched_at`` (business seconds)."""

    kind: ClockKind
    status: ClockStatus
    target_s: float
    elapsed_s: float
    remaining_s: float
    due_at: float | None
    """When the target is reached if the clock keeps running (the breach instant once breached)."""
    breached_at: float | None
    warning: bool

    @property
    def breached(self) -> bool:
        return self.breached_at is not None


@dataclass(frozen=True, slots=True)
class CaseRequestor:
    name: str
    email: str | None
    phone: str | None
    verified_id: str | None


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case as the list shows it (no chats, infos, interactions, memos, history)."""

    number: int
    title: str
    description: str
    queue: str
    priority: Priority
    state: CaseState
    owner: str | None
    requestor: CaseRequestor
    created_at: float
    created_by: str
    updated_at: float
    first_response_at: float | None
    irt: SlaClock
    ort: SlaClock
    next_due_at: float | None
    sla_warning: bool
    sla_breached: bool

    @property
    def clocks(self) -> tuple[SlaClock, SlaClock]:
        return (self.irt, self.ort)


@dataclass(frozen=True, slots=True)
class CaseMessage:
    seq: int
    sender: str
    sender_name: str
    text: str
    at: float
    file_id: str | None


@dataclass(frozen=True, slots=True)
class CaseNote:
    """A memo (of a chat or of the case): internal, never shown to the customer."""

    memo_id: int
    author: str
    text: str
    at: float


@dataclass(frozen=True, slots=True)
class CaseFile:
    file_id: str
    name: str
    size: int
    content_type: str
    uploaded_by: str
    at: float


@dataclass(frozen=True, slots=True)
class CaseContext:
    kind: str
    id: str
    title: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class LinkedChat:
    chat_id: str
    queue: str
    requestor_name: str
    request_type: str
    requested_at: float
    agent: str | None
    ended_at: float | None
    linked_at: float
    linked_by: str
    context: tuple[CaseContext, ...]
    messages: tuple[CaseMessage, ...]
    memos: tuple[CaseNote, ...]
    files: tuple[CaseFile, ...]


@dataclass(frozen=True, slots=True)
class ExternalInfo:
    info_id: int
    kind: InfoKind
    author: str
    author_name: str
    text: str
    at: float
    mail: str
    """``sent``, ``outbox``, ``failed``, ``no_address`` or empty (answers)."""


@dataclass(frozen=True, slots=True)
class NewInteraction:
    """A phone call or e-mail to document (Option B of seed 003)."""

    type: InteractionType
    direction: Direction
    contact: str
    summary: str
    started_at: float
    ended_at: float


@dataclass(frozen=True, slots=True)
class InteractionRecord:
    interaction_id: int
    type: InteractionType
    direction: Direction
    contact: str
    summary: str
    started_at: float
    ended_at: float
    author: str
    at: float


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: float
    actor: str
    what: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class SlaEvent:
    clock: str
    kind: str
    at: float


@dataclass(frozen=True, slots=True)
class Case(CaseSummary):
    """A whole case (``GET /api/cases/{number}`` and every change's answer)."""

    chats: tuple[LinkedChat, ...]
    external_infos: tuple[ExternalInfo, ...]
    interactions: tuple[InteractionRecord, ...]
    memos: tuple[CaseNote, ...]
    history: tuple[HistoryEntry, ...]
    sla_events: tuple[SlaEvent, ...]


@dataclass(frozen=True, slots=True)
class CaseList:
    cases: tuple[CaseSummary, ...]
    now: float
    """The server's time when it computed the clocks."""


class Scope(StrEnum):
    QUEUES = "queues"
    """The cases of all my queues."""
    MINE = "mine"
    """The cases I own."""


class SlaFilter(StrEnum):
    WARNING = "warning"
    BREACHED = "breached"
    ANY = "any"


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""``change(owner=KEEP)``: leave the owner as it is (``None`` removes the owner)."""


# ---- the client ------------------------------------------------------------------------------------------


class CasesClient:
    """Calls ``/api/cases`` on the server at ``server`` (``ws://`` or ``http://`` address) as one agent.

    ``token`` is asked for the session token on every call, so a client built at sign-in keeps working
    after the app signed in again. Each call opens its own short HTTP session: nothing to close.
    """

    def __init__(self, server: str, token: Callable[[], str | None], *, time_limit: float = 30.0) -> None:
        self.base = http_base(server)
        self._token = token
        self._time_limit = time_limit

    async def list_cases(
        self, *, scope: Scope = Scope.QUEUES, queue: str | None = None,
        states: Sequence[CaseState] | None = None, due_before: float | None = None, sla: SlaFilter | None = None,
        sort_by_due: bool = True, limit: int = 100,
    ) -> CaseList:
        """Cases of my queues (or mine); ``states=None`` means the open ones, ``()`` every state."""
        query: dict[str, str] = {"scope": scope.value, "limit": str(limit)}
        if queue is not None:
            query["queue"] = queue
        if states is not None:
            query["state"] = ",".join(s.value for s in states) if states else "all"
        if due_before is not None:
            query["due_before"] = repr(float(due_before))
        if sla is not None:
            query["sla"] = sla.value
        if sort_by_due:
            query["sort"] = "due"
        body = await self._call("GET", "/api/cases", query=query)
        try:
            return CaseList(tuple(_summary(_Obj(c)) for c in _Obj(body).items("cases")), _Obj(body).num("now"))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadCaseData(f"unexpected case list: {exc}") from exc

    async def get(self, number: int) -> Case:
        return _case(await self._call("GET", f"/api/cases/{int(number)}"))

    async def by_chat(self, chat_id: str) -> Case | None:
        """The case ``chat_id`` is part of, or None if it is part of none."""
        try:
            return _case(await self._call("GET", f"/api/cases/by-chat/{quote(chat_id, safe='')}"))
        except CaseRefused as exc:
            if exc.code is CaseErrorCode.UNKNOWN_CASE:
                return None
            raise

    async def create_from_chat(self, chat_id: str, *, title: str | None = None, description: str | None = None,
                               priority: Priority | None = None) -> Case:
        """A new case with the chat's transcript, context, memos and files (the chat must be in no case yet)."""
        body: dict[str, Any] = {"chat_id": chat_id}
        if title:
            body["title"] = title
        if description:
            body["description"] = description
        if priority is not None:
            body["priority"] = priority.value
        return _case(await self._call("POST", "/api/cases", body))

    async def create(self, queue: str, title: str, requestor_name: str, *, email: str | None = None,
                     phone: str | None = None, description: str = "", priority: Priority = Priority.MEDIUM) -> Case:
        """A case without a chat (e.g. after a phone call)."""
        requestor = {"name": requestor_name}
        requestor.update({k: v for k, v in (("email", email), ("phone", phone)) if v})
        body: dict[str, Any] = {"queue": queue, "title": title, "requestor": requestor, "priority": priority.value}
        if description:
            body["description"] = description
        return _case(await self._call("POST", "/api/cases", body))

    async def attach_chat(self, number: int, chat_id: str) -> Case:
        return _case(await self._call("POST", f"/api/cases/{int(number)}/chats", {"chat_id": chat_id}))

    async def change(self, number: int, *, state: CaseState | None = None, priority: Priority | None = None,
                     owner: str | _Keep | None = KEEP) -> Case:
        """Several fields change together (all or nothing)."""
        body: dict[str, Any] = {}
        if state is not None:
            body["state"] = state.value
        if priority is not None:
            body["priority"] = priority.value
        if owner is not KEEP:
            body["owner"] = owner
        return _case(await self._call("PATCH", f"/api/cases/{int(number)}", body))

    async def send_external_info(self, number: int, text: str, mode: SendMode) -> Case:
        """Tell the customer (page and e-mail): Save keeps the state, Save Reply makes it Awaiting Info."""
        return _case(await self._call("POST", f"/api/cases/{int(number)}/external-infos",
                                      {"text": text, "mode": mode.value}))

    async def add_interaction(self, number: int, record: NewInteraction) -> Case:
        body = {"type": record.type.value, "direction": record.direction.value, "contact": record.contact,
                "summary": record.summary, "started_at": record.started_at, "ended_at": record.ended_at}
        return _case(await self._call("POST", f"/api/cases/{int(number)}/interactions", body))

    async def add_memo(self, number: int, text: str) -> Case:
        return _case(await self._call("POST", f"/api/cases/{int(number)}/memos", {"text": text}))

    async def customer_link(self, number: int) -> str:
        """A new link to the case page for the customer (every link of a case stays valid)."""
        body = await self._call("POST", f"/api/cases/{int(number)}/customer-link")
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise BadCaseData("customer-link answered without a url")
        return url

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
                    query: Mapping[str, str] | None = None) -> dict[str, Any]:
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
        return _answer(status, raw)


def _answer(status: int, raw: bytes) -> dict[str, Any]:
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


# ---- parsing ----------------------------------------------------------------------------------------------


class _Obj:
    """Typed reads from one JSON object; a missing key or wrong type raises (-> BadCaseData)."""

    def __init__(self, data: object) -> None:
        if not isinstance(data, dict):
            raise TypeError(f"expected an object, got {type(data).__name__}")
        self.d: dict[str, Any] = data

    def text(self, key: str) -> str:
        value = self.d[key]
        if not isinstance(value, str):
            raise TypeError(f"{key} is not a string")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.d.get(key) is None else self.text(key)

    def num(self, key: str) -> float:
        value = self.d[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{key} is not a number")
        return float(value)

    def opt_num(self, key: str) -> float | None:
        return None if self.d.get(key) is None else self.num(key)

    def whole(self, key: str) -> int:
        value = self.d[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{key} is not an integer")
        return value

    def flag(self, key: str) -> bool:
        value = self.d[key]
        if not isinstance(value, bool):
            raise TypeError(f"{key} is not a boolean")
        return value

    def enum(self, key: str, kind: type[E]) -> E:
        return kind(self.text(key))

    def obj(self, key: str) -> _Obj:
        return _Obj(self.d[key])

    def items(self, key: str) -> list[Any]:
        value = self.d[key]
        if not isinstance(value, list):
            raise TypeError(f"{key} is not a list")
        return value


def _clock(kind: ClockKind, o: _Obj) -> SlaClock:
    return SlaClock(kind, o.enum("status", ClockStatus), o.num("target_s"), o.num("elapsed_s"), o.num("remaining_s"),
                    o.opt_num("due_at"), o.opt_num("breached_at"), o.flag("warning"))


def _summary_fields(o: _Obj) -> dict[str, Any]:
    r, sla = o.obj("requestor"), o.obj("sla")
    return {
        "number": o.whole("number"), "title": o.text("title"), "description": o.text("description"),
        "queue": o.text("queue"), "priority": o.enum("priority", Priority), "state": o.enum("state", CaseState),
        "owner": o.opt_text("owner"),
        "requestor": CaseRequestor(r.text("name"), r.opt_text("email"), r.opt_text("phone"), r.opt_text("verified_id")),
        "created_at": o.num("created_at"), "created_by": o.text("created_by"), "updated_at": o.num("updated_at"),
        "first_response_at": o.opt_num("first_response_at"),
        "irt": _clock(ClockKind.IRT, sla.obj("irt")), "ort": _clock(ClockKind.ORT, sla.obj("ort")),
        "next_due_at": o.opt_num("next_due_at"), "sla_warning": o.flag("sla_warning"),
        "sla_breached": o.flag("sla_breached"),
    }


def _summary(o: _Obj) -> CaseSummary:
    return CaseSummary(**_summary_fields(o))


def _note(o: _Obj) -> CaseNote:
    return CaseNote(o.whole("memo_id"), o.text("author"), o.text("text"), o.num("at"))


def _chat(o: _Obj) -> LinkedChat:
    return LinkedChat(
        chat_id=o.text("chat_id"), queue=o.text("queue"), requestor_name=o.text("requestor_name"),
        request_type=o.text("request_type"), requested_at=o.num("requested_at"), agent=o.opt_text("agent"),
        ended_at=o.opt_num("ended_at"), linked_at=o.num("linked_at"), linked_by=o.text("linked_by"),
        context=tuple(CaseContext(c.text("kind"), c.text("id"), c.text("title"),
                                  {str(k): str(v) for k, v in c.obj("fields").d.items()})
                      for c in map(_Obj, o.items("context"))),
        messages=tuple(CaseMessage(m.whole("seq"), m.text("sender"), m.text("sender_name"), m.text("text"), m.num("at"),
                                   m.opt_text("file_id")) for m in map(_Obj, o.items("messages"))),
        memos=tuple(_note(m) for m in map(_Obj, o.items("memos"))),
        files=tuple(CaseFile(f.text("file_id"), f.text("name"), f.whole("size"), f.text("content_type"),
                             f.text("uploaded_by"), f.num("at")) for f in map(_Obj, o.items("files"))),
    )


def _case(data: dict[str, Any]) -> Case:
    try:
        o = _Obj(data)
        return Case(
            **_summary_fields(o),
            chats=tuple(_chat(c) for c in map(_Obj, o.items("chats"))),
            external_infos=tuple(
                ExternalInfo(i.whole("info_id"), i.enum("kind", InfoKind), i.text("author"), i.text("author_name"),
                             i.text("text"), i.num("at"), i.text("mail"))
                for i in map(_Obj, o.items("external_infos"))),
            interactions=tuple(
                InteractionRecord(i.whole("interaction_id"), i.enum("type", InteractionType),
                                  i.enum("direction", Direction), i.text("contact"), i.text("summary"),
                                  i.num("started_at"), i.num("ended_at"), i.text("author"), i.num("at"))
                for i in map(_Obj, o.items("interactions"))),
            memos=tuple(_note(m) for m in map(_Obj, o.items("memos"))),
            history=tuple(HistoryEntry(h.num("at"), h.text("actor"), h.text("what"), h.text("old"), h.text("new"))
                          for h in map(_Obj, o.items("history"))),
            sla_events=tuple(SlaEvent(e.text("clock"), e.text("kind"), e.num("at"))
                             for e in map(_Obj, o.items("sla_events"))),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadCaseData(f"unexpected case: {exc!r}") from exc
