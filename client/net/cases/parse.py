"""Reading the cases API's JSON into the frozen values of :mod:`.models`, checking every field.

A missing key or a value of the wrong type raises :class:`BadCaseData` (the answer does not match
the contract: a bug here or on the server); nothing half-read is handed out.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from onduty.client.net.cases.errors import BadCaseData
from onduty.client.net.cases.models import (
    Case,
    CaseContext,
    CaseFile,
    CaseList,
    CaseMessage,
    CaseNote,
    CaseRequestor,
    CaseSummary,
    ExternalInfo,
    HistoryEntry,
    InteractionRecord,
    LinkedChat,
    SlaClock,
    SlaEvent,
)
from onduty.shared.cases import CaseState, ClockKind, ClockStatus, Direction, InfoKind, InteractionType, Priority
from onduty.shared.types import ChatRating

E = TypeVar("E", bound=StrEnum)


def parse_case_list(data: dict[str, Any]) -> CaseList:
    """The answer of ``GET /api/cases``."""
    try:
        return CaseList(tuple(_summary(_Obj(c)) for c in _Obj(data).items("cases")), _Obj(data).num("now"))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadCaseData(f"unexpected case list: {exc}") from exc


def parse_case(data: dict[str, Any]) -> Case:
    """A whole case: the answer of ``GET /api/cases/{number}`` and of every change."""
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
        rating=_rating(o.d.get("rating")),
    )


def _rating(value: Any) -> ChatRating | None:
    if value is None:
        return None
    r = _Obj(value)
    return ChatRating(rating=r.whole("rating"), at=r.num("at"), comment=r.opt_text("comment"))
