"""One logical connection to an OnDuty endpoint, kept open across drops.

Each session: open the WebSocket, ``hello`` -> ``welcome``, then the handler's own handshake
(login or resume) and a read loop that hands every decoded message to the handler. Writes go
through a bounded per-session outbox drained by one writer task, so a caller never writes to the
socket itself and frames of a dead session are never sent on the next one. When a session ends
the connection waits ``backoff(attempt)`` (injected, with the ``sleep`` used to wait) and tries
again until the handler raises :class:`SessionEnded` or :meth:`Connection.close` is called;
:meth:`Connection.retry_now` ends the wait at once ("Reconnect now"). With ``fail_fast`` the first failure
before any session got through ends the connection instead (a sign-in says at once what is wrong).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol

import aiohttp

from onduty.client.net.backoff import Backoff, ExponentialBackoff
from onduty.client.net.errors import NotConnected, SessionEnded
from onduty.client.net.events import Connected, ConnectionEvent, Disconnected, GaveUp, Reconnecting
from onduty.client.net.unreachable import no_handshake, why_unreachable
from onduty.shared.codec import Codec
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import SERVER_MESSAGES, Error, Hello, Message, Welcome

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

HANDSHAKE_TIMEOUT_S = 4.0
"""How long the WebSocket upgrade may take: a host that accepts the connection and never answers it (a wrong port,
a hung server) is reported after this, not after the HTTP library's minutes."""

REFUSING_STATUS = frozenset({401, 403, 404})
"""HTTP answers to the upgrade that retrying will not change (403: origin not allowed)."""

SESSION_ERRORS = frozenset({
    ErrorCode.UNSUPPORTED_VERSION, ErrorCode.HELLO_REQUIRED, ErrorCode.AUTH_FAILED,
    ErrorCode.TOKEN_EXPIRED, ErrorCode.NOT_AUTHENTICATED, ErrorCode.REPLACED, ErrorCode.ORIGIN_NOT_ALLOWED,
})
"""Error codes after which the server closes the session and reconnecting would not help."""


class SessionHandler(Protocol):
    """What a client plugs into a :class:`Connection`."""

    async def on_open(self, welcome: Welcome) -> None:
        """A session is open: send the handshake (login / resume). May raise SessionEnded."""

    async def on_message(self, message: Message) -> None:
        """One decoded server message, in order. May raise SessionEnded to stop for good."""

    async def on_state(self, event: ConnectionEvent) -> None:
        """Connected / Disconnected / Reconnecting / GaveUp."""


