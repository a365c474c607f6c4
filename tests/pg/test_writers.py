"""Several server processes on one database: per-chat seq and client_msg_id idempotency hold across them."""

from __future__ import annotations

import asyncio
import itertools
import sys
import time

from onduty.server.store.pg import PostgresStore
from onduty.server.store.records import QueueRecord
from tests.store.backends import make_chat

_WRITER = """
import asyncio, sys, time
from onduty.server.store.pg import PostgresStore
from onduty.shared.types import Role

async def main(url: str, me: str, count: int, start_at: float) -> None:
    store = PostgresStore(url)
    await store.open()
    await asyncio.sleep(max(0.0, start_at - time.time()))  # both processes start appending together

    async def sender(first: int) -> None:  # a connection's messages, each awaited in turn
        for i in range(first, count, 4):
            await store.append_message("c1", Role.REQUESTOR, "R", f"{me}-{i}", float(i), f"{me}-{i}")
            await store.append_message("c1", Role.REQUESTOR, "R", f"shared-{i}", float(i), f"shared-{i}")

    await asyncio.gather(*(sender(first) for first in range(4)))
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
"""


async def test_two_processes_appending_to_one_chat_share_one_gapless_seq(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    await store.open()
    try:
        await store.add_queue(QueueRecord("q1"))
        await store.create_chat(make_chat("c1"))
        count, start_at = 150, time.time() + 2.0
        writers = [await asyncio.create_subprocess_exec(sys.executable, "-c", _WRITER, pg_url, name, str(count),
                                                        str(start_at)) for name in ("a", "b")]
        assert await asyncio.wait_for(asyncio.gather(*(w.wait() for w in writers)), 60) == [0, 0]
        stored = await store.messages_after("c1", 0, limit=1000)
        chat = await store.get_chat("c1")
    finally:
        await store.close()
    texts = [m.text for m in stored]
    assert [m.seq for m in stored] == list(range(1, 3 * count + 1))  # no gap, no duplicate
    assert chat is not None and chat.last_seq == 3 * count
    assert sorted(texts) == sorted([f"{p}-{i}" for p in ("a", "b", "shared") for i in range(count)])
    owners = [t.split("-")[0] for t in texts if not t.startswith("shared")]
    assert sum(1 for x, y in itertools.pairwise(owners) if x != y) > 1  # the two really interleaved
