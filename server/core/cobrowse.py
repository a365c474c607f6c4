"""Co-browse rules (seed 004): pure, no I/O; the shell (``server/shell/cobrowse.py``) performs them.

Rules:
1. Only a chat that an agent holds and that has not ended may be co-browsed; only its requestor shares,
   only its agent invites, views and points.
2. Transitions (``TRANSITIONS``): the agent invites (nothing, declined, stopped -> invited); the requestor starts,
   with or without an invitation (-> active), or declines an invitation (invited -> declined); either side stops
   (invited, active -> stopped). The chat's end, a requeue or a transfer stops it too.
3. Recording reaches the server only while active, as batches of chunks: parts ``0 .. parts-1`` of a batch in
   order, batches numbered upwards (afresh after each start and each resume of the requestor's connection: a new
   page), at most ``MAX_PARTS`` parts.
4. A session has a budget of characters per second (a token bucket on the injected clock): a chunk over it is
   refused ``rate_limited``, and the rest of its batch is dropped.
5. A viewer whose outbox holds ``backlog_limit`` frames or more skips batches until the next full snapshot and
   the server asks the requestor for one; so a slow viewer costs the requestor nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages.cobrowse import MAX_PARTS, CobrowseStatus
from onduty.shared.types import Role

S = CobrowseStatus
TRANSITIONS: dict[tuple[str, S | None], S] = {
    ("invite", None): S.INVITED, ("invite", S.DECLINED): S.INVITED, ("invite", S.STOPPED): S.INVITED,
    ("invite", S.INVITED): S.INVITED,
    ("start", None): S.ACTIVE, ("start", S.INVITED): S.ACTIVE, ("start", S.DECLINED): S.ACTIVE,
    ("start", S.STOPPED): S.ACTIVE, ("start", S.ACTIVE): S.ACTIVE,
    ("decline", S.INVITED): S.DECLINED,
    ("stop", S.INVITED): S.STOPPED, ("stop", S.ACTIVE): S.STOPPED, ("stop", S.STOPPED): S.STOPPED,
    ("stop", S.DECLINED): S.DECLINED, ("end", S.INVITED): S.STOPPED, ("end", S.ACTIVE): S.STOPPED,
}
"""(step, status now) -> status after; a pair not listed is refused ``not_allowed``."""
WHO: dict[str, frozenset[Role]] = {
    "invite": frozenset({Role.AGENT}), "start": frozenset({Role.REQUESTOR}), "decline": frozenset({Role.REQUESTOR}),
    "stop": frozenset({Role.AGENT, Role.REQUESTOR}),
}
TEXT = {
    S.INVITED: "{agent} asks to see this page with you",
    S.ACTIVE: "Your page is shared with {agent}",
    S.DECLINED: "Co-browsing declined",
    S.STOPPED: "Co-browsing stopped",
}
"""``cobrowse_update.text`` per status."""


def step(name: str, status: S | None, who: Role | None) -> S:
    """The status after ``name`` (``invite``, ``start``, ``decline``, ``stop``, ``end``) by ``who``."""
    if who is not None and who not in WHO.get(name, frozenset()):
        raise ProtocolError(ErrorCode.NOT_ALLOWED, f"the {who.value} cannot {name} co-browsing")
    after = TRANSITIONS.get((name, status))
    if after is None:
        now = status.value if status is not None else "not started"
        raise ProtocolError(ErrorCode.NOT_ALLOWED, f"co-browsing is {now}: cannot {name}")
    return after


@dataclass(slots=True)
class Budget:
    """A token bucket of characters on an injected clock."""

    per_s: float
    burst: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, n: int, now: float) -> bool:
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.at) * self.per_s)
        self.at = now
        if n > self.tokens:
            return False
        self.tokens -= n
        return True


@dataclass(slots=True)
class Chunks:
    """Checks the order of a session's chunks (rule 3) and which batch is dropped (rule 4)."""

    batch: int = -1
    next_part: int = 0
    parts: int = 0
    dropped: bool = False
    """The current batch lost a chunk: the rest of it is not relayed."""

    def accept(self, batch: int, part: int, parts: int) -> bool:
        """Whether the chunk starts or continues a batch in order; raises ``invalid_value`` otherwise."""
        if not 1 <= parts <= MAX_PARTS or not 0 <= part < parts:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"part {part} of {parts}: parts must be 1..{MAX_PARTS}")
        if part == 0:
            if batch <= self.batch:
                raise ProtocolError(ErrorCode.INVALID_VALUE, f"batch {batch} after batch {self.batch}")
            self.batch, self.next_part, self.parts, self.dropped = batch, 1, parts, False
            return True
        if batch != self.batch or part != self.next_part or parts != self.parts:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"chunk {batch}.{part} out of order")
        self.next_part += 1
        return not self.dropped


@dataclass(slots=True)
class ViewerLag:
    """Rule 5 for one viewer: which batches it gets."""

    backlog_limit: int
    skipping: bool = False
    current: bool = False
    """Whether the viewer gets the batch in progress."""

    def batch_starts(self, full: bool, backlog: int) -> tuple[bool, bool]:
        """(deliver this batch, ask for a full snapshot now)."""
        ask = False
        if backlog >= self.backlog_limit:
            ask = not self.skipping
            self.skipping = True
        elif self.skipping and full:
            self.skipping = False
        self.current = not self.skipping
        return self.current, ask


@dataclass(slots=True)
class CobrowseSession:
    """One chat's co-browse: its status, who made the last change, its chunk order and budget."""

    status: S | None = None
    by: Role | None = None
    chunks: Chunks = field(default_factory=Chunks)
    budget: Budget = field(default_factory=lambda: Budget(0, 0))
