"""The cases part of the store contract (issue 6): case records, customer communication, SLA settings.

Part of :class:`~onduty.server.store.base.Store`; the guarantees in that module's docstring hold
here too. A change to a case applies a pure rule of :mod:`onduty.server.core.cases` inside the
write that stores its result, so two agents changing one case at once lose neither change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol, runtime_checkable

from onduty.server.core.cases import Case, CaseMemo, CaseState, Change, ExternalInfo, Interaction, Priority, SendMode
from onduty.server.core.sla import BusinessHours, ClockKind, Target, Timeline
from onduty.server.store.records import CaseDetail, NewCase, Rule
from onduty.shared.types import CallbackInfo

Targets = dict[tuple[ClockKind, Priority], Target]


@runtime_checkable
class CaseStore(Protocol):
    # ---- cases ---------------------------------------------------------------------------

    async def create_case(self, new: NewCase, token_hash: str) -> Case:
        """A New case (linking ``new.chat_id``); StoreRefused if that chat is already part of a case
        or the queue is unknown."""

    async def get_case(self, number: int) -> Case | None: ...

    async def case_detail(self, number: int) -> CaseDetail | None:
        """Everything about the case, read in one snapshot."""

    async def change_case(self, number: int, rule: Rule, at: float) -> tuple[Case, list[Change]]:
        """Apply ``rule`` to the stored case and store the result in one write (CaseRuleError if
        the rule refuses, passed through unchanged; StoreRefused for an unknown case)."""

    async def link_chat(self, number: int, chat_id: str, actor: str, at: float) -> None:
        """StoreRefused for an unknown chat or one already part of another case."""

    async def case_of_chat(self, chat_id: str) -> int | None: ...

    async def add_case_token(self, number: int, token_hash: str, at: float) -> None: ...

    async def case_by_token(self, token_hash: str) -> int | None: ...

    async def list_cases(self, queues: Sequence[str], owner: str | None, states: Sequence[CaseState],
                         limit: int = 100, before: int | None = None) -> list[tuple[Case, Timeline]]:
        """Cases with the timelines their SLA clocks need, newest first (older than case ``before``, if given)."""

    async def open_cases(self, after: int = 0, limit: int = 500) -> list[tuple[Case, Timeline]]:
        """Up to ``limit`` cases not closed, numbered above ``after``, in number order, with their timelines
        (the SLA watch pages through them)."""

    # ---- communication ---------------------------------------------------------------------

    async def add_external_info(self, number: int, mode: SendMode, author: str, author_name: str, text: str,
                                at: float) -> tuple[Case, ExternalInfo]: ...

    async def set_info_mail(self, info_id: int, mail: str) -> None: ...

    async def customer_answer(self, number: int, text: str, at: float) -> tuple[Case, ExternalInfo]: ...

    async def add_interaction(self, number: int, interaction: Interaction) -> Interaction: ...

    async def add_case_memo(self, number: int, author: str, text: str, at: float) -> CaseMemo: ...

    # ---- SLA ---------------------------------------------------------------------------------

    async def record_sla_event(self, number: int, clock: ClockKind, kind: str, at: float,
                               recorded_at: float) -> bool:
        """True if newly recorded (each event is kept once)."""

    async def sla_settings(self, queue: str) -> tuple[BusinessHours, Targets]:
        """The business hours of the queue's region (with holidays) and the queue's own targets."""

    async def set_hours(self, region: str, hours: BusinessHours) -> None: ...

    async def get_hours(self, region: str) -> BusinessHours: ...

    async def add_holiday(self, region: str, day: date, name: str) -> None: ...

    async def remove_holiday(self, region: str, day: date) -> bool: ...

    async def list_holidays(self, region: str) -> list[tuple[date, str]]: ...

    async def set_target(self, queue: str, clock: ClockKind, priority: Priority, target: Target) -> None:
        """StoreRefused for an unknown queue."""

    async def targets(self, queue: str) -> Targets: ...

    # ---- callbacks ---------------------------------------------------------------------------

    async def callbacks_without_case(self) -> list[tuple[int, CallbackInfo]]: ...

    async def callback_site(self, callback_id: int) -> str | None: ...


def case_store(store: object) -> CaseStore:
    """``store`` as a store of case records; TypeError if it cannot keep cases (our bug: a partial fake)."""
    if not isinstance(store, CaseStore):
        raise TypeError(f"{type(store).__name__} does not keep case records")
    return store
