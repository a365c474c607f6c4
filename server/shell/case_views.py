"""What the cases API answers: cases, their SLA clocks and details as JSON; SLA policy per queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onduty.server.config import ServerConfig
from onduty.server.core.cases import (
    Case,
    Interaction,
)
from onduty.server.core.sla import ClockStatus, SlaClock, SlaPolicy, Timeline, clocks
from onduty.server.store.base import CaseStore
from onduty.server.store.records import CaseDetail
from onduty.shared.types import ChatRating

# ---- policy, views ------------------------------------------------------------------------------


async def policy_for(store: CaseStore, queue: str, config: ServerConfig) -> SlaPolicy:
    hours, targets = await store.sla_settings(queue)
    return SlaPolicy(hours=hours, targets=targets, warn_before_s=config.sla_warn_before_s)


class Policies:
    """Policies looked up once per request or sweep."""

    def __init__(self, store: CaseStore, config: ServerConfig) -> None:
        self._store, self._config, self._cache = store, config, dict[str, SlaPolicy]()

    async def get(self, queue: str) -> SlaPolicy:
        if queue not in self._cache:
            self._cache[queue] = await policy_for(self._store, queue, self._config)
        return self._cache[queue]


def case_clocks(case: Case, timeline: Timeline, policy: SlaPolicy, now: float) -> tuple[SlaClock, SlaClock]:
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


def rating_json(rating: ChatRating | None) -> dict[str, Any] | None:
    return None if rating is None else {"rating": rating.rating, "comment": rating.comment, "at": rating.at}


def detail_json(detail: CaseDetail, sla: tuple[SlaClock, SlaClock],
                ratings: Mapping[str, ChatRating | None]) -> dict[str, Any]:
    """``ratings``: each linked chat's rating by the requestor (None: not rated)."""
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
        "rating": rating_json(ratings.get(ch.record.chat_id)),
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


