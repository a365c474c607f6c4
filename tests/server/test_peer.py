"""A peer that cannot keep up is cut off; it never makes the server wait."""

from __future__ import annotations

import asyncio

from onduty.server.shell.peer import Peer
from onduty.shared.codec import Codec
from onduty.shared.messages import QueueStatus


class StuckSocket:
    """Accepts one frame, then never finishes writing: a client that stopped reading."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed_with: tuple[int, bytes] | None = None
        self.release = asyncio.Event()

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)
        await self.release.wait()

    async def close(self, *, code: int, message: bytes) -> None:
        self.closed_with = (code, message)


async def test_slow_peer_is_disconnected_when_its_outbox_is_full() -> None:
    ws = StuckSocket()
    peer = Peer(ws, Codec(), outbox_frames=4, kind="agent")  # type: ignore[arg-type]
    peer.start()
    status = QueueStatus(queue="cim-emea", waiting=1, on_duty=1, routable=0)
    for _ in range(10):
        peer.send(status)  # never blocks, however slow the socket is
    assert peer.closed
    ws.release.set()
    await asyncio.wait_for(peer.finish(), 5)
    assert ws.closed_with == (1008, b"slow_consumer")
    assert len(ws.sent) <= 5
