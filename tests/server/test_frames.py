"""A connection's queued frames go out together and arrive as the same frames, in order, with or without
permessage-deflate; a closed connection is not written to."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from onduty.server.shell.frames import binary_frame
from onduty.server.shell.peer import Peer
from onduty.shared.codec import Codec

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 70_000]


@pytest.mark.parametrize(
    ("size", "header"),
    [(0, b"\x82\x00"), (125, b"\x82\x7d"), (126, b"\x82\x7e\x00\x7e"), (65535, b"\x82\x7e\xff\xff"),
     (65536, b"\x82\x7f" + struct.pack("!Q", 65536))],
)
def test_a_frame_header_is_rfc6455s_for_its_length(size: int, header: bytes) -> None:
    payload = bytes(size)
    assert binary_frame(payload) == header + payload


@pytest.fixture
async def server() -> AsyncIterator[tuple[TestServer, list[Peer]]]:
    peers: list[Peer] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        peer = Peer(ws, Codec(), outbox_frames=100, kind="agent")
        peer.start(request)
        peers.append(peer)
        for size in SIZES:  # all queued in one turn: written in one go
            peer.send_frame(bytes([size % 251]) * size)
        async for _ in ws:
            pass
        await peer.finish()
        return ws

    app = web.Application()
    app.router.add_get("/", handler)
    test_server = TestServer(app, host="127.0.0.1", port=0)
    await test_server.start_server()
    yield test_server, peers
    await test_server.close()


@pytest.mark.parametrize("compress", [0, 15])
async def test_frames_queued_together_arrive_one_by_one_in_order(
    server: tuple[TestServer, list[Peer]], compress: int
) -> None:
    test_server, _ = server
    async with aiohttp.ClientSession() as session, session.ws_connect(
        test_server.make_url("/"), compress=compress, max_msg_size=1 << 20
    ) as ws:
        got = [(await ws.receive_bytes(timeout=10)) for _ in SIZES]
    assert got == [bytes([size % 251]) * size for size in SIZES]


async def test_a_closed_connection_ends_the_writer_without_writing(server: tuple[TestServer, list[Peer]]) -> None:
    test_server, peers = server
    async with aiohttp.ClientSession() as session, session.ws_connect(
        test_server.make_url("/"), max_msg_size=1 << 20
    ) as ws:
        for _ in SIZES:
            await ws.receive_bytes(timeout=10)
        await ws.close()
    peer = peers[0]
    await asyncio.wait_for(peer.finish(), 5)
    peer.send_frame(b"late")  # after the close: dropped, never written
    assert peer.closed
