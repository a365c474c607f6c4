"""Acks of one loop turn go out together: the highest seq of each chat, once."""

from __future__ import annotations

import asyncio

import pytest

from onduty.client.net.acks import AckBatch


async def _turns(n: int = 3) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_the_acks_of_one_turn_are_one_per_chat_with_its_highest_seq() -> None:
    written: list[tuple[str, int]] = []

    async def write(chat_id: str, seq: int) -> None:
        written.append((chat_id, seq))

    acks = AckBatch(write)
    for chat_id, seq in [("c1", 1), ("c1", 2), ("c2", 7), ("c1", 3), ("c1", 2)]:
        acks.add(chat_id, seq)
    assert written == []  # nothing before the turn ends
    await _turns()
    assert written == [("c1", 3), ("c2", 7)]

    acks.add("c1", 4)  # a later turn: its own ack
    await _turns()
    assert written == [("c1", 3), ("c2", 7), ("c1", 4)]


async def test_a_failed_write_is_logged_and_later_acks_still_go_out(caplog: pytest.LogCaptureFixture) -> None:
    written: list[tuple[str, int]] = []

    async def write(chat_id: str, seq: int) -> None:
        if seq == 1:
            raise ConnectionResetError("gone")
        written.append((chat_id, seq))

    acks = AckBatch(write)
    acks.add("c1", 1)
    await _turns()
    acks.add("c1", 2)
    await _turns()
    assert written == [("c1", 2)]
    assert "writing an ack failed: gone" in caplog.text
