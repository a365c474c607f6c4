"""What the browser pages' own WebSockets (the console's feed, the co-browse view) share: an upgrade that is
refused after it went through (a browser cannot read a refused upgrade's status, so it gets one ``error`` and a
1008 close it can show), and an endpoint run on the connection's ``Peer`` until it ends."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from onduty.server.config import ServerConfig
from onduty.server.shell.endpoint import Endpoint
from onduty.server.shell.peer import Peer
from onduty.shared.codec import Codec
from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.messages import Error


async def refuse(ws: web.WebSocketResponse, codec: Codec, code: ErrorCode, detail: str) -> web.WebSocketResponse:
    """Tell the prepared connection why, then close it (1008, the code as the reason)."""
    await ws.send_bytes(codec.encode(Error(code=code, detail=detail)))
    await ws.close(code=CloseCode.POLICY_VIOLATION, message=code.value.encode())
    return ws


async def run_endpoint(ws: web.WebSocketResponse, codec: Codec, config: ServerConfig, kind: str, peers: set[Peer],
                       make: Callable[[Peer], Endpoint]) -> web.WebSocketResponse:
    """Serve the prepared connection with the endpoint ``make`` builds on its peer (known to ``peers``
    meanwhile, so that a shutdown closes it)."""
    peer = Peer(ws, codec, config.outbox_frames, kind)
    peer.start()
    peers.add(peer)
    try:
        await make(peer).run(ws)
    finally:
        peers.discard(peer)
        await peer.finish()
    return ws
