"""Staff roles in the store (issue 17): every backend keeps role and supervised queues."""

from __future__ import annotations

import dataclasses

import pytest

from onduty.server.core.roles import StaffRole
from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import AgentRecord, QueueRecord
from tests.store.backends import Backend


def _agent(username: str, **kw: object) -> AgentRecord:
    base = AgentRecord(username, username.title(), "eu", "support", ("q1",), "h0", 1, 1.0)
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


@pytest.fixture
async def queues(store: Store) -> Store:
    for q in ("q1", "q2", "q3"):
        await store.add_queue(QueueRecord(name=q))
    return store


async def test_new_agents_are_agents(queues: Store) -> None:
    await queues.add_agent(_agent("ann"))
    ann = await queues.get_agent("ann")
    assert ann is not None
    assert (ann.role, ann.supervises) == (StaffRole.AGENT, ())


async def test_supervisor_round_trip_keeps_order(queues: Store) -> None:
    sue = _agent("sue", role=StaffRole.SUPERVISOR, supervises=("q3", "q1"))
    await queues.add_agent(sue)
    assert await queues.get_agent("sue") == sue
    assert await queues.list_agents() == [sue]


async def test_set_role_replaces(queues: Store) -> None:
    await queues.add_agent(_agent("ann"))
    await queues.set_role("ann", StaffRole.SUPERVISOR, ["q2", "q1"])
    ann = await queues.get_agent("ann")
    assert ann is not None
    assert (ann.role, ann.supervises) == (StaffRole.SUPERVISOR, ("q2", "q1"))
    await queues.set_role("ann", StaffRole.ADMIN)
    ann = await queues.get_agent("ann")
    assert ann is not None
    assert (ann.role, ann.supervises) == (StaffRole.ADMIN, ())
    await queues.set_role("ann", StaffRole.AGENT)
    assert (await queues.list_agents())[0].role is StaffRole.AGENT


@pytest.mark.parametrize(("role", "supervises", "match"), [
    (StaffRole.SUPERVISOR, (), "at least one queue"),
    (StaffRole.SUPERVISOR, ("nope",), "unknown queue"),
    (StaffRole.AGENT, ("q1",), "only a supervisor"),
    (StaffRole.ADMIN, ("q1",), "only a supervisor"),
])
async def test_bad_roles_refused_and_nothing_changes(queues: Store, role: StaffRole, supervises: tuple[str, ...],
                                                     match: str) -> None:
    await queues.add_agent(_agent("ann", role=StaffRole.SUPERVISOR, supervises=("q1",)))
    with pytest.raises(StoreError, match=match):
        await queues.set_role("ann", role, supervises)
    with pytest.raises(StoreError, match=match):
        await queues.add_agent(_agent("bob", role=role, supervises=supervises))
    assert await queues.get_agent("bob") is None
    ann = await queues.get_agent("ann")
    assert ann is not None
    assert (ann.role, ann.supervises) == (StaffRole.SUPERVISOR, ("q1",))


async def test_set_role_of_unknown_agent_refused(queues: Store) -> None:
    with pytest.raises(StoreError, match="unknown agent"):
        await queues.set_role("ghost", StaffRole.ADMIN)


async def test_roles_survive_reopen(backend: Backend, queues: Store) -> None:
    await queues.add_agent(_agent("sue", role=StaffRole.SUPERVISOR, supervises=("q2",)))
    again = backend.make()
    await again.open()
    try:
        sue = await again.get_agent("sue")
        assert sue is not None
        assert sue.supervises == ("q2",)
    finally:
        await again.close()
