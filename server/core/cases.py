"""Case records: states, allowed transitions and what each change records (seed 003). Pure, time passed in.

Rules:

* States: New -> In Process -> Awaiting Info <-> In Process -> Solved -> Closed. Closed is final;
  Solved may be reopened (In Process). Any open state may go straight to Solved or Closed.
* External Info **Save**: the customer is informed, no answer is needed; the state stays as it is.
  **Save Reply**: the customer is informed and must act; the state becomes Awaiting Info (the case is
  on the customer's side). Neither is possible on a Closed case; Save Reply not on a Solved one
  (reopen it first).
* The customer's answer returns the case to In Process (from New, Awaiting Info or Solved); a Closed
  case takes no more answers.
* Every change is recorded as a :class:`Change` with who and when; nothing here writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from onduty.shared.cases import (  # re-exported: the rules' vocabulary, defined once in shared
    OPEN_STATES as OPEN_STATES,
)
from onduty.shared.cases import (
    CaseState as CaseState,
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

CUSTOMER = "customer"
"""The actor name recorded for the customer's own actions."""
SYSTEM = "system"
"""The actor name for changes the server makes by itself (a callback turned into a case)."""

SUPPORT_SIDE = frozenset({CaseState.NEW, CaseState.IN_PROCESS})
"""States in which the case waits for support: ORT runs (see :mod:`onduty.server.core.sla`)."""

TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    CaseState.NEW: frozenset({CaseState.IN_PROCESS, CaseState.AWAITING_INFO, CaseState.SOLVED, CaseState.CLOSED}),
    CaseState.IN_PROCESS: frozenset({CaseState.AWAITING_INFO, CaseState.SOLVED, CaseState.CLOSED}),
    CaseState.AWAITING_INFO: frozenset({CaseState.IN_PROCESS, CaseState.SOLVED, CaseState.CLOSED}),
    CaseState.SOLVED: frozenset({CaseState.IN_PROCESS, CaseState.CLOSED}),
    CaseState.CLOSED: frozenset(),
}


class CaseRuleError(ValueError):
    """A change the case rules do not allow (the caller's fault, not ours)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of a case's history: ``actor`` changed ``what`` from ``old`` to ``new`` at ``at``."""

    at: float
    actor: str
    what: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class CaseHead:
    """The parts of a case that its rules change."""

    state: CaseState
    priority: Priority
    owner: str | None
    queue: str


def can_move(old: CaseState, new: CaseState) -> bool:
    return new in TRANSITIONS[old]


def set_state(head: CaseHead, new: CaseState, actor: str, at: float) -> tuple[CaseHead, list[Change]]:
    """Move to ``new`` if the transition is allowed; the same state again is no change."""
    if new is head.state:
        return head, []
    if not can_move(head.state, new):
        raise CaseRuleError(f"a case cannot go from {head.state.value} to {new.value}")
    return replace(head, state=new), [Change(at, actor, "state", head.state.value, new.value)]


def set_priority(head: CaseHead, new: Priority, actor: str, at: float) -> tuple[CaseHead, list[Change]]:
    if head.state is CaseState.CLOSED:
        raise CaseRuleError("a closed case cannot be changed")
    if new is head.priority:
        return head, []
    return replace(head, priority=new), [Change(at, actor, "priority", head.priority.value, new.value)]


def set_owner(head: CaseHead, new: str | None, actor: str, at: float) -> tuple[CaseHead, list[Change]]:
    if head.state is CaseState.CLOSED:
        raise CaseRuleError("a closed case cannot be changed")
    if new == head.owner:
        return head, []
    return replace(head, owner=new), [Change(at, actor, "owner", head.owner or "", new or "")]


def external_info(head: CaseHead, mode: SendMode, actor: str, at: float) -> tuple[CaseHead, list[Change]]:
    """An External Info sent with ``mode``: records it; Save Reply moves the case to Awaiting Info."""
    if head.state is CaseState.CLOSED:
        raise CaseRuleError("a closed case takes no more External Info")
    changes = [Change(at, actor, "external_info", "", mode.value)]
    if mode is SendMode.SAVE_REPLY:
        if head.state is CaseState.SOLVED:
            raise CaseRuleError("reopen the solved case (in_process) before asking the customer for an action")
        head, moved = set_state(head, CaseState.AWAITING_INFO, actor, at)
        changes += moved
    return head, changes


def customer_answered(head: CaseHead, at: float) -> tuple[CaseHead, list[Change]]:
    """The customer's answer: the case comes back to support (In Process)."""
    if head.state is CaseState.CLOSED:
        raise CaseRuleError("this case is closed; it takes no more answers")
    changes = [Change(at, CUSTOMER, "customer_answer", "", "")]
    head, moved = set_state(head, CaseState.IN_PROCESS, CUSTOMER, at)
    return head, changes + moved


def created(head: CaseHead, actor: str, at: float, source: str) -> list[Change]:
    """The first history entry of a new case; ``source`` says where it came from (``chat:<id>``...)."""
    return [Change(at, actor, "created", source, head.state.value)]


# ---- what a case holds (values the store returns) -------------------------------------------


@dataclass(frozen=True, slots=True)
class Requestor:
    name: str
    email: str | None = None
    phone: str | None = None
    verified_id: str | None = None
    """The subject of a B2B site token: the shop vouched for this person."""


@dataclass(frozen=True, slots=True)
class Case:
    number: int
    title: str
    description: str
    head: CaseHead
    requestor: Requestor
    created_at: float
    created_by: str
    updated_at: float
    first_response_at: float | None = None
    callback_id: int | None = None
    site: str | None = None


@dataclass(frozen=True, slots=True)
class ExternalInfo:
    info_id: int
    kind: InfoKind
    author: str
    author_name: str
    text: str
    at: float
    mail: str = ""
    """What happened to the e-mail copy: sent, outbox, failed, no_address ('' for answers)."""


@dataclass(frozen=True, slots=True)
class Interaction:
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
class CaseMemo:
    memo_id: int
    author: str
    text: str
    at: float


@dataclass(frozen=True, slots=True)
class SlaEvent:
    clock: str
    kind: str
    """``warning`` or ``breach``."""
    at: float
    recorded_at: float
