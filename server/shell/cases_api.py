"""The cases JSON API under ``/api/cases`` (agent-authenticated), the customer page and the SLA watch.

Every endpoint takes ``Authorization: Bearer <token>`` (the agent's session token from ``login_ok``)
and works on cases of the agent's queues only. Refusals are JSON ``{"code", "detail"}`` with a 4xx
status and a log line; bad input never becomes a 500. See docs/cases.md for every endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, NoReturn, Protocol, TypeVar

from aiohttp import web

from onduty.server.auth import new_token, token_hash
from onduty.server.config import ServerConfig
from onduty.server.core import cases as rules
from onduty.server.core.cases import (
    OPEN_STATES,
    Case,
    CaseHead,
    CaseRuleError,
    CaseState,
    Change,
    Direction,
    Interaction,
    InteractionType,
    Priority,
    Requestor,
    SendMode,
)
from onduty.server.core.sla import ClockKind, ClockStatus, SlaClock, SlaPolicy, Timeline, clocks
from onduty.server.shell.case_page import add_case_page_routes
from onduty.server.shell.hub import Hub
from onduty.server.shell.mailer import Mail, Mailer, MailStatus, public_base
from onduty.server.store import AgentRecord, Store, StoreError
from onduty.server.store.sql_cases import CaseDetail, NewCase
from onduty.server.store.sqlite_cases import CaseStoreMixin, case_store
from onduty.shared.types import CallbackInfo

log = logging.getLogger(__name__)
E = TypeVar("E", bound=StrEnum)
MAX_TEXT = 8000
SWEEP_S = 30.0


class HasApp(Protocol):
    @property
    def app(self) -> web.Application: ...


HubOf = Callable[[HasApp], Hub]


@dataclass(frozen=True, slots=True)
class _AppRef:
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


class Refused(web.HTTPClientError):
    def __init__(self, status: int, body: str) -> None:
        self.status_code = status
        super().__init__(text=body, content_type="application/json")


def refuse(status: int, code: ApiError, detail: str, **extra: Any) -> NoReturn:
    log.info("case request refused", extra={"status": status, "code": code.value, "detail": detail[:200]})
    raise Refused(status, json.dumps({"code": code.value, "detail": detail, **extra}))


# ---- request bodies --------------------------------------------------------------------------


async def _body(request: web.Request, allowed: frozenset[str]) -> dict[str, Any]:
    try:
        data = await request.json()
    except web.HTTPRequestEntityTooLarge:
        refuse(413, ApiError.BAD_REQUEST, "the body is too large")
    except (ValueError, UnicodeDecodeError):
        refuse(400, ApiError.BAD_REQUEST, "send a JSON object")
    if not isinstance(data, dict):
        refuse(400, ApiError.BAD_REQUEST, "send a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        refuse(400, ApiError.BAD_REQUEST, f"unknown field(s): {', '.join(unknown)[:200]}")
    return data


def _text(body: dict[str, Any], key: str, max_len: int = MAX_TEXT, default: str | None = None) -> str:
    value = body.get(key, default)
    if value is None:
        refuse(400, ApiError.BAD_REQUEST, f"{key} is required")
    if not isinstance(value, str):
        refuse(400, ApiError.INVALID_VALUE, f"{key} must be a string")
    value = value.strip()
    if (not value and default is None) or len(value) > max_len:
        refuse(400, ApiError.INVALID_VALUE, f"{key} needs 1 to {max_len} characters")
    return value


def _enum(body: dict[str, Any], key: str, kind: type[E], default: E | None = None) -> E:
    value = body.get(key)
    if value is None and default is not None:
        return default
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        refuse(400, ApiError.INVALID_VALUE, f"{key} must be one of {', '.join(m.value for m in kind)}")


def _time(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e11:
        refuse(400, ApiError.INVALID_VALUE, f"{key} must be a time in seconds since 1970")
    return float(value)


# ---- policy, views ------------------------------------------------------------------------------


async def policy_for(store: CaseStoreMixin, queue: str, config: ServerConfig) -> SlaPolicy:
    hours, targets = await store.sla_settings(queue)
    return SlaPolicy(hours=hours, targets=targets, warn_before_s=config.sla_warn_before_s)


class _Policies:
    """Policies looked up once per request or sweep."""

    def __init__(self, store: CaseStoreMixin, config: ServerConfig) -> None:
        self._store, self._config, self._cache = store, config, dict[str, SlaPolicy]()

    async def get(self, queue: str) -> SlaPolicy:
        if queue not in self._cache:
            self._cache[queue] = await policy_for(self._store, queue, self._config)
        return self._cache[queue]


def _clocks(case: Case, timeline: Timeline, policy: SlaPolicy, now: float) -> tuple[SlaClock, SlaClock]:
    return clocks(timeline, case.head.priority, policy, now)



def clock_json(c: SlaClock) -> dict[str, Any]:
    return {"status": c.status.value, "target_s": c.target_s, "elapsed_s": c.elapsed_s,
            "remaining_s": c.remaining_s, "due_at": c.due_at, "breached_at": c.breached_at, "warning": c.warning}


def next_due(sla: tuple[SlaClock, SlaClock]) -> float | None:
    """When the next running clock reaches its target (in the past if one is breached)."""
    dues = [c.due_at for c in sla if c.status is ClockStatus.RUNNING and c.due_at is not None]
    return min(dues) if dues else None


def case_json(case: Case, sla: tuple[SlaClock, SlaClock]) -> dict[str, Any]:
    r = case.requestor
    return {
        "number": case.number, "title": case.title, "description": case.description, "queue": case.head.queue,
        "priority": case.head.priority.value, "state": case.head.state.value, "owner": case.head.owner,
        "requestor": {"name": r.name, "email": r.email, "phone": r.phone, "verified_id": r.verified_id},
        "site": case.site, "callback_id": case.callback_id, "created_at": case.created_at,
        "created_by": case.created_by, "updated_at": case.updated_at, "first_response_at": case.first_response_at,
        "sla": {c.kind.value: clock_json(c) for c in sla}, "next_due_at": next_due(sla),
        "sla_warning": any(c.warning for c in sla), "sla_breached": any(c.breached_at is not None for c in sla),
    }


def detail_json(detail: CaseDetail, sla: tuple[SlaClock, SlaClock]) -> dict[str, Any]:
    out = case_json(detail.case, sla)
    out["chats"] = [{
        "chat_id": ch.record.chat_id, "queue": ch.record.queue, "requestor_name": ch.record.requestor_name,
        "request_type": ch.record.request_type.value, "requested_at": ch.record.requested_at,
        "agent": ch.record.agent, "ended_at": ch.record.ended_at, "linked_at": ch.linked_at,
        "linked_by": ch.linked_by,
        "context": [{"kind": c.kind, "id": c.id, "title": c.title, "fields": c.fields} for c in ch.record.context],
        "messages": [{"seq": m.seq, "sender": m.sender.value, "sender_name": m.sender_name, "text": m.text,
                      "at": m.at, "file_id": m.file.file_id if m.file else None} for m in ch.messages],
        "memos": [{"memo_id": m.memo_id, "author": m.author, "text": m.text, "at": m.at} for m in ch.memos],
        "files": [{"file_id": f.file_id, "name": f.name, "size": f.size, "content_type": f.content_type,
                   "uploaded_by": f.uploaded_by, "at": f.at, "url": f"/api/files/{f.file_id}"} for f in ch.files],
    } for ch in detail.chats]
    out["external_infos"] = [{"info_id": i.info_id, "kind": i.kind.value, "author": i.author,
                              "author_name": i.author_name, "text": i.text, "at": i.at, "mail": i.mail}
                             for i in detail.infos]
    out["interactions"] = [interaction_json(i) for i in detail.interactions]
    out["memos"] = [{"memo_id": m.memo_id, "author": m.author, "text": m.text, "at": m.at} for m in detail.memos]
    out["history"] = [{"at": h.at, "actor": h.actor, "what": h.what, "old": h.old, "new": h.new}
                      for h in detail.history]
    out["sla_events"] = [{"clock": e.clock, "kind": e.kind, "at": e.at, "recorded_at": e.recorded_at}
                         for e in detail.sla_events]
    return out


def interaction_json(i: Interaction) -> dict[str, Any]:
    return {"interaction_id": i.interaction_id, "type": i.type.value, "direction": i.direction.value,
            "contact": i.contact, "summary": i.summary, "started_at": i.started_at, "ended_at": i.ended_at,
            "author": i.author, "at": i.at}


# ---- callbacks become cases -------------------------------------------------------------------------


async def case_from_callback(store: Store, callback: CallbackInfo, callback_id: int, now: float) -> Case | None:
    """Turn a callback / e-mail request left in the widget into a New case of its queue (seed 004).

    Never raises: the request is already stored, and the conversion at startup retries what failed.
    """
    try:
        cases = case_store(store)
        kind = "Call-back request" if callback.phone else "E-mail request"
        first_line = callback.text.strip().splitlines()[0][:120] if callback.text.strip() else ""
        context = "".join(f"\n{c.kind} {c.id} {c.title}".rstrip() for c in callback.context)
        chat_id = callback.chat_id
        if chat_id is not None and await cases.case_of_chat(chat_id) is not None:
            chat_id = None
        case = await cases.create_case(NewCase(
            title=f"{kind}: {first_line}" if first_line else f"{kind} from {callback.name}",
            description=callback.text + context, queue=callback.queue, priority=Priority.MEDIUM,
            requestor=Requestor(callback.name, callback.email, callback.phone, callback.verified_id),
            created_by=rules.SYSTEM, at=now, source=f"callback:{callback_id}", chat_id=chat_id,
            callback_id=callback_id, site=await cases.callback_site(callback_id),
        ), token_hash(new_token()))
    except (StoreError, TypeError) as exc:
        log.error("callback request not turned into a case", extra={"callback_id": callback_id, "error": str(exc)})
        return None
    log.info("callback request became a case", extra={"callback_id": callback_id, "case": case.number})
    return case


async def convert_callbacks(store: Store, now: float) -> int:
    """Cases for every callback request that has none yet (those stored before cases existed)."""
    made = 0
    for callback_id, callback in await case_store(store).callbacks_without_case():
        made += await case_from_callback(store, callback, callback_id, now) is not None
    return made


# ---- SLA watch ----------------------------------------------------------------------------------------


class SlaWatch:
    """Records SLA warnings and breaches of open cases (each once per case and clock)."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    async def sweep(self) -> list[tuple[int, ClockKind, str]]:
        """Look at every open case now; return what was newly recorded as (case, clock, kind)."""
        hub = self._hub
        store, now = case_store(hub.store), hub.clock()
        policies = _Policies(store, hub.config)
        recorded = []
        for case, timeline in await store.open_cases():
            for c in _clocks(case, timeline, await policies.get(case.head.queue), now):
                kind, at = ("breach", c.breached_at) if c.breached_at is not None else ("warning", now)
                if (c.breached_at is None and not c.warning) or at is None:
                    continue
                if await store.record_sla_event(case.number, c.kind, kind, at, now):
                    recorded.append((case.number, c.kind, kind))
                    log.warning("case SLA %s", kind, extra={"case": case.number, "clock": c.kind.value,
                                                           "queue": case.head.queue, "owner": case.head.owner})
        return recorded

    async def run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # our bug; the watch must outlive it
                log.exception("SLA sweep failed")
            await asyncio.sleep(SWEEP_S)