class Connection:
    """Reconnecting WebSocket session runner; see the module docstring."""

    def __init__(
        self,
        url: str | Sequence[str],
        handler: SessionHandler,
        *,
        client_name: str = "onduty-client",
        headers: Mapping[str, str] | None = None,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int | None = None,
        outbox_size: int = 256,
        hello_timeout: float = 10.0,
        handshake_timeout: float = HANDSHAKE_TIMEOUT_S,
        heartbeat: float | None = 30.0,
        codec: Codec | None = None,
    ) -> None:
        self.urls: tuple[str, ...] = (url,) if isinstance(url, str) else tuple(url)
        """The server's URLs: several nodes of a cluster without a load balancer in front, tried in turn."""
        if not self.urls:
            raise ValueError("no server URL")
        self._current = 0
        self._handler = handler
        self._client_name = client_name
        self._headers = dict(headers or {})
        self._backoff: Backoff = backoff or ExponentialBackoff()
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._outbox_size = outbox_size
        self._hello_timeout = hello_timeout
        self._handshake_timeout = handshake_timeout
        self._heartbeat = heartbeat
        self._codec = codec or Codec(accepted=SERVER_MESSAGES)
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._outbox: asyncio.Queue[bytes] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._established = False
        self._ever_established = False
        self._wake = asyncio.Event()
        self.fail_fast = False
        """Give up once each URL failed once while no session ever got through (set before start)."""
        self.sessions = 0
        """Number of sessions that reached ``welcome``; identifies the current one."""

    @property
    def url(self) -> str:
        """The URL of the current (or next) attempt."""
        return self.urls[self._current]

    @property
    def connected(self) -> bool:
        return self._outbox is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"onduty-conn {self.url}")

    def established(self) -> None:
        """The handler finished its handshake: the next drop starts the backoff from the beginning."""
        self._established = True
        self._ever_established = True

    def retry_now(self) -> None:
        """Cut the wait before the next attempt short ("Reconnect now"); no-op while connected."""
        self._wake.set()

    def stop_after_session(self) -> None:
        """Do not reconnect when the current session ends (e.g. the server closes after a logout)."""
        self._closing = True

    async def send(self, message: Message) -> None:
        """Queue ``message`` on the current session (waits while the outbox is full)."""
        if self._outbox is None:
            raise NotConnected(type(message).TYPE)
        await self._outbox.put(self._codec.encode(message))

    async def close(self) -> None:
        """Stop for good: close the socket, end the reconnect loop and wait for it."""
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            if not self._task.done() and self._ws is None:
                self._task.cancel()  # sleeping in backoff or connecting: nothing to flush
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait_closed(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        attempt = 0
        try:
            async with aiohttp.ClientSession() as http:
                while not self._closing:
                    self._established = False
                    reason, code = await self._session(http)
                    await self._handler.on_state(Disconnected(reason, code))
                    if self._closing:
                        break
                    # with several nodes, the next attempt goes to the next one (this one failed or went away)
                    # at once; the backoff applies once every address of the round has failed
                    self._current = (self._current + 1) % len(self.urls)
                    attempt = 1 if self._established else attempt + 1
                    if self.fail_fast and not self._ever_established and attempt >= len(self.urls):
                        raise SessionEnded(reason)
                    if self._max_attempts is not None and attempt > self._max_attempts:
                        raise SessionEnded(f"gave up after {attempt - 1} reconnect attempts: {reason}")
                    rounds, rest = divmod(attempt, len(self.urls))
                    delay = 0.0 if rest else self._backoff(rounds)
                    log.debug("session ended (%s); attempt %d at %s in %.2f s", reason, attempt, self.url, delay)
                    await self._handler.on_state(Reconnecting(attempt, delay))
                    if delay:
                        await self._pause(delay)
            await self._handler.on_state(GaveUp("closed by the client"))
        except SessionEnded as exc:
            log.info("%s: giving up: %s", self.url, exc.reason)
            await self._handler.on_state(GaveUp(exc.reason, exc.code))
        except asyncio.CancelledError:
            await self._handler.on_state(GaveUp("closed by the client"))
            raise
        except Exception as exc:  # our bug: say so and stop, rather than stay "ready" with no session
            log.exception("%s: the connection stopped on an unexpected error", self.url)
            await self._handler.on_state(GaveUp(f"the connection stopped on an unexpected error: {exc!r}"))

    async def _pause(self, delay: float) -> None:
        """Sleep ``delay`` (with the injected sleep), or less if :meth:`retry_now` is called meanwhile."""
        self._wake.clear()
        sleeping = asyncio.ensure_future(self._sleep(delay))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeping, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeping, woken):
                task.cancel()
            await asyncio.gather(sleeping, woken, return_exceptions=True)

    async def _session(self, http: aiohttp.ClientSession) -> tuple[str, int | None]:
        """Run one session to its end; returns why it ended. Raises SessionEnded to stop for good."""
        try:
            async with asyncio.timeout(self._handshake_timeout) as limit:
                ws = await http.ws_connect(
                    self.url, headers=self._headers, heartbeat=self._heartbeat,
                    max_msg_size=self._codec.limits.max_frame, autoping=True,
                )
        except TimeoutError:
            if limit.expired():
                return no_handshake(self.url, self._handshake_timeout), None
            return why_unreachable(TimeoutError(), self.url), None
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in REFUSING_STATUS:
                code = ErrorCode.ORIGIN_NOT_ALLOWED if exc.status == 403 else None
                raise SessionEnded(f"server refused the upgrade: HTTP {exc.status}", code) from None
            return f"upgrade failed: HTTP {exc.status}", None
        except (aiohttp.ClientError, OSError) as exc:
            return why_unreachable(exc, self.url), None
        self._ws = ws
        try:
            welcome = await self._hello(ws)
            if welcome is None:
                return "no welcome", ws.close_code
            self.sessions += 1
            self._outbox = asyncio.Queue(self._outbox_size)
            writer = asyncio.create_task(self._write(ws, self._outbox))
            try:
                await self._handler.on_state(Connected(welcome.server, welcome.protocol, welcome.heartbeat_s))
                await self._handler.on_open(welcome)
                await self._read(ws)
            finally:
                self._outbox = None
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            return "connection closed", ws.close_code
        finally:
            self._ws = None
            await ws.close()

    async def _hello(self, ws: aiohttp.ClientWebSocketResponse) -> Welcome | None:
        hello = Hello(protocol=PROTOCOL_VERSION, client=self._client_name, req=f"hello-{self.sessions + 1}")
        await ws.send_bytes(self._codec.encode(hello))
        try:
            async with asyncio.timeout(self._hello_timeout):
                first = await ws.receive()
        except TimeoutError:
            return None
        if first.type is not aiohttp.WSMsgType.BINARY:
            return None
        try:
            message = self._codec.decode(first.data)
        except ProtocolError as exc:
            log.warning("%s: undecodable first frame: %s", self.url, exc)
            return None
        if isinstance(message, Welcome):
            if message.protocol != PROTOCOL_VERSION:
                # Replies are matched by req, which only protocol 2 echoes: nothing would ever be answered.
                raise SessionEnded(f"the server speaks protocol {message.protocol}, not {PROTOCOL_VERSION}",
                                   ErrorCode.UNSUPPORTED_VERSION)
            return message
        if isinstance(message, Error) and message.code in SESSION_ERRORS:
            raise SessionEnded(f"hello refused: {message.code.value} {message.detail}".strip(), message.code)
        log.warning("%s: expected welcome, got %s", self.url, message.TYPE)
        return None

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type is not aiohttp.WSMsgType.BINARY:
                log.warning("%s: ignoring a %s frame", self.url, frame.type.name)
                continue
            try:
                message = self._codec.decode(frame.data)
            except ProtocolError as exc:
                log.warning("%s: undecodable frame from the server: %s", self.url, exc)
                continue
            await self._handler.on_message(message)

    @staticmethod
    async def _write(ws: aiohttp.ClientWebSocketResponse, outbox: asyncio.Queue[bytes]) -> None:
        try:
            while True:
                await ws.send_bytes(await outbox.get())
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            log.info("write failed, closing: %r", exc)
            await ws.close()
