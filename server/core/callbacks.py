"""Who works on a callback request, and when it is done (issue 21).

Rules, applied by the store inside one transaction (so two agents claiming at once cannot both win):

* A callback request is **open** until an agent claims it; a claim holds for ``claim_s`` seconds
  from the moment it was made. A claim nobody finished within that time has **lapsed**: the request is
  open again (the server also clears lapsed claims by itself and tells the queue's agents).
* ``claim``: refused when the request is done, or claimed by another agent whose claim has not
  lapsed. Claiming one's own claim again renews it.
* ``finish`` (done with an outcome and an optional note): refused when the request is done already, or
  claimed by another agent whose claim has not lapsed; an open request may be finished straight away
  (the agent who finishes it is recorded as its claimer too).
* Done is final: a done request cannot be claimed or finished again.

No I/O: the callback as stored and the time come in, the changed callback (or a refusal) goes out.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from onduty.shared.types import CallbackInfo, CallbackOutcome


class Refusal(StrEnum):
    CLAIMED = "claimed"
    """Another agent holds a claim that has not lapsed."""
    DONE = "done"


class CallbackRefused(Exception):
    """``claim`` / ``finish`` refused by a rule above; ``current`` is the request as it stands."""

    def __init__(self, refusal: Refusal, current: CallbackInfo) -> None:
        holder = f" by {current.claimed_by}" if refusal is Refusal.CLAIMED else ""
        super().__init__(f"callback {current.callback_id} is {refusal.value}{holder}")
        self.refusal = refusal
        self.current = current


def live_claim(cb: CallbackInfo, now: float) -> str | None:
    """Who holds a claim on ``cb`` that has not lapsed at ``now`` (None: nobody)."""
    if cb.done_at is not None or cb.claimed_by is None or cb.claimed_until is None:
        return None
    return cb.claimed_by if now < cb.claimed_until else None


def is_open(cb: CallbackInfo, now: float) -> bool:
    """Neither done nor claimed (a lapsed claim counts as open): what the open counts count."""
    return cb.done_at is None and live_claim(cb, now) is None


def lapsed(cb: CallbackInfo, now: float) -> bool:
    """Claimed, not done, and the claim's time is up: to be released."""
    return cb.done_at is None and cb.claimed_by is not None and live_claim(cb, now) is None


def released(cb: CallbackInfo) -> CallbackInfo:
    return dataclasses.replace(cb, claimed_by=None, claimed_at=None, claimed_until=None)


def _check(cb: CallbackInfo, agent: str, now: float) -> None:
    if cb.done_at is not None:
        raise CallbackRefused(Refusal.DONE, cb)
    holder = live_claim(cb, now)
    if holder is not None and holder != agent:
        raise CallbackRefused(Refusal.CLAIMED, cb)


def claim(cb: CallbackInfo, agent: str, now: float, claim_s: float) -> CallbackInfo:
    """``cb`` claimed by ``agent`` until ``now + claim_s``, or :class:`CallbackRefused`."""
    _check(cb, agent, now)
    return dataclasses.replace(cb, claimed_by=agent, claimed_at=now, claimed_until=now + claim_s)


def finish(cb: CallbackInfo, agent: str, outcome: CallbackOutcome, note: str | None, now: float) -> CallbackInfo:
    """``cb`` done by ``agent`` with ``outcome`` (and ``note``), or :class:`CallbackRefused`."""
    _check(cb, agent, now)
    note = note.strip() if note else None
    claimed_at = cb.claimed_at if cb.claimed_by == agent else now
    return dataclasses.replace(cb, claimed_by=agent, claimed_at=claimed_at, claimed_until=None, done_by=agent,
                               done_at=now, outcome=outcome, note=note or None)


def state_text(cb: CallbackInfo, now: float) -> str:
    """One word or phrase for a list (the CLI): open / claimed by ann / done: reached."""
    if cb.done_at is not None:
        return f"done: {cb.outcome.value if cb.outcome else '?'} by {cb.done_by}"
    holder = live_claim(cb, now)
    return f"claimed by {holder}" if holder is not None else "open"
