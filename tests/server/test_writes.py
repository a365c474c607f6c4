"""Acks are written once per chat and party for a burst, at the highest seq, and a resume never goes back."""

from __future__ import annotations

import asyncio

from onduty.server.shell.writes import Writes
from onduty.shared.types import Role


class CursorStore:
    """The two store calls acks use, recording the writes; ``hold`` keeps a write from committing."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, Role, int]] = []
        self.cursors: dict[tuple[str, Role], int] = {}
        self.hold = asyncio.Event()
        self.hold.set()

    async def ack(self, chat_id: str, party: Role, seq: int) -> None:
        await self.hold.wait()
        self.writes.append((chat_id, party, seq))
        self.cursors[(chat_id, party)] = max(seq, self.cursors.get((chat_id, party), 0))

    async def acked(self, chat_id: str, party: Role) -> int:
        return self.cursors.get((chat_id, party), 0)


async def test_a_burst_of_acks_is_one_write_per_chat_and_party_at_the_highest_seq() -> None:
    store = CursorStore()
    writes = Writes(store, ack_delay_s=60)  # type: ignore[arg-type]
    for seq in (1, 2, 5, 3):
        writes.ack("c1", Role.AGENT, seq)
    writes.ack("c1", Role.REQUESTOR, 4)
    writes.ack("c2", Role.AGENT, 7)
    assert store.writes == []  # gathered, not written yet
    await writes.drain()
    assert sorted(store.writes) == [("c1", Role.AGENT, 5), ("c1", Role.REQUESTOR, 4), ("c2", Role.AGENT, 7)]


async def test_without_a_delay_the_acks_of_one_turn_are_one_write() -> None:
    store = CursorStore()
    writes = Writes(store)  # type: ignore[arg-type]
    writes.ack("c1", Role.AGENT, 1)
    writes.ack("c1", Role.AGENT, 2)
    await writes.drain()
    assert store.writes == [("c1", Role.AGENT, 2)]


async def test_the_cursor_read_for_a_resume_includes_acks_not_yet_committed() -> None:
    store = CursorStore()
    writes = Writes(store, ack_delay_s=60)  # type: ignore[arg-type]
    store.cursors[("c1", Role.REQUESTOR)] = 2
    writes.ack("c1", Role.REQUESTOR, 6)
    assert await writes.acked("c1", Role.REQUESTOR) == 6  # gathered
    store.hold.clear()
    writes.flush_acks()
    assert await writes.acked("c1", Role.REQUESTOR) == 6  # handed to the store, not committed
    store.hold.set()
    await writes.drain()
    assert await writes.acked("c1", Role.REQUESTOR) == 6  # stored
    assert store.writes == [("c1", Role.REQUESTOR, 6)]
