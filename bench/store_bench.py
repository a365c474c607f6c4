"""Throughput of SqliteStore.append_message under concurrency, showing group commit at work.

Runs ``--tasks`` concurrent tasks that together append ``--messages`` messages (each task
to its own chat, one message after the other, as a chat connection would), then prints
messages per second and how many commits (batches) carried them. Not a test: run it as

    .venv/bin/python bench/store_bench.py [--synchronous FULL] [--messages 20000] [--tasks 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import pathlib
import tempfile
import time

from onduty.server.store.records import ChatRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import ChatState, RequestType, Role

log = logging.getLogger(__name__)


async def _writer(store: SqliteStore, chat_id: str, count: int) -> None:
    """One chat's sender: append ``count`` messages, each awaited (acknowledged) in turn."""
    for i in range(count):
        await store.append_message(chat_id, Role.REQUESTOR, "Bench", f"message {i}", float(i), f"{chat_id}-{i}")


async def run(path: pathlib.Path, messages: int, tasks: int, synchronous: str) -> None:
    store = SqliteStore(path, synchronous=synchronous)
    await store.open()
    try:
        await store.add_queue(QueueRecord(name="bench"))
        chats = [f"chat-{t}" for t in range(tasks)]
        await asyncio.gather(
            *(
                store.create_chat(
                    ChatRecord(
                        chat_id=c,
                        queue="bench",
                        state=ChatState.ACTIVE,
                        requestor_name="Bench",
                        request_type=RequestType.OTHER,
                        requested_at=0.0,
                        resume_token_hash="x",
                    )
                )
                for c in chats
            )
        )
        per_task, extra = divmod(messages, tasks)
        before = store.stats
        start = time.perf_counter()
        await asyncio.gather(*(_writer(store, c, per_task + (t < extra)) for t, c in enumerate(chats)))
        elapsed = time.perf_counter() - start
        after = store.stats
    finally:
        await store.close()
    commits = after.commits - before.commits
    writes = after.writes - before.writes
    print(f"synchronous={synchronous} messages={writes} tasks={tasks} db={path}")
    print(f"elapsed        {elapsed:8.3f} s")
    print(f"messages/s     {writes / elapsed:8.0f}")
    print(f"commits        {commits:8d}")
    print(f"msgs/commit    {writes / commits:8.1f}")
    print(f"commits/s      {commits / elapsed:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--synchronous", default="FULL", choices=["OFF", "NORMAL", "FULL", "EXTRA"])
    parser.add_argument("--dir", type=pathlib.Path, default=None, help="where to put the database file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="onduty-bench-") as tmp:
        asyncio.run(run(pathlib.Path(tmp) / "bench.db", args.messages, args.tasks, args.synchronous))


if __name__ == "__main__":
    main()
