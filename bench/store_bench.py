"""Throughput of ``Store.append_message`` under concurrency, showing group commit at work.

Runs ``--tasks`` concurrent tasks that together append ``--messages`` messages (each task
to its own chat, one message after the other, as a chat connection would), then prints
messages per second and how many commits (batches) carried them, for every ``--store`` in
turn, so SQLite and PostgreSQL are measured in the same run. Not a test: run it as

    .venv/bin/python bench/store_bench.py [--store sqlite] [--store postgresql://USER@HOST:PORT/DB]
        [--synchronous FULL] [--messages 20000] [--tasks 200]

``sqlite`` (the default) is a new file in a temporary folder; a PostgreSQL database gets a queue
and chats of its own with random names (nothing else is touched; drop the database afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import pathlib
import secrets
import tempfile
import time
from dataclasses import dataclass

from onduty.server.config import ServerConfig
from onduty.server.store import Store, open_store
from onduty.server.store.records import ChatRecord, QueueRecord
from onduty.server.store.url import redact, sqlite_url
from onduty.shared.types import ChatState, RequestType, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Result:
    store: str
    messages: int
    elapsed: float
    commits: int


async def _writer(store: Store, chat_id: str, count: int) -> None:
    """One chat's sender: append ``count`` messages, each awaited (acknowledged) in turn."""
    for i in range(count):
        await store.append_message(chat_id, Role.REQUESTOR, "Bench", f"message {i}", float(i), f"{chat_id}-{i}")


def _commits(store: Store) -> int:
    stats = getattr(store, "stats", None)
    return int(getattr(stats, "commits", 0))


async def run(url: str, messages: int, tasks: int, synchronous: str) -> Result:
    store = open_store(url, ServerConfig(sqlite_synchronous=synchronous))
    await store.open()
    run_id = secrets.token_hex(4)
    try:
        queue = f"bench-{run_id}"
        await store.add_queue(QueueRecord(name=queue))
        chats = [f"chat-{run_id}-{t}" for t in range(tasks)]
        await asyncio.gather(*(
            store.create_chat(ChatRecord(chat_id=c, queue=queue, state=ChatState.ACTIVE, requestor_name="Bench",
                                         request_type=RequestType.OTHER, requested_at=0.0, resume_token_hash="x"))
            for c in chats
        ))
        per_task, extra = divmod(messages, tasks)
        before = _commits(store)
        start = time.perf_counter()
        await asyncio.gather(*(_writer(store, c, per_task + (t < extra)) for t, c in enumerate(chats)))
        elapsed = time.perf_counter() - start
        commits = _commits(store) - before
    finally:
        await store.close()
    return Result(redact(url), messages, elapsed, commits)


def _print(results: list[Result], tasks: int, synchronous: str) -> None:
    print(f"messages={results[0].messages} tasks={tasks} sqlite synchronous={synchronous}")
    print(f"{'store':<48} {'messages/s':>10} {'commits':>8} {'msgs/commit':>11} {'elapsed s':>9}")
    for r in results:
        per_commit = f"{r.messages / r.commits:11.1f}" if r.commits else f"{'':>11}"
        print(f"{r.store:<48} {r.messages / r.elapsed:10.0f} {r.commits:8d} {per_commit} {r.elapsed:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", action="append", metavar="URL",
                        help="'sqlite' (a temporary file, the default) or a store URL; repeat to compare")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--synchronous", default="FULL", choices=["OFF", "NORMAL", "FULL", "EXTRA"])
    parser.add_argument("--dir", type=pathlib.Path, default=None, help="where to put the SQLite file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="onduty-bench-") as tmp:
        for url in args.store or ["sqlite"]:
            target = sqlite_url(pathlib.Path(tmp) / f"bench-{len(results)}.db") if url == "sqlite" else url
            results.append(asyncio.run(run(target, args.messages, args.tasks, args.synchronous)))
    _print(results, args.tasks, args.synchronous)


if __name__ == "__main__":
    main()
