"""Monitor and whisper on loopback: a supervisor watches a live chat read-only and whispers to its agent;
the requestor's connection never receives a whisper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from onduty.server.core.roles import StaffRole
from onduty.server.store import AgentRecord, open_store
from onduty.server.store.url import default_url
from onduty.shared.errors import ErrorCode
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import (
    ChatAssigned,
    ChatEnded,
    ChatMessage,
    ConsoleQueue,
    EndChat,
    Error,
    Hello,
    MonitorChat,
    Monitoring,
    Send,
    SendWhisper,
    Sent,
    StopMonitoring,
    Welcome,
    Whisper,
)
from onduty.shared.types import ChatState, Role

from .conftest import agent_on_duty, request
from .harness import CODEC, PASSWORD, Harness, Wire

SECRET = "offer the refund, it is approved"


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Harness]:
    """carl supervises cim-emea (ann and bob answer it); dora is an admin."""
    h = Harness(tmp_path / "data", agent_grace_s=0.0, console_interval_s=0.05)
    await h.seed()
    store = open_store(default_url(h.config), h.config)
    await store.open()
    await store.set_role("carl", StaffRole.SUPERVISOR, ["cim-emea"])
    existing = await store.get_agent("carl")
    assert existing is not None
    await store.add_agent(AgentRecord("dora", "Dora Admin", "EMEA", "CIM", (), existing.password_hash))
    await store.set_role("dora", StaffRole.ADMIN, [])
    await store.close()
    await h.start()
    yield h
    await h.close()


async def watcher(h: Harness, session: aiohttp.ClientSession, username: str = "carl") -> Wire:
    """A signed-in console feed."""
    own = h.url("/").rstrip("/")
    response = await session.post(h.url("/console/api/session"), json={"username": username, "password": PASSWORD},
                                  headers={"Origin": own})
    assert response.status == 200
    ws = await session.ws_connect(h.url("/console/ws"), headers={"Origin": own})
    wire = Wire(ws)
    h.wires.append(wire)
    await wire.send(Hello(protocol=PROTOCOL_VERSION, client="tests"))
    await wire.expect(Welcome)
    return wire


def jar() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def test_a_supervisor_watches_a_chat_live_and_whispers_to_its_agent_only(console: Harness) -> None:
    h = console
    ann, _ = await agent_on_duty(h, "ann")
    rita, requested = await request(h)
    chat_id = requested.chat_id
    await ann.expect(ChatAssigned)
    await ann.until(ChatMessage, lambda m: m.seq == 1)
    async with jar() as carl_session, jar() as dora_session:
        carl = await watcher(h, carl_session)
        line = await carl.until(ConsoleQueue, lambda q: q.queue == "cim-emea" and q.chats)
        assert [(c.chat_id, c.agent, c.agent_name, c.requestor_name) for c in line.chats] == [
            (chat_id, "ann", "Ann Agent", "Rita Requestor")]
        await carl.send(MonitorChat(chat_id=chat_id, req="m7"))
        monitoring = await carl.until(Monitoring)
        assert monitoring.req == "m7"
        assert (monitoring.chat.chat_id, monitoring.chat.agent, monitoring.chat.state) == (
            chat_id, "ann", ChatState.ASSIGNED)
        first = await carl.until(ChatMessage)
        assert (first.seq, first.sender, first.text) == (1, Role.REQUESTOR, "Hello, I need a processor")

        dora = await watcher(h, dora_session, "dora")
        await dora.send(MonitorChat(chat_id=chat_id))
        await dora.until(Monitoring)
        await dora.until(ChatMessage, lambda m: m.seq == 1)

        await ann.send(Send(chat_id=chat_id, client_msg_id="a1", text="Hi Rita, which order?"))
        await ann.expect(Sent)
        live = await carl.until(ChatMessage, lambda m: m.seq == 2)
        assert (live.sender, live.text) == (Role.AGENT, "Hi Rita, which order?")

        await carl.send(SendWhisper(chat_id=chat_id, text=SECRET, req="w8"))
        reply = await carl.until(Whisper)
        assert (reply.req, reply.chat_id, reply.sender, reply.sender_name, reply.text) == (
            "w8", chat_id, "carl", "Carl Agent", SECRET)
        to_agent = await ann.until(Whisper)
        assert (to_agent.text, to_agent.sender_name, to_agent.whisper_id) == (SECRET, "Carl Agent", reply.whisper_id)
        assert (await dora.until(Whisper)).text == SECRET
        assert [w.text for w in await h.shell.store.whispers(chat_id)] == [SECRET]

        # the requestor goes on chatting; everything its connection gets up to the agent's next reply has no whisper
        await rita.send(Send(chat_id=chat_id, client_msg_id="r2", text="Order 42"))
        await rita.until(Sent)
        assert (await carl.until(ChatMessage, lambda m: m.seq == 3)).text == "Order 42"
        await ann.send(Send(chat_id=chat_id, client_msg_id="a2", text="Refund is on its way"))
        await rita.until(ChatMessage, lambda m: m.seq == 4)
        rita_frames = [*rita.seen, *rita.pending]
        assert rita_frames, "the requestor's connection was read"
        assert not any(isinstance(m, Whisper) for m in rita_frames)
        assert not any(SECRET in repr(m) for m in rita_frames)
        assert not any(SECRET.encode() in CODEC.encode(m) for m in rita_frames)

        # a supervisor joining later reads the whispers so far after the chat's messages
        await dora.send(StopMonitoring(chat_id=chat_id))
        await dora.send(MonitorChat(chat_id=chat_id))
        await dora.until(Monitoring)
        assert (await dora.until(Whisper)).text == SECRET

        await carl.send(StopMonitoring(chat_id=chat_id))
        await carl.send(MonitorChat(chat_id="nope"))
        assert (await carl.until(Error)).code is ErrorCode.UNKNOWN_CHAT
        session = h.shell.delivery.session(chat_id)
        assert session is not None
        assert len(session.watchers) == 1  # dora's only

        await rita.send(EndChat(chat_id=chat_id))
        await dora.until(ChatEnded)


async def test_monitor_and_whisper_are_refused_outside_the_supervised_queues(console: Harness) -> None:
    h = console
    carl_agent, _ = await agent_on_duty(h, "carl")  # carl answers cic but supervises cim-emea only
    _rita, requested = await request(h, queue="cic")
    await carl_agent.until(ChatAssigned)
    async with jar() as session:
        carl = await watcher(h, session)
        await carl.send(MonitorChat(chat_id=requested.chat_id, req="m1"))
        refused = await carl.until(Error)
        assert (refused.code, refused.req) == (ErrorCode.NOT_ALLOWED, "m1")
        await carl.send(SendWhisper(chat_id=requested.chat_id, text="psst", req="w2"))
        assert (await carl.until(Error)).code is ErrorCode.NOT_ALLOWED
        await carl.send(SendWhisper(chat_id="nope", text="psst"))
        assert (await carl.until(Error)).code is ErrorCode.UNKNOWN_CHAT
        assert await h.shell.store.whispers(requested.chat_id) == []
        assert not any(isinstance(m, Whisper) for m in [*carl_agent.seen, *carl_agent.pending])


async def test_an_ended_chat_cannot_be_opened_or_whispered_to(console: Harness) -> None:
    h = console
    ann, _ = await agent_on_duty(h, "ann")
    _rita, requested = await request(h)
    await ann.expect(ChatAssigned)
    await ann.send(EndChat(chat_id=requested.chat_id))
    await ann.until(ChatEnded)
    async with jar() as session:
        carl = await watcher(h, session)
        await carl.send(MonitorChat(chat_id=requested.chat_id))
        assert (await carl.until(Error)).code is ErrorCode.CHAT_ENDED
        await carl.send(SendWhisper(chat_id=requested.chat_id, text="too late"))
        assert (await carl.until(Error)).code is ErrorCode.CHAT_ENDED
        assert await h.shell.store.whispers(requested.chat_id) == []


async def test_a_closed_console_stops_watching(console: Harness) -> None:
    h = console
    ann, _ = await agent_on_duty(h, "ann")
    _rita, requested = await request(h)
    await ann.expect(ChatAssigned)
    async with jar() as session:
        carl = await watcher(h, session)
        await carl.send(MonitorChat(chat_id=requested.chat_id))
        await carl.until(Monitoring)
        chat = h.shell.delivery.session(requested.chat_id)
        assert chat is not None and len(chat.watchers) == 1
        await carl.close()
        for _ in range(200):
            if not chat.watchers:
                break
            await ann.send(Send(chat_id=requested.chat_id, client_msg_id=f"x{_}", text="still there?"))
            await ann.expect(Sent)
        assert not chat.watchers


async def test_an_agent_signing_in_again_gets_the_chats_whispers_with_its_transcript(console: Harness) -> None:
    h = console
    ann, _ = await agent_on_duty(h, "ann")
    rita, requested = await request(h)
    chat_id = requested.chat_id
    await ann.until(ChatMessage, lambda m: m.seq == 1)
    async with jar() as session:
        carl = await watcher(h, session)
        await carl.send(SendWhisper(chat_id=chat_id, text=SECRET))
        await carl.until(Whisper)
    await ann.until(Whisper)
    h.clock.advance(1)
    await rita.send(Send(chat_id=chat_id, client_msg_id="r2", text="Order 42"))
    await rita.until(Sent)

    again, _ = await agent_on_duty(h, "ann")  # the tray restarted: a new connection resumes the chat
    resumed = await again.until(ChatAssigned)
    assert resumed.resumed and resumed.chat.chat_id == chat_id
    replay = [await again.until(ChatMessage), await again.until(Whisper), await again.until(ChatMessage)]
    order = [m.seq if isinstance(m, ChatMessage) else "whisper"
             for m in again.seen if isinstance(m, ChatMessage | Whisper)]
    assert order == [1, "whisper", 2]  # in place: after the message it followed, before the next
    assert isinstance(replay[1], Whisper) and replay[1].text == SECRET
    assert not any(isinstance(m, Whisper) for m in [*rita.seen, *rita.pending])
