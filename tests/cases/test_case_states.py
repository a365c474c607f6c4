"""Case states and what every change records (seed 003), without I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onduty.server.core.cases import (
    CUSTOMER,
    OPEN_STATES,
    TRANSITIONS,
    CaseHead,
    CaseRuleError,
    CaseState,
    Change,
    Priority,
    SendMode,
    customer_answered,
    external_info,
    set_owner,
    set_priority,
    set_state,
)

T = 1_800_000_000.0


def head(state: CaseState = CaseState.IN_PROCESS) -> CaseHead:
    return CaseHead(state=state, priority=Priority.MEDIUM, owner="ann", queue="cim-emea")


def test_save_informs_the_customer_and_keeps_the_state() -> None:
    for state in (CaseState.NEW, CaseState.IN_PROCESS, CaseState.AWAITING_INFO, CaseState.SOLVED):
        after, changes = external_info(head(state), SendMode.SAVE, "ann", T)
        assert after.state is state
        assert changes == [Change(T, "ann", "external_info", "", "save")]


def test_save_reply_puts_the_case_on_the_customers_side() -> None:
    after, changes = external_info(head(CaseState.IN_PROCESS), SendMode.SAVE_REPLY, "ann", T)
    assert after.state is CaseState.AWAITING_INFO
    assert changes == [
        Change(T, "ann", "external_info", "", "save_reply"),
        Change(T, "ann", "state", "in_process", "awaiting_info"),
    ]


def test_customer_answer_returns_the_case_to_in_process() -> None:
    waiting, _ = external_info(head(CaseState.NEW), SendMode.SAVE_REPLY, "ann", T)
    after, changes = customer_answered(waiting, T + 60)
    assert after.state is CaseState.IN_PROCESS
    assert changes[-1] == Change(T + 60, CUSTOMER, "state", "awaiting_info", "in_process")
    assert changes[0].what == "customer_answer"


def test_customer_answer_reopens_a_solved_case_but_not_a_closed_one() -> None:
    assert customer_answered(head(CaseState.SOLVED), T)[0].state is CaseState.IN_PROCESS
    with pytest.raises(CaseRuleError):
        customer_answered(head(CaseState.CLOSED), T)


def test_closed_is_final() -> None:
    closed = head(CaseState.CLOSED)
    for state in CaseState:
        if state is not CaseState.CLOSED:
            with pytest.raises(CaseRuleError):
                set_state(closed, state, "ann", T)
    for mode in SendMode:
        with pytest.raises(CaseRuleError):
            external_info(closed, mode, "ann", T)
    with pytest.raises(CaseRuleError):
        set_priority(closed, Priority.HIGH, "ann", T)
    with pytest.raises(CaseRuleError):
        set_owner(closed, "bob", "ann", T)


def test_save_reply_on_a_solved_case_needs_a_reopen_first() -> None:
    with pytest.raises(CaseRuleError, match="reopen"):
        external_info(head(CaseState.SOLVED), SendMode.SAVE_REPLY, "ann", T)


def test_a_solved_case_reopens_to_in_process_only() -> None:
    assert set_state(head(CaseState.SOLVED), CaseState.IN_PROCESS, "ann", T)[0].state is CaseState.IN_PROCESS
    with pytest.raises(CaseRuleError):
        set_state(head(CaseState.SOLVED), CaseState.AWAITING_INFO, "ann", T)
    with pytest.raises(CaseRuleError):
        set_state(head(CaseState.IN_PROCESS), CaseState.NEW, "ann", T)


def test_priority_and_owner_changes_are_recorded_with_who_and_when() -> None:
    after, changes = set_priority(head(), Priority.VERY_HIGH, "bob", T)
    assert after.priority is Priority.VERY_HIGH
    assert changes == [Change(T, "bob", "priority", "medium", "very_high")]
    after, changes = set_owner(after, None, "bob", T + 1)
    assert after.owner is None
    assert changes == [Change(T + 1, "bob", "owner", "ann", "")]
    assert set_owner(after, None, "bob", T + 2) == (after, [])


@given(st.lists(st.tuples(st.sampled_from(list(CaseState)), st.sampled_from(["ann", "bob"])), max_size=30))
def test_every_accepted_state_change_is_an_allowed_transition_and_recorded(
    moves: list[tuple[CaseState, str]],
) -> None:
    current = head(CaseState.NEW)
    history: list[Change] = []
    for i, (target, actor) in enumerate(moves):
        before = current.state
        try:
            current, changes = set_state(current, target, actor, T + i)
        except CaseRuleError:
            assert target not in TRANSITIONS[before]
            continue
        if target is before:
            assert changes == []
        else:
            assert target in TRANSITIONS[before]
            assert changes == [Change(T + i, actor, "state", before.value, target.value)]
        history += changes
    states = [CaseState.NEW.value] + [c.new for c in history]
    assert states[-1] == current.state.value
    assert all(CaseState(a) is not CaseState.CLOSED for a in states[:-1])
    assert OPEN_STATES.isdisjoint({CaseState.SOLVED, CaseState.CLOSED})
