"""Co-browse rules without a loop: who may do which step, chunk order, the budget, a slow viewer."""

from __future__ import annotations

import pytest

from onduty.server.core.cobrowse import TRANSITIONS, Budget, Chunks, ViewerLag, step
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import CobrowseStatus as S
from onduty.shared.types import Role


def test_the_agent_invites_the_requestor_starts_or_declines_either_stops() -> None:
    assert step("invite", None, Role.AGENT) is S.INVITED
    assert step("start", S.INVITED, Role.REQUESTOR) is S.ACTIVE
    assert step("start", None, Role.REQUESTOR) is S.ACTIVE  # without an invitation
    assert step("decline", S.INVITED, Role.REQUESTOR) is S.DECLINED
    assert step("stop", S.ACTIVE, Role.AGENT) is S.STOPPED
    assert step("stop", S.ACTIVE, Role.REQUESTOR) is S.STOPPED
    assert step("end", S.ACTIVE, None) is S.STOPPED
    for name, status, who in [("start", None, Role.AGENT), ("invite", None, Role.REQUESTOR),
                              ("decline", None, Role.AGENT), ("invite", S.ACTIVE, Role.AGENT),
                              ("decline", S.ACTIVE, Role.REQUESTOR), ("stop", None, Role.AGENT)]:
        with pytest.raises(ProtocolError) as refused:
            step(name, status, who)
        assert refused.value.code is ErrorCode.NOT_ALLOWED
    assert all(after is not S.ACTIVE for (name, _), after in TRANSITIONS.items() if name != "start")


def test_chunks_come_in_order_and_a_dropped_chunk_drops_its_batch() -> None:
    chunks = Chunks()
    assert chunks.accept(1, 0, 3) and chunks.accept(1, 1, 3) and chunks.accept(1, 2, 3)
    for batch, part, parts in [(1, 0, 1), (2, 1, 2), (0, 0, 1), (2, 0, 0), (2, 0, 5000)]:
        with pytest.raises(ProtocolError) as refused:
            chunks.accept(batch, part, parts)
        assert refused.value.code is ErrorCode.INVALID_VALUE
    assert chunks.accept(5, 0, 2)
    chunks.dropped = True
    assert not chunks.accept(5, 1, 2)
    assert chunks.accept(6, 0, 1)


def test_the_budget_refills_on_the_injected_clock() -> None:
    budget = Budget(per_s=100, burst=1000)
    assert budget.take(1000, 0.0)
    assert not budget.take(1, 0.0)
    assert budget.take(500, 5.0)
    assert not budget.take(600, 5.0)
    assert budget.take(1000, 100.0)


def test_a_slow_viewer_skips_to_the_next_full_snapshot_and_asks_once() -> None:
    lag = ViewerLag(backlog_limit=10, skipping=True)  # a new viewer waits for a full snapshot
    assert lag.batch_starts(full=False, backlog=0) == (False, False)
    assert lag.batch_starts(full=True, backlog=0) == (True, False)
    assert lag.batch_starts(full=False, backlog=3) == (True, False)
    assert lag.batch_starts(full=False, backlog=10) == (False, True)
    assert lag.batch_starts(full=False, backlog=12) == (False, False)  # asked already
    assert lag.batch_starts(full=True, backlog=12) == (False, False)  # still behind
    assert lag.batch_starts(full=False, backlog=0) == (False, False)
    assert lag.batch_starts(full=True, backlog=0) == (True, False)
