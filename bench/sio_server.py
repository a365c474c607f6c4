"""Second baseline: the same pair relay on python-socketio (what many teams reach for), on aiohttp.

A client connects with ``auth={"pair": id}``; the first two clients of an id are paired (both get an
``m`` event carrying a msgpack ``paired`` frame); every ``m`` event's binary payload goes to the partner.

    python -m bench.sio_server [--host 127.0.0.1] [--port 8767]
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from aiohttp import web

from bench.pairing import PAIRED, Pairs


class SocketIORelay:
    """Socket.IO event handlers around one :class:`Pairs` table (sid -> pair)."""

    def __init__(self) -> None:
        socketio = importlib.import_module("socketio")  # untyped library, kept behind Any
        self.sio: Any = socketio.AsyncServer(async_mode="aiohttp", max_http_buffer_size=64 * 1024)
        self.pairs: Pairs[str] = Pairs()
        self.pair_of: dict[str, str] = {}
        self.sio.on("connect", self.connect)
        self.sio.on("disconnect", self.disconnect)
        self.sio.on("m", self.message)

    async def connect(self, sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
        pair = str((auth or {}).get("pair", ""))
        try:
            partner = self.pairs.join(pair, sid)
        except ValueError:
            return False
        self.pair_of[sid] = pair
        if partner is not None:
            await self.sio.emit("m", PAIRED, to=partner)
            await self.sio.emit("m", PAIRED, to=sid)
        return True

    async def disconnect(self, sid: str, *reason: Any) -> None:
        pair = self.pair_of.pop(sid, None)
        if pair is not None:
            self.pairs.leave(pair, sid)

    async def message(self, sid: str, data: bytes) -> None:
        partner = self.pairs.partner(sid)
        if partner is not None:
            await self.sio.emit("m", data, to=partner)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app() -> web.Application:
    app = web.Application()
    SocketIORelay().sio.attach(app)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
