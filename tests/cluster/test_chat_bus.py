"""The pieces under a relaying gateway: the owner's sideband frames, the chat bus on Redis, and how a node
fills what pub/sub did not bring from the store."""

from __future__ import annotations

import asyncio

import msgpack
import pytest
from redis.asyncio import Redis

from onduty.server.cluster.chat_bus import ChatBus, Subscriber, closed
from onduty.server.shell.feed import Feed
from onduty.server.shell.sessions import ChatSession
from onduty.server.shell.sideband import (
    AgentWrote,
    RelayEnded,
    RelayStart,
    RelayStop,
    Stored,
    decode_sideband,
    encode_sideband,
    is_sideband,
)
from onduty.server.shell.writes import Writes
from onduty.server.store.records import StoredMessage
from onduty.shared.messages import ChatMessage, Send
from onduty.shared.types import Role
from tests.server.test_ports import CODEC, FakePeer, as_peer, record

pytestmark = pytest.mark.timeout(30)


def test_sideband_frames_come_back_as_sent_and_no_client_frame_is_taken_for_one() -> None:
    for frame in (RelayStart("c1", Role.AGENT, 3, 7, "Ann Agent"), RelayStop("c1", Role.REQUESTOR),
                  RelayEnded("c1"), AgentWrote("c1"), Stored(message(4, "hi")),
                  Stored(StoredMessage("c1", 5, Role.AGENT, "Ann", "ok", 5.5, "m-5", None))):
        assert decode_sideband(encode_sideband(frame)) == frame
    assert not is_sideband(CODEC.encode(Send(chat_id="c1", client_msg_id="m1", text="hi")))
    with pytest.raises(ValueError, match="sideband frame"):
        decode_sideband(b"\xc1" + msgpack.packb(["start", "c1"]))
    with pytest.raises(ValueError, match="sideband frame"):
        decode_sideband(b"\xc1\xff")


class Messages:
    """A store of one chat's messages (what a node reads when the bus missed some)."""

    def __init__(self, messages: list[StoredMessage]) -> None:
        self.messages = messages
        self.reads = 0

    async def messages_after(self, chat_id: str, after_seq: int, limit: int) -> list[StoredMessage]:
        self.reads += 1
        return [m for m in self.messages if m.seq > after_seq][:limit]

    async def whispers(self, chat_id: str) -> list[object]:
        return []


def message(seq: int, text: str) -> StoredMessage:
    return StoredMessage("c1", seq, Role.REQUESTOR, "Rita", text, float(seq), None, None)


async def test_a_message_after_a_gap_waits_then_what_the_bus_missed_is_read_from_the_store() -> None:
    store = Messages([message(1, "first"), message(2, "second")])
    writes = Writes(store)  # type: ignore[arg-type]
    session = ChatSession(record=record("c1"))
    ann = FakePeer(CODEC)
    await session.replay(Role.AGENT, session.attach(Role.AGENT, as_peer(ann), 0), store)  # type: ignore[arg-type]
    store.reads = 0
    feed = Feed(store, writes, {"c1": session}.get, lambda: [session], gap_s=0.0)  # type: ignore[arg-type]
    feed.arrived(message(2, "second"))  # seq 1 never came over the bus
    assert not ann.frames
    for _ in range(3):  # the gap timer (0 s), then its store read
        await asyncio.sleep(0)
    await writes.drain()
    assert [(m.seq, m.text) for m in ann.frames if isinstance(m, ChatMessage)] == [(1, "first"), (2, "second")]
    assert store.reads == 1
    feed.arrived(message(2, "second"))  # heard again (its node publishes it late): nothing more
    feed.catch_up_all()  # Redis came back: the store has nothing new either
    await writes.drain()
    assert len([m for m in ann.frames if isinstance(m, ChatMessage)]) == 2


async def test_subscriptions_made_at_once_on_a_new_node_are_all_heard(redis_url: str) -> None:
    redis, other = Redis.from_url(redis_url), Redis.from_url(redis_url)
    heard: list[StoredMessage] = []
    all_heard = asyncio.Event()

    def arrived(m: StoredMessage) -> None:
        heard.append(m)
        if len(heard) >= 8:
            all_heard.set()

    bus, publisher = ChatBus(redis, "b"), ChatBus(other, "a")
    subscriber = Subscriber(bus, arrived, lambda: None)
    subscriber.start()
    try:
        async with asyncio.timeout(15):  # a hang shows where it stood
            # several clients' chats at once, before the pub/sub connection exists (two connections were opened
            # once, and the first one's subscriptions were never read)
            await asyncio.gather(*(subscriber.add(f"c{n}") for n in range(8)))
            bus.publish(StoredMessage("c0", 2, Role.AGENT, "Ann", "this node's own", 2.0, None, None))
            await asyncio.sleep(0)
            for n in range(8):
                publisher.publish(StoredMessage(f"c{n}", 1, Role.AGENT, "Ann", f"to c{n}", 1.0, None, None))
            publisher.publish(StoredMessage("c9", 1, Role.AGENT, "Ann", "nobody here reads c9", 1.0, None, None))
            await all_heard.wait()
            assert sorted(m.text for m in heard) == sorted(f"to c{n}" for n in range(8))
    finally:
        await subscriber.close()
        await bus.close()
        await publisher.close()
        await closed(redis.aclose(), "the test's connection")
        await closed(other.aclose(), "the test's other connection")


async def test_a_replay_never_sends_a_party_what_it_wrote_after_attaching() -> None:
    agent_wrote = StoredMessage("c1", 1, Role.AGENT, "Ann", "hello", 1.0, None, None)
    store = Messages([agent_wrote, message(2, "written while the replay ran")])
    session = ChatSession(record=record("c1"), last_seq=1)
    rita = FakePeer(CODEC)
    attached = session.attach(Role.REQUESTOR, as_peer(rita), 0)
    session.add(message(2, "written while the replay ran"))  # confirmed to rita with sent, not sent back
    await session.replay(Role.REQUESTOR, attached, store)  # type: ignore[arg-type]
    assert [(m.seq, m.text) for m in rita.frames if isinstance(m, ChatMessage)] == [(1, "hello")]
    session.add(StoredMessage("c1", 3, Role.AGENT, "Ann", "live", 3.0, None, None))
    assert [m.seq for m in rita.frames if isinstance(m, ChatMessage)] == [1, 3]
