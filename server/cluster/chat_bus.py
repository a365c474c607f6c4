"""Stored chat messages between the gateways of a cluster: Redis pub/sub, one channel per chat.

The node that stores a message publishes it on the chat's channel: a gateway every message it stored for its
client, the routing owner those of chats that a gateway's client reads. A gateway subscribes to the chats its
clients read. Per chat, not per node: a node need not know where the other party is, and it hears only of the
chats it serves. The owner does not listen: a gateway tells it what it stored on the client's own connection
(:class:`~onduty.server.shell.sideband.Stored`), in order with the client's other frames.

Pub/sub delivers at most once. The store is the record: a receiver that sees a ``seq`` after a gap, or whose
subscription was cut (Redis restarted), reads what it missed from the store (:class:`Subscriber` calls
``caught_up``; :class:`~onduty.server.shell.feed.Feed`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import msgpack
from redis.asyncio import Redis
from redis.exceptions import RedisError

from onduty.server.cluster.lease import KEY_PREFIX
from onduty.server.cluster.stopping import stopped
from onduty.server.shell.sessions import to_wire
from onduty.server.store.records import StoredMessage
from onduty.shared.codec import Codec
from onduty.shared.errors import ProtocolError
from onduty.shared.messages import ChatMessage

log = logging.getLogger(__name__)

RETRY_S = 0.5
"""Pause before listening again after Redis did not answer."""
CONFIRM_S = 2.0
"""How long a new subscription waits for Redis to confirm it."""
CLOSE_S = 2.0
"""How long closing a Redis connection may take."""
POLL_S = 0.05
"""How often the listener looks for a first subscription."""


async def closed(closing: Coroutine[Any, Any, Any], what: str) -> None:
    """Await ``closing`` (a Redis connection's close) for at most ``CLOSE_S``: a connection whose socket does
    not finish closing must not hold up a node's shutdown."""
    try:
        async with asyncio.timeout(CLOSE_S):
            await closing
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("closing %s: %s", what, exc or "timed out")


class ChatBus:
    """Publishes the messages this node stored, in the order it stored them, and reads what others publish."""

    def __init__(self, redis: Redis, node: str, prefix: str = KEY_PREFIX) -> None:
        self.redis = redis
        self.node = node
        self._prefix = f"{prefix}chat:"
        self._codec = Codec([ChatMessage])
        self._queue: list[tuple[str, bytes]] = []
        self._queued = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def channel(self, chat_id: str) -> str:
        return self._prefix + chat_id

    def publish(self, message: StoredMessage) -> None:
        """Queue ``message`` for the other nodes (sent by one task, a turn's messages in one round trip)."""
        payload = msgpack.packb([self.node, self._codec.encode(to_wire(message))])
        self._queue.append((self.channel(message.chat_id), payload))
        self._queued.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._publish(), name="chat-bus-publish")

    async def _publish(self) -> None:
        while True:
            await self._queued.wait()
            self._queued.clear()
            batch, self._queue = self._queue, []
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for channel, payload in batch:
                        pipe.publish(channel, payload)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                # stored all the same: the receivers read them from the store when they notice the gap
                log.warning("publishing %d stored messages to the other nodes failed: %s", len(batch), exc)

    def decode(self, payload: bytes) -> tuple[str, StoredMessage] | None:
        """``(node that stored it, message)``; None (logged) for what no node of ours publishes."""
        try:
            node, frame = msgpack.unpackb(payload)
            m = self._codec.decode(frame)
        except (ValueError, TypeError, msgpack.UnpackException, ProtocolError) as exc:
            log.warning("a frame on the chat bus is not a stored message: %s", exc)
            return None
        if not isinstance(m, ChatMessage) or not isinstance(node, str):
            return None
        return node, StoredMessage(m.chat_id, m.seq, m.sender, m.sender_name, m.text, m.at, m.client_msg_id,
                                   m.file)

    async def close(self) -> None:
        if self._task is not None:
            await stopped(self._task)


class Subscriber:
    """This node's subscriptions on one pub/sub connection; each message another node stored goes to
    ``arrived``. After Redis did not answer, ``caught_up`` is called once listening works again (what was
    published meanwhile is lost to pub/sub and must be read from the store)."""

    def __init__(self, bus: ChatBus, arrived: Callable[[StoredMessage], None], caught_up: Callable[[], None]) -> None:
        self._bus = bus
        self._arrived = arrived
        self._caught_up = caught_up
        self._pubsub: Any = bus.redis.pubsub()
        self._confirmed: dict[bytes, asyncio.Future[None]] = {}
        self._count: dict[str, int] = {}
        self._commands = asyncio.Lock()
        """One (un)subscribe at a time: two at once on a pub/sub not connected yet would open two connections,
        and nobody would read the first."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen(), name="chat-bus-listen")

    async def add(self, chat_id: str) -> None:
        """Listen to ``chat_id`` (counted: as often as :meth:`remove` is called). Returns once Redis confirmed
        the subscription (or did not within ``CONFIRM_S``), so that a store read made after it misses nothing
        that pub/sub does not bring."""
        self._count[chat_id] = self._count.get(chat_id, 0) + 1
        if self._count[chat_id] > 1:
            return
        channel = self._bus.channel(chat_id)
        confirmed = self._confirmed[channel.encode()] = asyncio.get_running_loop().create_future()
        try:
            async with self._commands:
                await self._pubsub.subscribe(channel)
            async with asyncio.timeout(CONFIRM_S):
                await confirmed
        except (RedisError, OSError, TimeoutError) as exc:  # resubscribed with the others when Redis is back
            log.warning("subscribing to a chat's messages was not confirmed: %s", exc, extra={"chat": chat_id})
        finally:
            self._confirmed.pop(channel.encode(), None)

    async def remove(self, chat_id: str) -> None:
        left = self._count.get(chat_id, 0) - 1
        if left > 0:
            self._count[chat_id] = left
            return
        self._count.pop(chat_id, None)
        with contextlib.suppress(RedisError, OSError):
            async with self._commands:
                await self._pubsub.unsubscribe(self._bus.channel(chat_id))

    async def _listen(self) -> None:
        lost = False
        while True:
            if not self._pubsub.subscribed:
                await asyncio.sleep(POLL_S)
                continue
            try:
                item = await self._pubsub.get_message(timeout=1.0)
            except (RedisError, OSError) as exc:
                if not lost:
                    log.warning("listening to the other nodes' messages failed: %s", exc)
                lost = True
                await asyncio.sleep(RETRY_S)
                continue
            if lost:
                lost = False
                log.info("listening to the other nodes' messages again")
                self._caught_up()
            if item is None:
                continue
            if item.get("type") == "subscribe":
                confirmed = self._confirmed.get(item.get("channel"))
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(None)
                continue
            if item.get("type") not in ("message", "pmessage"):
                continue
            decoded = self._bus.decode(item["data"])
            if decoded is not None and decoded[0] != self._bus.node:
                try:
                    self._arrived(decoded[1])
                except Exception:  # our bug: logged; the listener must outlive it or no message arrives again
                    log.exception("delivering a message of another node failed")

    async def close(self) -> None:
        if self._task is not None:
            await stopped(self._task)
        await closed(self._pubsub.aclose(), "the chat bus's subscriptions")
