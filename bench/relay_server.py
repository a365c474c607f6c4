"""Bare baseline: an aiohttp WebSocket server relaying msgpack frames between the two connections of a pair.

``/pair/<id>``: the first two connections with the same id are paired (both get a ``paired`` frame);
every binary frame from one is written to the other as it is. No routing, no persistence, no acks, no
decoding: the upper bound of this stack (aiohttp on one process) that OnDuty is compared with.

    python -m bench.relay_server [--host 127.0.0.1] [--port 8766]
"""

from __future__ import annotations

import argparse
import contextlib

from aiohttp import WSMsgType, web

from bench.pairing import PAIRED, Pairs

PAIRS = web.AppKey("pairs", Pairs[web.WebSocketResponse])
MAX_FRAME = 64 * 1024


async def joined(pairs: Pairs[web.WebSocketResponse], pair: str, ws: web.WebSocketResponse) -> bool:
    """Join ``ws`` to ``pair`` and tell both sides ``paired`` once it is complete; False when the pair was full
    (``ws`` is closed with 1008 then). The caller has a joined connection leave the pair when it ends."""
    try:
        partner = pairs.join(pair, ws)
    except ValueError:
        await ws.close(code=1008, message=b"pair full")
        return False
    try:
        if partner is not None:
            await partner.send_bytes(PAIRED)
            await ws.send_bytes(PAIRED)
    except BaseException:
        pairs.leave(pair, ws)
        raise
    return True


async def pair_ws(request: web.Request) -> web.WebSocketResponse:
    pairs = request.app[PAIRS]
    pair = request.match_info["pair"]
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    if not await joined(pairs, pair, ws):
        return ws
    try:
        async for message in ws:
            if message.type is WSMsgType.BINARY and (other := pairs.partner(ws)) is not None:
                with contextlib.suppress(ConnectionError):
                    await other.send_bytes(message.data)
    finally:
        pairs.leave(pair, ws)
    return ws


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app() -> web.Application:
    app = web.Application()
    app[PAIRS] = Pairs()
    app.router.add_get("/pair/{pair}", pair_ws)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
