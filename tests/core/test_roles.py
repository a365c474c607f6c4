"""The staff-role rule: who may watch which queue."""

from __future__ import annotations

import pytest

from onduty.server.core.roles import StaffRole, check_role, is_supervisor, may_supervise, supervised


def test_agents_supervise_nothing() -> None:
    assert not may_supervise(StaffRole.AGENT, (), "q1")
    assert supervised(StaffRole.AGENT, ("q1",), ["q1", "q2"]) == []
    assert not is_supervisor(StaffRole.AGENT)


def test_supervisors_supervise_their_queues_only() -> None:
    assert may_supervise(StaffRole.SUPERVISOR, ("q1",), "q1")
    assert not may_supervise(StaffRole.SUPERVISOR, ("q1",), "q2")
    assert supervised(StaffRole.SUPERVISOR, ("q3", "q1"), ["q1", "q2", "q3"]) == ["q1", "q3"]
    assert is_supervisor(StaffRole.SUPERVISOR)


def test_admins_supervise_every_queue() -> None:
    assert may_supervise(StaffRole.ADMIN, (), "anything")
    assert supervised(StaffRole.ADMIN, (), ["q1", "q2"]) == ["q1", "q2"]


def test_check_role() -> None:
    assert check_role(StaffRole.SUPERVISOR, ["q2", "q1", "q2"]) == ("q2", "q1")
    assert check_role(StaffRole.ADMIN, []) == ()
    with pytest.raises(ValueError, match="at least one"):
        check_role(StaffRole.SUPERVISOR, [])
    with pytest.raises(ValueError, match="only a supervisor"):
        check_role(StaffRole.AGENT, ["q1"])
