"""The periodic queue_status of a large queue goes out in paced slices, so a request read meanwhile is not held
up behind a thousand frames (the routing p99 of ``python -m bench --scenarios routing-1000``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import cast

from onduty.server.core.decisions import QueueStatusChanged
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.shell.queues import SPREAD, Queues
from onduty.server.store import Store
from onduty.shared.messages import Message, QueueStatus

AGENTS = [f"agent{i:04d}" for i in range(2 * SPREAD + 50)]


class Told:
    def __init__(self) -> None:
        self.slices: list[list[str]] = []
        self.log: list[str] = []
        self.waiting: list[int] = []

    def to_agents(self, usernames: Iterable[str], message: Message) -> None:
        assert isinstance(message, QueueStatus)
        self.slices.append(list(usernames))
        self.waiting.append(message.waiting)
        self.log.append(f"slice of {len(self.slices[-1])}")


class Members:
    def members(self, queue: str) -> Iterable[str]:
        return AGENTS if queue == "emea" else ()


class Status:
    waiting = 3

    def queue_status(self, queue: str) -> QueueStatusChanged:
        return QueueStatusChanged(queue, waiting=self.waiting, on_duty=len(AGENTS), routable=0)


async def test_a_large_queue_is_told_in_slices_with_other_work_between_them() -> None:
    told, status = Told(), Status()
    queues = Queues(cast(Store, None), cast(Routing, status), cast(Delivery, told), cast(Presence, Members()),
                    clock=lambda: 0.0, status_interval_s=1.0, pace_s=0.0)
    queues.changed("emea")
    await asyncio.sleep(0)  # the flush runs in the next loop turn
    assert told.slices == [AGENTS[:SPREAD]]
    asyncio.get_running_loop().call_soon(told.log.append, "a frame read meanwhile")
    status.waiting = 0  # the line moved on: the later slices are told the status as it is then
    for _ in range(5):
        await asyncio.sleep(0)
    assert [u for s in told.slices for u in s] == AGENTS  # everybody, once, in order
    assert all(len(s) <= SPREAD for s in told.slices)
    assert told.log.index("a frame read meanwhile") < len(told.log) - 1  # handled before the last slice
    assert told.waiting[0] == 3 and told.waiting[-1] == 0


async def test_a_small_queue_is_told_at_once() -> None:
    told = Told()

    class Few:
        def members(self, queue: str) -> Iterable[str]:
            return ["ann", "bob"]

    queues = Queues(cast(Store, None), cast(Routing, Status()), cast(Delivery, told), cast(Presence, Few()),
                    clock=lambda: 0.0, status_interval_s=1.0, pace_s=0.0)
    queues.changed("emea")
    await asyncio.sleep(0)
    assert told.slices == [["ann", "bob"]]


