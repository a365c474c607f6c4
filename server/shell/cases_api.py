"""The cases JSON API under ``/api/cases`` (agent-authenticated), the customer page and the SLA watch.

Every endpoint takes ``Authorization: Bearer <token>`` (the agent's session token from ``login_ok``)
and works on cases of the agent's queues only. Refusals are JSON ``{"code", "detail"}`` with a 4xx
status and a log line; bad input never becomes a 500. See docs/cases.md for every endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from onduty.server import inbound
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
from onduty.server.core.sla import clocks
from onduty.server.shell.case_callbacks import convert_callbacks
from onduty.server.shell.case_page import add_case_page_routes
from onduty.server.shell.case_requests import (
    ApiError,
    AppRef,
    ShellOf,
    checked,
    enum_field,
    line_field,
    read_body,
    refuse,
    text_field,
    time_field,
)
from onduty.server.shell.case_views import Policies, case_clocks, case_json, detail_json, policy_for
from onduty.server.shell.http_api import add_json_errors, bearer_token, signed_in_agent
from onduty.server.shell.mailer import Mail, Mailer, MailStatus, public_base
from onduty.server.shell.sla_watch import SLA_WATCH, SlaWatch
from onduty.server.shell.wiring import Shell
from onduty.server.store import AgentRecord, StoreError
from onduty.server.store.base import CaseStore, case_store
from onduty.server.store.records import NewCase

log = logging.getLogger(__name__)

MAX_SCAN = 5000
"""A list with a computed filter (``due_before``, ``sla``, ``sort=due``: the SLA clocks are computed here,
not in SQL) looks at the newest ``MAX_SCAN`` cases that match the SQL part at most, in batches of
``SCAN_BATCH``; if older ones exist, the answer says ``"truncated": true``."""
SCAN_BATCH = 250
MAX_LIMIT = 500


# ---- routes ---------------------------------------------------------------------------------------------


def add_case_routes(app: web.Application, config: ServerConfig, shell_of: ShellOf) -> None:
    """The cases API, the customer page ``/case/{token}`` and the SLA watch (started with the app)."""
    mailer = Mailer(config)

    async def agent(request: web.Request) -> tuple[Shell, CaseStore, AgentRecord]:
        shell = shell_of(request)
        token = bearer_token(request)
        if not token:
            refuse(401, ApiError.NOT_AUTHENTICATED, "send Authorization: Bearer <token>")
        record = await signed_in_agent(shell, token)
        if record is None:
            refuse(401, ApiError.NOT_AUTHENTICATED, "the token is unknown or expired: sign in again")
        return shell, case_store(shell.store), record

    async def own_case(request: web.Request) -> tuple[Shell, CaseStore, AgentRecord, Case]:
        shell, store, me = await agent(request)
        try:
            number = inbound.ident(request.match_info["number"], "case number")
        except inbound.InvalidValue as exc:
            refuse(400, ApiError.INVALID_VALUE, str(exc))
        case = await store.get_case(number)
        if case is None:
            refuse(404, ApiError.UNKNOWN_CASE, f"no case {number}")
        if case.head.queue not in me.queues:
            refuse(403, ApiError.NOT_ALLOWED, f"case {number} is not in your queues")
        return shell, store, me, case

    async def full(shell: Shell, store: CaseStore, number: int, status: int = 200) -> web.Response:
        detail = await store.case_detail(number)
        assert detail is not None  # cases are never deleted
        policy = await policy_for(store, detail.case.head.queue, config)
        sla = clocks(detail.timeline, detail.case.head.priority, policy, shell.clock())
        ratings = {ch.record.chat_id: await shell.store.chat_rating(ch.record.chat_id) for ch in detail.chats}
        return web.json_response(detail_json(detail, sla, ratings), status=status)

    async def list_cases(request: web.Request) -> web.Response:
        shell, store, me = await agent(request)
        q = request.query
        scope = q.get("scope", "queues")
        if scope not in ("mine", "queues"):
            refuse(400, ApiError.INVALID_VALUE, "scope must be mine or queues")
        queues = list(me.queues)
        if "queue" in q:
            queue = checked(q["queue"], "queue", 64)
            if queue not in me.queues:
                refuse(403, ApiError.NOT_ALLOWED, "not one of your queues")
            queues = [queue]
        try:
            raw_states = q.get("state", "open")
            states = ([] if raw_states == "all" else sorted(OPEN_STATES) if raw_states == "open"
                      else [CaseState(s) for s in raw_states.split(",")])
            due_before = _seconds(q["due_before"]) if "due_before" in q else None
            limit = inbound.ident(q.get("limit", "100"), "limit")
        except ValueError:
            refuse(400, ApiError.INVALID_VALUE, "state: open, all or a comma list of states; due_before: "
                   "seconds since 1970; limit: a number")
        sla_filter = q.get("sla")
        if sla_filter not in (None, "warning", "breached", "any"):
            refuse(400, ApiError.INVALID_VALUE, "sla must be warning, breached or any")
        sort_due = q.get("sort") == "due"
        limit = max(1, min(limit, MAX_LIMIT))
        if due_before is not None or sla_filter == "warning":
            # only a running clock has a due time or a warning, and solved / closed cases run none:
            # that much of the computed filter is pushed into SQL
            states = sorted(set(states or CaseState) & OPEN_STATES)
            if not states:
                return web.json_response({"cases": [], "now": shell.clock(), "truncated": False})
        owner = me.username if scope == "mine" else None
        computed = due_before is not None or sla_filter is not None or sort_due
        policies, now, out = Policies(store, config), shell.clock(), list[dict[str, Any]]()
        scanned, before, truncated = 0, None, False
        while True:
            size = min(SCAN_BATCH, MAX_SCAN - scanned) if computed else limit
            batch = await store.list_cases(queues, owner, states, size, before=before)
            scanned += len(batch)
            for case, timeline in batch:
                sla = case_clocks(case, timeline, await policies.get(case.head.queue), now)
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
            if sort_due:  # keep only the soonest `limit`: memory stays at a batch plus the answer
                out.sort(key=_due_order)
                del out[limit:]
            if not computed or len(batch) < size or (not sort_due and len(out) >= limit):
                break
            before = batch[-1][0].number
            if scanned >= MAX_SCAN:
                truncated = bool(await store.list_cases(queues, owner, states, 1, before=before))
                break
        return web.json_response({"cases": out[:limit], "now": now, "truncated": truncated})

    async def create(request: web.Request) -> web.Response:
        shell, store, me = await agent(request)
        body = await read_body(request, frozenset({"chat_id", "title", "description", "priority", "queue",
                                               "requestor"}))
        now = shell.clock()
        priority = enum_field(body, "priority", Priority, Priority.MEDIUM)
        description = text_field(body, "description", default="")
        chat_id = line_field(body, "chat_id", 64) if body.get("chat_id") is not None else None
        if chat_id is not None:
            chat = await shell.store.get_chat(chat_id)
            if chat is None:
                refuse(404, ApiError.UNKNOWN_CHAT, f"no chat {chat_id}")
            if chat.queue not in me.queues:
                refuse(403, ApiError.NOT_ALLOWED, "not a chat of your queues")
            if (other := await store.case_of_chat(chat_id)) is not None:
                refuse(409, ApiError.ALREADY_LINKED, f"chat {chat_id} is part of case {other}", case=other)
            first = next((m.text for m in await shell.store.messages_after(chat_id, 0, 50)
                          if m.sender.value == "requestor" and m.text.strip()), "")
            default_title = first.strip().splitlines()[0][:120] if first.strip() else f"Chat with {chat.requestor_name}"
            new = NewCase(
                title=line_field(body, "title", 200, default=default_title) or default_title,
                description=description, queue=chat.queue, priority=priority,
                requestor=Requestor(chat.requestor_name, chat.requestor_email, None, chat.requestor_id),
                created_by=me.username, at=now, source=f"chat:{chat_id}", chat_id=chat_id, site=chat.site,
            )
        else:
            queue = line_field(body, "queue", 64)
            if queue not in me.queues:
                refuse(403, ApiError.NOT_ALLOWED, "not one of your queues")
            who = body.get("requestor")
            if not isinstance(who, dict) or set(who) - {"name", "email", "phone"}:
                refuse(400, ApiError.BAD_REQUEST, "requestor must be an object with name, email, phone")
            new = NewCase(
                title=line_field(body, "title", 200), description=description, queue=queue, priority=priority,
                requestor=Requestor(line_field(who, "name", 200), line_field(who, "email", 254, "") or None,
                                    line_field(who, "phone", 64, "") or None),
                created_by=me.username, at=now, source="api",
            )
        try:
            case = await store.create_case(new, token_hash(new_token()))
        except StoreError as exc:
            refuse(409, ApiError.CONFLICT, str(exc))
        log.info("case created", extra={"case": case.number, "agent": me.username, "chat": new.chat_id})
        return await full(shell, store, case.number, status=201)

    async def get(request: web.Request) -> web.Response:
        shell, store, _me, case = await own_case(request)
        return await full(shell, store, case.number)

    async def by_chat(request: web.Request) -> web.Response:
        shell, store, me = await agent(request)
        chat = await shell.store.get_chat(checked(request.match_info["chat_id"], "chat_id", 64))
        if chat is None or chat.queue not in me.queues:
            refuse(404, ApiError.UNKNOWN_CHAT, "no such chat in your queues")
        number = await store.case_of_chat(chat.chat_id)
        if number is None:
            refuse(404, ApiError.UNKNOWN_CASE, f"chat {chat.chat_id} is not part of a case")
        return await full(shell, store, number)

    async def change(request: web.Request) -> web.Response:
        shell, store, me, case = await own_case(request)
        body = await read_body(request, frozenset({"state", "priority", "owner"}))
        if not body:
            refuse(400, ApiError.BAD_REQUEST, "send state, priority and/or owner")
        now, steps = shell.clock(), list[Callable[[CaseHead], tuple[CaseHead, list[Change]]]]()
        if "state" in body:
            steps.append(partial(rules.set_state, new=enum_field(body, "state", CaseState), actor=me.username, at=now))
        if "priority" in body:
            steps.append(partial(rules.set_priority, new=enum_field(body, "priority", Priority), actor=me.username,
                                 at=now))
        if "owner" in body:
            owner = body["owner"]
            if owner is not None:
                owner = line_field(body, "owner", 64)
                target = await shell.store.get_agent(owner)
                if target is None or case.head.queue not in target.queues:
                    refuse(400, ApiError.INVALID_VALUE, f"owner must be an agent of queue {case.head.queue} or null")
            steps.append(partial(rules.set_owner, new=owner, actor=me.username, at=now))

        def all_steps(head: CaseHead) -> tuple[CaseHead, list[Change]]:
            changes: list[Change] = []
            for step in steps:
                head, more = step(head)
                changes += more
            return head, changes

        await apply_rules(store.change_case(case.number, all_steps, now))
        return await full(shell, store, case.number)

    async def attach(request: web.Request) -> web.Response:
        shell, store, me, case = await own_case(request)
        chat_id = line_field(await read_body(request, frozenset({"chat_id"})), "chat_id", 64)
        chat = await shell.store.get_chat(chat_id)
        if chat is None:
            refuse(404, ApiError.UNKNOWN_CHAT, f"no chat {chat_id}")
        if chat.queue not in me.queues:
            refuse(403, ApiError.NOT_ALLOWED, "not a chat of your queues")
        if (other := await store.case_of_chat(chat_id)) is not None:
            refuse(409, ApiError.ALREADY_LINKED, f"chat {chat_id} is part of case {other}", case=other)
        await apply_rules(store.link_chat(case.number, chat_id, me.username, shell.clock()))
        return await full(shell, store, case.number)

    async def external_info(request: web.Request) -> web.Response:
        shell, store, me, case = await own_case(request)
        body = await read_body(request, frozenset({"text", "mode"}))
        text, mode = text_field(body, "text"), enum_field(body, "mode", SendMode)
        updated, info = await apply_rules(store.add_external_info(case.number, mode, me.username, me.display_name,
                                                             text, shell.clock()))
        mail = await _mail_customer(shell, store, updated, text, mode)
        await store.set_info_mail(info.info_id, mail.value)
        log.info("external info sent", extra={"case": case.number, "mode": mode.value, "mail": mail.value})
        return await full(shell, store, case.number, status=201)

    async def _mail_customer(shell: Shell, store: CaseStore, case: Case, text: str, mode: SendMode) -> MailStatus:
        if not case.requestor.email:
            return MailStatus.NO_ADDRESS
        token, now = new_token(), shell.clock()
        await store.add_case_token(case.number, token_hash(token), now)
        ask = "\n\nPlease answer on the case page:" if mode is SendMode.SAVE_REPLY else "\n\nYour case page:"
        body = f"Hello {case.requestor.name},\n\n{text}{ask}\n{public_base(config)}/case/{token}\n"
        subject = f"Case {case.number}: {case.title}" + (" - your answer is needed" if mode is SendMode.SAVE_REPLY
                                                          else "")
        return await mailer.send(Mail(case.requestor.email, subject[:200], body), now)

    async def interaction(request: web.Request) -> web.Response:
        shell, store, me, case = await own_case(request)
        body = await read_body(request, frozenset({"type", "direction", "contact", "summary", "started_at",
                                               "ended_at"}))
        started, ended = time_field(body, "started_at"), time_field(body, "ended_at")
        if ended < started:
            refuse(400, ApiError.INVALID_VALUE, "ended_at is before started_at")
        record = Interaction(0, enum_field(body, "type", InteractionType), enum_field(body, "direction", Direction),
                             line_field(body, "contact", 254), text_field(body, "summary"), started, ended, me.username,
                             shell.clock())
        await apply_rules(store.add_interaction(case.number, record))
        return await full(shell, store, case.number, status=201)

    async def memo(request: web.Request) -> web.Response:
        shell, store, me, case = await own_case(request)
        text = text_field(await read_body(request, frozenset({"text"})), "text")
        await apply_rules(store.add_case_memo(case.number, me.username, text, shell.clock()))
        return await full(shell, store, case.number, status=201)

    async def customer_link(request: web.Request) -> web.Response:
        shell, store, me, case = await own_case(request)
        token = new_token()
        await store.add_case_token(case.number, token_hash(token), shell.clock())
        log.info("customer link made", extra={"case": case.number, "agent": me.username})
        return web.json_response({"url": f"{public_base(config)}/case/{token}"}, status=201)

    async def watch_ctx(app: web.Application) -> AsyncIterator[None]:
        shell = shell_of(AppRef(app))
        if not isinstance(shell.store, CaseStore):
            log.error("this store keeps no case records: the cases API will answer with errors")
            yield
            return
        made = await convert_callbacks(shell.store, shell.clock())
        if made:
            log.info("callback requests turned into cases at startup", extra={"cases": made})
        watch = app[SLA_WATCH] = SlaWatch(shell)
        task = asyncio.get_running_loop().create_task(watch.run(), name="sla-watch")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    number = "{number}"  # any text: a bad number is 400 invalid_value, not a route miss
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
    add_case_page_routes(app, shell_of)
    add_json_errors(app)
    app.cleanup_ctx.append(watch_ctx)


T = TypeVar("T")


def _seconds(value: str) -> float:
    """A time in a query string: seconds since 1970, finite, before the year 5138."""
    seconds = float(inbound.line(value, "due_before", max_len=32))
    if not math.isfinite(seconds) or not 0 <= seconds < 1e11:
        raise inbound.InvalidValue("due_before", "must be seconds since 1970")
    return seconds


def _due_order(item: dict[str, Any]) -> tuple[bool, float, int]:
    """Soonest due first, cases without a due time last, then by number (a stable order)."""
    return item["next_due_at"] is None, item["next_due_at"] or 0.0, item["number"]


async def apply_rules(write: Awaitable[T]) -> T:
    """A store write that the case rules or the database may refuse: refusals become 409."""
    try:
        return await write
    except CaseRuleError as exc:
        refuse(409, ApiError.INVALID_TRANSITION, str(exc))
    except StoreError as exc:
        refuse(409, ApiError.CONFLICT, str(exc))
