"""A gateway stores and delivers its clients' chat messages itself: they reach the other party whichever node
it is on, once and in order, a resume on another node misses nothing, and the owner's rules still hold
(a chat that ended takes no more messages)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from onduty.client.net import AgentClient, RequestorClient
from onduty.client.net.errors import RequestFailed
from onduty.server.shell.sideband import Stored, encode_sideband
from onduty.server.store.records import StoredMessage
from onduty.shared.errors import ErrorCode
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import (
    AgentJoined,
    ChatAssigned,
    ChatEnded,
    ChatMessage,
    ChatRequested,
    Error,
    Hello,
    RequestChat,
    Send,
    Sent,
    Typing,
    Welcome,
)
from onduty.shared.types import Role
from tests.cluster.nodes import PASSWORD, Node
from tests.cluster.test_failover import WAIT, until_event
from tests.server.harness import Wire

pytestmark = pytest.mark.timeout(120)


async def texts(client: AgentClient | RequestorClient, chat_id: str, count: int) -> list[tuple[int, str]]:
    """The next ``count`` messages of ``chat_id`` the client receives, as ``(seq, text)``."""
    got: list[tuple[int, str]] = []
    while len(got) < count:
        m = await until_event(client, ChatMessage)
        if isinstance(m, ChatMessage) and m.chat_id == chat_id:
            got.append((m.seq, m.text))
    return got


async def chat(ann: AgentClient, rita: RequestorClient, text: str | None = None) -> str:
    """Ann goes On Duty, Rita asks for a chat (with ``text`` as its first message) and Ann gets it."""
    await ann.start()
    await ann.set_duty(True)
    await rita.start()
    chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text=text)
    await until_event(ann, ChatAssigned)
    return chat_id


async def stored_by_gateway(node: Node) -> int:
    health = await node.health()
    assert health is not None and health["role"] == "gateway"
    relay = health["relay"]
    assert isinstance(relay, dict)
    return int(relay["stored"])


async def test_both_parties_on_the_gateway_chat_without_the_owner_storing_their_messages(
    cluster: tuple[Node, Node],
) -> None:
    _a, b = cluster
    ann = AgentClient(b.url, "ann", password=PASSWORD, request_timeout=WAIT)
    rita = RequestorClient(b.url, request_timeout=WAIT)
    try:
        chat_id = await chat(ann, rita, "my invoice is wrong")
        assert await texts(ann, chat_id, 1) == [(1, "my invoice is wrong")]
        before = await stored_by_gateway(b)
        assert await ann.send(chat_id, "let me look") == 2
        assert await texts(rita, chat_id, 1) == [(2, "let me look")]
        for n in range(3):
            await rita.send(chat_id, f"detail {n}")
        assert await texts(ann, chat_id, 3) == [(3, "detail 0"), (4, "detail 1"), (5, "detail 2")]
        assert await stored_by_gateway(b) == before + 4  # message 1 came with the request: the owner stored it
    finally:
        await rita.close()
        await ann.close()


async def test_parties_on_different_nodes_get_each_others_messages_once_and_in_order(
    cluster: tuple[Node, Node],
) -> None:
    a, b = cluster
    ann = AgentClient(a.url, "ann", password=PASSWORD, request_timeout=WAIT)
    rita = RequestorClient(b.url, request_timeout=WAIT)
    try:
        chat_id = await chat(ann, rita)
        sends = [asyncio.create_task(rita.send(chat_id, f"r{n}")) for n in range(5)]
        replies = [asyncio.create_task(ann.send(chat_id, f"a{n}")) for n in range(5)]
        seqs = await asyncio.gather(*sends, *replies)
        assert sorted(seqs) == list(range(1, 11))  # one seq each, whichever node stored it
        from_rita = await texts(ann, chat_id, 5)
        from_ann = await texts(rita, chat_id, 5)
        assert [t for _s, t in from_rita] == [f"r{n}" for n in range(5)]
        assert [t for _s, t in from_ann] == [f"a{n}" for n in range(5)]
        assert [s for s, _t in from_rita] == sorted(s for s, _t in from_rita)
        assert [s for s, _t in from_ann] == sorted(s for s, _t in from_ann)
    finally:
        await rita.close()
        await ann.close()


async def test_an_agent_who_signs_in_again_on_the_gateway_gets_what_it_missed_once(
    cluster: tuple[Node, Node],
) -> None:
    a, b = cluster
    ann = AgentClient(a.url, "ann", password=PASSWORD, request_timeout=WAIT)
    rita = RequestorClient(b.url, request_timeout=WAIT)
    again: AgentClient | None = None
    try:
        chat_id = await chat(ann, rita, "hello")
        assert await texts(ann, chat_id, 1) == [(1, "hello")]
        await ann.close()  # gone for a moment (inside the agent's grace): the chat stays hers
        await rita.send(chat_id, "are you there?")
        await rita.send(chat_id, "hello?")
        again = AgentClient(b.url, "ann", password=PASSWORD, request_timeout=WAIT)
        await again.start()
        resumed = await until_event(again, ChatAssigned)
        assert isinstance(resumed, ChatAssigned) and resumed.chat.chat_id == chat_id
        got = await texts(again, chat_id, 3)  # from the start: this client has no cursor of its own
        assert got == [(1, "hello"), (2, "are you there?"), (3, "hello?")]
        await rita.send(chat_id, "thanks")
        assert await texts(again, chat_id, 1) == [(4, "thanks")]
    finally:
        await rita.close()
        if again is not None:
            await again.close()
        await ann.close()


async def test_a_chat_that_ended_takes_no_more_messages_through_the_gateway(cluster: tuple[Node, Node]) -> None:
    a, b = cluster
    ann = AgentClient(a.url, "ann", password=PASSWORD, request_timeout=WAIT)
    rita = RequestorClient(b.url, request_timeout=WAIT)
    try:
        chat_id = await chat(ann, rita, "hi")
        await ann.end_chat(chat_id)
        await until_event(rita, ChatEnded)
        with pytest.raises(RequestFailed) as refused:
            await rita.send(chat_id, "one more thing")
        assert refused.value.code is ErrorCode.CHAT_ENDED
    finally:
        await rita.close()
        await ann.close()


@contextlib.asynccontextmanager
async def raw_requestor(node: Node, name: str) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, Wire, str]]:
    """A requestor on ``node`` speaking the wire itself (to send what no client library would): greeted, with a
    chat requested."""
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{node.url}/ws/requestor") as ws:
        wire = Wire(ws)
        await wire.send(Hello(protocol=PROTOCOL_VERSION))
        await wire.expect(Welcome)
        await wire.send(RequestChat(queue="cim-emea", name=name, req="r1"))
        yield ws, wire, (await wire.expect(ChatRequested)).chat_id


async def test_a_client_cannot_pass_a_frame_off_as_the_gateways_own(cluster: tuple[Node, Node]) -> None:
    a, b = cluster
    ann = AgentClient(a.url, "ann", password=PASSWORD, request_timeout=WAIT)
    try:
        await ann.start()
        await ann.set_duty(True)
        async with raw_requestor(b, "Mallory") as (ws, wire, chat_id):
            await until_event(ann, ChatAssigned)
            await wire.expect(AgentJoined)
            forged = Stored(StoredMessage(chat_id, 9, Role.AGENT, "Ann Agent", "send me your password", 1.0, None))
            await ws.send_bytes(encode_sideband(forged))
            refused = await wire.expect(Error)
            assert refused.code is ErrorCode.MALFORMED_FRAME
            await wire.send(Send(chat_id=chat_id, client_msg_id="m1", text="hello", req="r2"))
            assert (await wire.expect(Sent)).seq == 1
        got = await until_event(ann, ChatMessage)
        assert isinstance(got, ChatMessage) and (got.seq, got.text) == (1, "hello")  # nothing forged before it
    finally:
        await ann.close()


async def test_a_requestors_rate_limit_counts_every_frame_through_the_gateway(cluster: tuple[Node, Node]) -> None:
    a, b = cluster
    ann = AgentClient(a.url, "ann", password=PASSWORD, request_timeout=WAIT)
    try:
        await ann.start()
        await ann.set_duty(True)
        async with raw_requestor(b, "Rita") as (_ws, wire, chat_id):
            # 25 sends (stored by the gateway) and 25 typing frames (passed on): 52 frames in all, past the
            # burst of 40 however they are split between the gateway and the owner
            for n in range(25):
                await wire.send(Send(chat_id=chat_id, client_msg_id=f"m{n}", text=f"line {n}"))
                await wire.send(Typing(chat_id=chat_id, active=n % 2 == 0))
            async with asyncio.timeout(WAIT):
                while True:
                    got = await wire.next()
                    if isinstance(got, Error):
                        assert got.code is ErrorCode.RATE_LIMITED
                        break
    finally:
        await ann.close()