SLA_WATCH = web.AppKey("sla_watch", SlaWatch)


# ---- routes ---------------------------------------------------------------------------------------------


def add_case_routes(app: web.Application, config: ServerConfig, hub_of: HubOf) -> None:
    """The cases API, the customer page ``/case/{token}`` and the SLA watch (started with the app)."""
    mailer = Mailer(config)

    async def agent(request: web.Request) -> tuple[Hub, CaseStoreMixin, AgentRecord]:
        hub = hub_of(request)
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not token:
            refuse(401, ApiError.NOT_AUTHENTICATED, "send Authorization: Bearer <token>")
        session = await hub.store.get_session(token_hash(token))
        record = None if session is None or session.expires_at <= hub.clock() else (
            await hub.store.get_agent(session.username))
        if record is None:
            refuse(401, ApiError.NOT_AUTHENTICATED, "the token is unknown or expired: sign in again")
        return hub, case_store(hub.store), record

    async def own_case(request: web.Request) -> tuple[Hub, CaseStoreMixin, AgentRecord, Case]:
        hub, store, me = await agent(request)
        try:
            number = int(request.match_info["number"])
        except ValueError:
            refuse(404, ApiError.UNKNOWN_CASE, "no such case")
        case = await store.get_case(number)
        if case is None:
            refuse(404, ApiError.UNKNOWN_CASE, f"no case {number}")
        if case.head.queue not in me.queues:
            refuse(403, ApiError.NOT_ALLOWED, f"case {number} is not in your queues")
        return hub, store, me, case

    async def full(hub: Hub, store: CaseStoreMixin, number: int, status: int = 200) -> web.Response:
        detail = await store.case_detail(number)
        assert detail is not None  # cases are never deleted
        policy = await policy_for(store, detail.case.head.queue, config)
        sla = clocks(detail.timeline, detail.case.head.priority, policy, hub.clock())
        return web.json_response(detail_json(detail, sla), status=status)

    async def list_cases(request: web.Request) -> web.Response:
        hub, store, me = await agent(request)
        q = request.query
        scope = q.get("scope", "queues")
        if scope not in ("mine", "queues"):
            refuse(400, ApiError.INVALID_VALUE, "scope must be mine or queues")
        queues = list(me.queues)
        if "queue" in q:
            if q["queue"] not in me.queues:
                refuse(403, ApiError.NOT_ALLOWED, "not one of your queues")
            queues = [q["queue"]]
        try:
            raw_states = q.get("state", "open")
            states = ([] if raw_states == "all" else sorted(OPEN_STATES) if raw_states == "open"
                      else [CaseState(s) for s in raw_states.split(",")])
            due_before = float(q["due_before"]) if "due_before" in q else None
            limit = int(q.get("limit", "100"))
        except ValueError:
            refuse(400, ApiError.INVALID_VALUE, "state: open, all or a comma list of states; due_before: "
                   "seconds since 1970; limit: a number")
        sla_filter = q.get("sla")
        if sla_filter not in (None, "warning", "breached", "any"):
            refuse(400, ApiError.INVALID_VALUE, "sla must be warning, breached or any")
        limit = max(1, min(limit, 500))
        # due time and SLA state are computed here: filter and sort all matching cases, then cut
        computed = due_before is not None or sla_filter is not None or q.get("sort") == "due"
        found = await store.list_cases(queues, me.username if scope == "mine" else None, states,
                                       1_000_000 if computed else limit)
        policies, now, out = _Policies(store, config), hub.clock(), []
        for case, timeline in found:
            sla = _clocks(case, timeline, await policies.get(case.head.queue), now)
            item = case_json(case, sla)
            due = item["next_due_at"]
            if due_before is not None and (due is None or due > due_before):
                continue
            if sla_filter is not None and not (
                (sla_filter in ("warning", "any") and item["sla_warning"])
                or (sla_filter in ("breached", "any") and item["sla_breached"])
            ):
                continue
            out.append(item)
        if q.get("sort") == "due":
            out.sort(key=lambda i: (i["next_due_at"] is None, i["next_due_at"] or 0.0, i["number"]))
        return web.json_response({"cases": out[:limit], "now": now})

    async def create(request: web.Request) -> web.Response:
        hub, store, me = await agent(request)
        body = await _body(request, frozenset({"chat_id", "title", "description", "priority", "queue",
                                               "requestor"}))
        now = hub.clock()
        priority = _enum(body, "priority", Priority, Priority.MEDIUM)
        description = _text(body, "description", default="")
        chat_id = body.get("chat_id")
        if chat_id is not None:
            if not isinstance(chat_id, str) or not chat_id:
                refuse(400, ApiError.INVALID_VALUE, "chat_id must be a chat id")
            chat = await hub.store.get_chat(chat_id)
            if chat is None:
                refuse(404, ApiError.UNKNOWN_CHAT, f"no chat {chat_id}")
            if chat.queue not in me.queues:
                refuse(403, ApiError.NOT_ALLOWED, "not a chat of your queues")
            if (other := await store.case_of_chat(chat_id)) is not None:
                refuse(409, ApiError.ALREADY_LINKED, f"chat {chat_id} is part of case {other}", case=other)
            first = next((m.text for m in await hub.store.messages_after(chat_id, 0, 50)
                          if m.sender.value == "requestor" and m.text.strip()), "")
            default_title = first.strip().splitlines()[0][:120] if first.strip() else f"Chat with {chat.requestor_name}"
            new = NewCase(
                title=_text(body, "title", 200, default=default_title) or default_title,
                description=description, queue=chat.queue, priority=priority,
                requestor=Requestor(chat.requestor_name, chat.requestor_email, None, chat.requestor_id),
                created_by=me.username, at=now, source=f"chat:{chat_id}", chat_id=chat_id, site=chat.site,
            )
        else:
            queue = _text(body, "queue", 64)
            if queue not in me.queues:
                refuse(403, ApiError.NOT_ALLOWED, "not one of your queues")
            who = body.get("requestor")
            if not isinstance(who, dict) or set(who) - {"name", "email", "phone"}:
                refuse(400, ApiError.BAD_REQUEST, "requestor must be an object with name, email, phone")
            new = NewCase(
                title=_text(body, "title", 200), description=description, queue=queue, priority=priority,
                requestor=Requestor(_text(who, "name", 200), _text(who, "email", 254, "") or None,
                                    _text(who, "phone", 64, "") or None),
                created_by=me.username, at=now, source="api",
            )
        try:
            case = await store.create_case(new, token_hash(new_token()))
        except StoreError as exc:
            refuse(409, ApiError.CONFLICT, str(exc))
        log.info("case created", extra={"case": case.number, "agent": me.username, "chat": new.chat_id})
        return await full(hub, store, case.number, status=201)

    async def get(request: web.Request) -> web.Response:
        hub, store, _me, case = await own_case(request)
        return await full(hub, store, case.number)

    async def by_chat(request: web.Request) -> web.Response:
        hub, store, me = await agent(request)
        chat = await hub.store.get_chat(request.match_info["chat_id"])
        if chat is None or chat.queue not in me.queues:
            refuse(404, ApiError.UNKNOWN_CHAT, "no such chat in your queues")
        number = await store.case_of_chat(chat.chat_id)
        if number is None:
            refuse(404, ApiError.UNKNOWN_CASE, f"chat {chat.chat_id} is not part of a case")
        return await full(hub, store, number)

    async def change(request: web.Request) -> web.Response:
        hub, store, me, case = await own_case(request)
        body = await _body(request, frozenset({"state", "priority", "owner"}))
        if not body:
            refuse(400, ApiError.BAD_REQUEST, "send state, priority and/or owner")
        now, steps = hub.clock(), list[Callable[[CaseHead], tuple[CaseHead, list[Change]]]]()
        if "state" in body:
            steps.append(partial(rules.set_state, new=_enum(body, "state", CaseState), actor=me.username, at=now))
        if "priority" in body:
            steps.append(partial(rules.set_priority, new=_enum(body, "priority", Priority), actor=me.username,
                                 at=now))
        if "owner" in body:
            owner = body["owner"]
            if owner is not None:
                target = await hub.store.get_agent(owner) if isinstance(owner, str) else None
                if target is None or case.head.queue not in target.queues:
                    refuse(400, ApiError.INVALID_VALUE, f"owner must be an agent of queue {case.head.queue} or null")
            steps.append(partial(rules.set_owner, new=owner, actor=me.username, at=now))

        def all_steps(head: CaseHead) -> tuple[CaseHead, list[Change]]:
            changes: list[Change] = []
            for step in steps:
                head, more = step(head)
                changes += more
            return head, changes

        await _apply(store.change_case(case.number, all_steps, now))
        return await full(hub, store, case.number)

    async def attach(request: web.Request) -> web.Response:
        hub, store, me, case = await own_case(request)
        chat_id = _text(await _body(request, frozenset({"chat_id"})), "chat_id", 64)
        chat = await hub.store.get_chat(chat_id)
        if chat is None:
            refuse(404, ApiError.UNKNOWN_CHAT, f"no chat {chat_id}")
        if chat.queue not in me.queues:
            refuse(403, ApiError.NOT_ALLOWED, "not a chat of your queues")
        if (other := await store.case_of_chat(chat_id)) is not None:
            refuse(409, ApiError.ALREADY_LINKED, f"chat {chat_id} is part of case {other}", case=other)
        await _apply(store.link_chat(case.number, chat_id, me.username, hub.clock()))
        return await full(hub, store, case.number)

    async def external_info(request: web.Request) -> web.Response:
        hub, store, me, case = await own_case(request)
        body = await _body(request, frozenset({"text", "mode"}))
        text, mode = _text(body, "text"), _enum(body, "mode", SendMode)
        updated, info = await _apply(store.add_external_info(case.number, mode, me.username, me.display_name,
                                                             text, hub.clock()))
        mail = await _mail_customer(hub, store, updated, text, mode)
        await store.set_info_mail(info.info_id, mail.value)
        log.info("external info sent", extra={"case": case.number, "mode": mode.value, "mail": mail.value})
        return await full(hub, store, case.number, status=201)

    async def _mail_customer(hub: Hub, store: CaseStoreMixin, case: Case, text: str, mode: SendMode) -> MailStatus:
        if not case.requestor.email:
            return MailStatus.NO_ADDRESS
        token, now = new_token(), hub.clock()
        await store.add_case_token(case.number, token_hash(token), now)
        ask = "\n\nPlease answer on the case page:" if mode is SendMode.SAVE_REPLY else "\n\nYour case page:"
        body = f"Hello {case.requestor.name},\n\n{text}{ask}\n{public_base(config)}/case/{token}\n"
        subject = f"Case {case.number}: {case.title}" + (" - your answer is needed" if mode is SendMode.SAVE_REPLY
                                                          else "")
        return await mailer.send(Mail(case.requestor.email, subject[:200], body), now)

    async def interaction(request: web.Request) -> web.Response:
        hub, store, me, case = await own_case(request)
        body = await _body(request, frozenset({"type", "direction", "contact", "summary", "started_at",
                                               "ended_at"}))
        started, ended = _time(body, "started_at"), _time(body, "ended_at")
        if ended < started:
            refuse(400, ApiError.INVALID_VALUE, "ended_at is before started_at")
        record = Interaction(0, _enum(body, "type", InteractionType), _enum(body, "direction", Direction),
                             _text(body, "contact", 254), _text(body, "summary"), started, ended, me.username,
                             hub.clock())
        await _apply(store.add_interaction(case.number, record))
        return await full(hub, store, case.number, status=201)

    async def memo(request: web.Request) -> web.Response:
        hub, store, me, case = await own_case(request)
        text = _text(await _body(request, frozenset({"text"})), "text")
        await _apply(store.add_case_memo(case.number, me.username, text, hub.clock()))
        return await full(hub, store, case.number, status=201)

    async def customer_link(request: web.Request) -> web.Response:
        hub, store, me, case = await own_case(request)
        token = new_token()
        await store.add_case_token(case.number, token_hash(token), hub.clock())
        log.info("customer link made", extra={"case": case.number, "agent": me.username})
        return web.json_response({"url": f"{public_base(config)}/case/{token}"}, status=201)

    async def watch_ctx(app: web.Application) -> AsyncIterator[None]:
        hub = hub_of(_AppRef(app))
        if not isinstance(hub.store, CaseStoreMixin):
            log.error("this store keeps no case records: the cases API will answer with errors")
            yield
            return
        made = await convert_callbacks(hub.store, hub.clock())
        if made:
            log.info("callback requests turned into cases at startup", extra={"cases": made})
        watch = app[SLA_WATCH] = SlaWatch(hub)
        task = asyncio.get_running_loop().create_task(watch.run(), name="sla-watch")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    number = "{number:[0-9]{1,12}}"
    app.router.add_get("/api/cases", list_cases)
    app.router.add_post("/api/cases", create)
    app.router.add_get("/api/cases/by-chat/{chat_id}", by_chat)
    app.router.add_get(f"/api/cases/{number}", get)
    app.router.add_patch(f"/api/cases/{number}", change)
    app.router.add_post(f"/api/cases/{number}/chats", attach)
    app.router.add_post(f"/api/cases/{number}/external-infos", external_info)
    app.router.add_post(f"/api/cases/{number}/interactions", interaction)
    app.router.add_post(f"/api/cases/{number}/memos", memo)
    app.router.add_post(f"/api/cases/{number}/customer-link", customer_link)
    add_case_page_routes(app, hub_of)
    app.cleanup_ctx.append(watch_ctx)


T = TypeVar("T")


async def _apply(write: Awaitable[T]) -> T:
    """A store write that the case rules or the database may refuse: refusals become 409."""
    try:
        return await write
    except CaseRuleError as exc:
        refuse(409, ApiError.INVALID_TRANSITION, str(exc))
    except StoreError as exc:
        refuse(409, ApiError.CONFLICT, str(exc))
