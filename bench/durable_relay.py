"""Durable baseline: the bare relay (:mod:`bench.relay_server`) plus the least that OnDuty's delivery promise costs.

Every binary frame is committed to SQLite (WAL, ``synchronous=FULL``, OnDuty's default) before it is relayed:
the connection's handler queues it for one writer thread and waits; the thread commits everything queued so far
in one transaction and hands the batch back to the loop with one ``call_soon_threadsafe``. Then the frame goes
to the partner and a small ``sent`` frame to the sender (OnDuty confirms every message). No decoding, no
routing, no acks: what is left of OnDuty's relay latency on the same machine once its own work per message is
taken away (docs/performance.md, "Tenth round").

    python -m bench.durable_relay --db PATH [--host 127.0.0.1] [--port 8767]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import msgpack
from aiohttp import WSMsgType, web

from bench.pairing import Pairs
from bench.relay_server import MAX_FRAME, joined

SENT = bytes(msgpack.packb({"t": "sent", "seq": 0}))
"""What the sender gets once its frame is stored (the load generator reads it and ignores it)."""


class Writer:
    """One thread that commits queued frames in batches, one transaction per batch."""

    def __init__(self, path: Path, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS frames (pair TEXT NOT NULL, body BLOB NOT NULL)")
        self._queued = threading.Condition()
        self._frames: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="durable-relay-writer")
        self._thread.start()

    def store(self, pair: str, frame: bytes) -> asyncio.Future[None]:
        """Queue ``frame``; the future resolves once it is committed."""
        future = self._loop.create_future()
        with self._queued:
            self._frames.append((pair, frame, future))
            self._queued.notify()
        return future

    def close(self) -> None:
        """Commit what is queued, stop the thread and close the database."""
        with self._queued:
            self._closing = True
            self._queued.notify()
        self._thread.join()
        self._conn.close()

    def _run(self) -> None:
        while True:
            with self._queued:
                while not self._frames and not self._closing:
                    self._queued.wait()
                batch, self._frames = self._frames, []
            if not batch:
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT INTO frames VALUES (?, ?)", [(pair, body) for pair, body, _ in batch])
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._loop.call_soon_threadsafe(_settle, batch, exc)
            else:
                self._loop.call_soon_threadsafe(_settle, batch, None)


def _settle(batch: list[tuple[str, bytes, asyncio.Future[None]]], failure: Exception | None) -> None:
    for _, _, future in batch:
        if future.done():
            continue
        if failure is None:
            future.set_result(None)
        else:
            future.set_exception(failure)


PAIRS = web.AppKey("pairs", Pairs[web.WebSocketResponse])
WRITER = web.AppKey("writer", Writer)


async def pair_ws(request: web.Request) -> web.WebSocketResponse:
    pairs, writer = request.app[PAIRS], request.app[WRITER]
    pair = request.match_info["pair"]
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    if not await joined(pairs, pair, ws):
        return ws
    try:
        async for message in ws:
            if message.type is WSMsgType.BINARY:
                await writer.store(pair, message.data)
                with contextlib.suppress(ConnectionError):
                    if (other := pairs.partner(ws)) is not None:
                        await other.send_bytes(message.data)
                    await ws.send_bytes(SENT)
    finally:
        pairs.leave(pair, ws)
    return ws


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app(db: Path) -> web.Application:
    async def writer_ctx(app: web.Application) -> AsyncIterator[None]:
        app[WRITER] = Writer(db, asyncio.get_running_loop())
        yield
        app[WRITER].close()

    app = web.Application()
    app[PAIRS] = Pairs()
    app.cleanup_ctx.append(writer_ctx)
    app.router.add_get("/pair/{pair}", pair_ws)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the SQLite file the frames are stored in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    web.run_app(make_app(args.db), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
