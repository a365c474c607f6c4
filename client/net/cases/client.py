"""The calls of the cases API under ``/api/cases`` (docs/cases.md), one method each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any
from urllib.parse import quote

from onduty.client.net.cases.errors import BadCaseData, CaseErrorCode, CaseRefused
from onduty.client.net.cases.http import CasesHttp
from onduty.client.net.cases.models import Case, CaseList, NewInteraction, Scope, SlaFilter
from onduty.client.net.cases.parse import parse_case, parse_case_list
from onduty.shared.cases import CaseState, Priority, SendMode


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""``change(owner=KEEP)``: leave the owner as it is (``None`` removes the owner)."""


class CasesClient:
    """Calls ``/api/cases`` on the server at ``server`` (``ws://`` or ``http://`` address) as one agent.

    ``token`` is asked for the session token on every call, so a client built at sign-in keeps working
    after the app signed in again. Each call opens its own short HTTP session: nothing to close.
    """

    def __init__(self, server: str, token: Callable[[], str | None], *, time_limit: float = 30.0) -> None:
        self._http = CasesHttp(server, token, time_limit)
        self.base = self._http.base

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
        return parse_case_list(await self._http.call("GET", "/api/cases", query=query))

    async def get(self, number: int) -> Case:
        return parse_case(await self._http.call("GET", f"/api/cases/{int(number)}"))

    async def by_chat(self, chat_id: str) -> Case | None:
        """The case ``chat_id`` is part of, or None if it is part of none."""
        try:
            return parse_case(await self._http.call("GET", f"/api/cases/by-chat/{quote(chat_id, safe='')}"))
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
        return parse_case(await self._http.call("POST", "/api/cases", body))

    async def create(self, queue: str, title: str, requestor_name: str, *, email: str | None = None,
                     phone: str | None = None, description: str = "", priority: Priority = Priority.MEDIUM) -> Case:
        """A case without a chat (e.g. after a phone call)."""
        requestor = {"name": requestor_name}
        requestor.update({k: v for k, v in (("email", email), ("phone", phone)) if v})
        body: dict[str, Any] = {"queue": queue, "title": title, "requestor": requestor, "priority": priority.value}
        if description:
            body["description"] = description
        return parse_case(await self._http.call("POST", "/api/cases", body))

    async def attach_chat(self, number: int, chat_id: str) -> Case:
        return parse_case(await self._http.call("POST", f"/api/cases/{int(number)}/chats", {"chat_id": chat_id}))

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
        return parse_case(await self._http.call("PATCH", f"/api/cases/{int(number)}", body))

    async def send_external_info(self, number: int, text: str, mode: SendMode) -> Case:
        """Tell the customer (page and e-mail): Save keeps the state, Save Reply makes it Awaiting Info."""
        return parse_case(await self._http.call("POST", f"/api/cases/{int(number)}/external-infos",
                                      {"text": text, "mode": mode.value}))

    async def add_interaction(self, number: int, record: NewInteraction) -> Case:
        body = {"type": record.type.value, "direction": record.direction.value, "contact": record.contact,
                "summary": record.summary, "started_at": record.started_at, "ended_at": record.ended_at}
        return parse_case(await self._http.call("POST", f"/api/cases/{int(number)}/interactions", body))

    async def add_memo(self, number: int, text: str) -> Case:
        return parse_case(await self._http.call("POST", f"/api/cases/{int(number)}/memos", {"text": text}))

    async def customer_link(self, number: int) -> str:
        """A new link to the case page for the customer (every link of a case stays valid)."""
        body = await self._http.call("POST", f"/api/cases/{int(number)}/customer-link")
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise BadCaseData("customer-link answered without a url")
        return url
