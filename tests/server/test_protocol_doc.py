"""What docs/protocol.md says a client sees on the wire, checked against a running server.

tests/shared/test_protocol_doc.py ties the doc's tables to the schema; this file ties its sequences
and rules to the server's behaviour: the origin check, the agent sign-in sequence, bin/ext values,
site tokens, which of unknown_type / unknown_chat / not_allowed answers what.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import msgpack
import pytest

from onduty.server.auth import verify_site_token
from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.limits import MAX_TEXT
from onduty.shared.messages import (
    Ack,
    AddContact,
    AgentStatus,
    AnswerDiscussion,
    CannedList,
    ChatAssigned,
    ChatClosed,
    ChatEnded,
    ChatMessage,
    ChatRequested,
    CloseChat,
    Contacts,
    ContactStatus,
    Discuss,
    DiscussionOffer,
    DiscussionUpdate,
    EndChat,
    Error,
    GetTranscript,
    Hello,
    ImMessage,
    ImSend,
    ImSent,
    Login,
    LoginOk,
    Message,
    OpenChannel,
    QueueStatus,
    RequestChat,
    ResumeChat,
    Send,
    Sent,
    SetDuty,
    Typing,
    Welcome,
)
from onduty.shared.types import ContactPresence, ContentLimits

from .conftest import agent_on_duty, request
from .harness import CODEC, PASSWORD, Harness, Wire

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def section(heading_start: str) -> str:
    start = DOC.index(heading_start)
    end = DOC.find("\n### ", start + 1)
    return DOC[start:end if end != -1 else None]


def first_block(text: str) -> str:
    return text.split("```\n", 2)[1]


@pytest.fixture
async def quiet(tmp_path: Path) -> AsyncIterator[Harness]:
    """A server whose coalesced queue_status pushes come at most once an hour (after the first):
    what a sign-in sends is then exactly the sign-in's own frames."""
    h = Harness(tmp_path / "data", queue_status_interval_s=3600.0)
    await h.seed()
    await h.start()
    yield h
    await h.close()


async def read_until(wire: Wire, done: Callable[[list[Message]], bool]) -> list[Message]:
    got: list[Message] = []
    while not done(got):
        got.append(await wire.next())
    return got


async def quiet_for(wire: Wire, seconds: float = 0.3) -> list[Message]:
    """Whatever else arrives within ``seconds`` of silence."""
    got: list[Message] = []
    while True:
        try:
            got.append(await asyncio.wait_for(wire.next(), seconds))
        except TimeoutError:
            return got


# --- origin check ----------------------------------------------------------------------------


ORIGIN_DETAIL = "this site is not allowed to use the chat"


@pytest.fixture
async def shop_server(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data", allowed_origins=("https://shop.example.com",))
    await h.seed()
    await h.start()
    yield h
    await h.close()


async def test_a_refused_origin_gets_the_upgrade_then_one_error_and_close_1008(shop_server: Harness) -> None:
    text = section("### Origin check (requestor endpoint)")
    assert f'S error{{code: origin_not_allowed, detail: "{ORIGIN_DETAIL}", ref: nil}}' in text
    assert 'close 1008, reason "origin_not_allowed"' in text
    for origin in ("https://evil.example", "https://shop.example.com/", "https://SHOP.example.com",
                   "https://shop.example.com:443"):
        wire = await shop_server.connect("/ws/requestor", hello=False, headers={"Origin": origin})
        await wire.send(Hello(protocol=2, client="x", req="h1"))  # never read
        frame = await wire.ws.receive(timeout=5)
        assert frame.type is aiohttp.WSMsgType.BINARY
        assert CODEC.decode(frame.data) == Error(code=ErrorCode.ORIGIN_NOT_ALLOWED, detail=ORIGIN_DETAIL)
        assert msgpack.unpackb(frame.data) == {"t": "error", "code": "origin_not_allowed", "detail": ORIGIN_DETAIL,
                                               "ref": None}
        closing = await wire.ws.receive(timeout=5)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert (closing.data, closing.extra) == (CloseCode.POLICY_VIOLATION, "origin_not_allowed")


async def test_a_plain_request_from_a_refused_origin_gets_403_json(shop_server: Harness) -> None:
    assert shop_server.session is not None
    async with shop_server.session.get(shop_server.url("/ws/requestor"),
                                       headers={"Origin": "https://evil.example"}) as response:
        assert response.status == 403
        assert response.content_type == "application/json"
        body = await response.json()
    assert body == {"code": "origin_not_allowed", "detail": ORIGIN_DETAIL}
    assert json.dumps(body) in section("### Origin check (requestor endpoint)").replace("\n", " ")


async def test_no_origin_the_servers_own_and_an_allowed_one_are_let_through(shop_server: Harness) -> None:
    own = shop_server.url("/").rstrip("/")
    for headers in ({}, {"Origin": own}, {"Origin": "https://shop.example.com"}):
        await shop_server.connect("/ws/requestor", headers=headers)  # hello answered with welcome
    # the agent endpoint does not look at Origin at all
    await shop_server.connect("/ws/agent", headers={"Origin": "https://evil.example"})


async def test_a_star_lets_every_origin_through(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data", allowed_origins=("*",))
    await h.seed()
    await h.start()
    try:
        await h.connect("/ws/requestor", headers={"Origin": "https://anywhere.example"})
    finally:
        await h.close()


# --- agent sign-in ---------------------------------------------------------------------------


def documented_sign_in() -> list[set[str]]:
    """The ``S ...`` lines of section 2's sequence: one set of alternative types per line."""
    steps = []
    for line in first_block(section("### 2. Agent login")).splitlines():
        if line.startswith("S "):
            steps.append({alt.strip().split("{")[0] for alt in line[2:].split("--")[0].split(" | ")})
    return steps


def runs(messages: list[Message]) -> list[str]:
    """The types in order, a run of the same type counted once."""
    out: list[str] = []
    for m in messages:
        if not out or out[-1] != m.TYPE:
            out.append(m.TYPE)
    return out


def follows_the_doc(types: list[str]) -> bool:
    """Each type is one of the documented steps, and the steps never go backwards."""
    steps, at = documented_sign_in(), 0
    for kind in types:
        while at < len(steps) and kind not in steps[at]:
            at += 1
        if at == len(steps):
            return False
    return True


def test_the_documented_sign_in_names_every_frame() -> None:
    assert documented_sign_in() == [
        {"login_ok"}, {"canned_list"}, {"supervisor_role"}, {"agent_status"}, {"chat_assigned"}, {"queue_status"},
        {"discussion_offer", "discussion_update"}, {"contacts"}, {"im_message"}, {"message"},
    ]


async def test_a_first_sign_in_sends_what_the_doc_lists_in_its_order(quiet: Harness) -> None:
    wire = await quiet.connect("/ws/agent")
    await wire.send(Login(username="ann", password=PASSWORD, req="r1"))
    got = await read_until(wire, lambda got: bool(got) and isinstance(got[-1], Contacts))
    got += await quiet_for(wire)
    assert runs(got) == ["login_ok", "canned_list", "agent_status", "queue_status", "contacts"]
    assert follows_the_doc(runs(got))
    assert got[0].req == "r1" and all(m.req is None for m in got[1:])
    assert sum(isinstance(m, AgentStatus) for m in got) == 1
    ok = got[0]
    assert isinstance(ok, LoginOk)
    assert [m.queue for m in got if isinstance(m, QueueStatus)] == ok.profile.queues


async def test_a_reconnect_sends_every_documented_frame_in_order(quiet: Harness) -> None:
    h = quiet
    ann, ok = await agent_on_duty(h, "ann")
    carl, _ = await agent_on_duty(h, "carl")
    await ann.send(AddContact(username="carl"))
    await ann.until(Contacts, lambda c: c.contacts)
    req, requested = await request(h)
    chat_id = requested.chat_id
    await ann.until(ChatAssigned)
    await req.send(Send(chat_id=chat_id, client_msg_id="second", text="are you there?"))
    await req.until(Sent)
    await ann.send(Discuss(chat_id=chat_id, queue="cic"))
    await ann.until(DiscussionUpdate)
    await carl.until(DiscussionOffer)
    await ann.close()
    # carl, ann's contact, is told when the server has seen ann go: the IM below waits for her sign-in
    await carl.until(ContactStatus, lambda s: s.username == "ann" and s.presence is ContactPresence.OFFLINE)
    await carl.send(ImSend(peer="ann", client_msg_id="im1", text="ping"))
    await carl.until(ImSent)

    again = await h.connect("/ws/agent")
    await again.send(Login(username="ann", token=ok.token, cursors={chat_id: 1}))
    got = await read_until(again, lambda got: any(isinstance(m, ImMessage) for m in got)
                           and any(isinstance(m, ChatMessage) for m in got))
    got += await quiet_for(again)

    without_replay = [m for m in got if not isinstance(m, ChatMessage)]
    assert runs(without_replay) == ["login_ok", "canned_list", "agent_status", "chat_assigned", "queue_status",
                                    "discussion_update", "contacts", "im_message"]
    assert follows_the_doc(runs(without_replay))
    assert sum(isinstance(m, AgentStatus) for m in got) == 1
    assigned = next(m for m in got if isinstance(m, ChatAssigned))
    assert assigned.resumed and assigned.chat.chat_id == chat_id
    # the replay: seq > cursor, after the chat_assigned, the queue_status and discussion frames
    replay = [i for i, m in enumerate(got) if isinstance(m, ChatMessage)]
    assert [got[i].seq for i in replay] == [2]  # type: ignore[attr-defined]
    last_fixed = max(i for i, m in enumerate(got) if isinstance(m, QueueStatus | DiscussionUpdate))
    assert min(replay) > last_fixed


async def test_an_assignment_comes_before_its_status_and_its_messages(harness: Harness) -> None:
    """Section 4: chat_assigned, agent_status, then the chat's messages (read from the store)."""
    ann, _ = await agent_on_duty(harness, "ann")
    await quiet_for(ann, 0.2)
    await request(harness)
    got = await read_until(ann, lambda got: any(isinstance(m, ChatMessage) for m in got))
    kinds = [m.TYPE for m in got if not isinstance(m, QueueStatus)]
    assert kinds == ["chat_assigned", "agent_status", "message"]
    block = first_block(section("### 4. Chat offer / assignment"))
    assert [line.split("{")[0] for line in block.splitlines()] == ["S chat_assigned", "S agent_status", "S message"]


# --- encoding rules ---------------------------------------------------------------------------


async def test_bin_and_ext_values_get_too_large_and_empty_ones_are_wrong_values(harness: Harness) -> None:
    wire = await harness.connect("/ws/requestor")
    frames = [
        ({"t": "get_queue_info", "queue": b"cim-emea"}, ErrorCode.TOO_LARGE, None),
        ({"t": "get_queue_info", "queue": msgpack.ExtType(1, b"x")}, ErrorCode.TOO_LARGE, None),
        ({"t": "get_queue_info", "queue": "cim-emea", b"k": 1}, ErrorCode.TOO_LARGE, None),
        ({"t": b"get_queue_info", "queue": "cim-emea"}, ErrorCode.TOO_LARGE, None),
        ({"t": "get_queue_info", "queue": b""}, ErrorCode.WRONG_TYPE, "get_queue_info"),
        ({"t": "get_queue_info", "queue": msgpack.ExtType(1, b"")}, ErrorCode.WRONG_TYPE, "get_queue_info"),
        ({"t": "get_queue_info", "queue": "cim-emea", "x": b""}, ErrorCode.UNKNOWN_FIELD, "get_queue_info"),
        ({"t": b"", "queue": "cim-emea"}, ErrorCode.MALFORMED_FRAME, None),
    ]
    for body, code, ref in frames:
        await wire.send_raw(msgpack.packb(body, use_bin_type=True))
        error = await wire.expect(Error)
        assert (error.code, error.ref) == (code, ref), body
    assert "`bin` or `ext` of one byte or more gets `error too_large` with `ref` nil" in DOC.replace("\n  ", " ")


async def test_a_frame_over_max_frame_is_closed_with_1009_and_no_error(harness: Harness) -> None:
    wire = await harness.connect("/ws/requestor")
    await wire.send_raw(msgpack.packb({"t": "get_queue_info", "queue": "x" * (harness.config.max_frame + 1)}))
    frame = await wire.ws.receive(timeout=5)
    assert frame.type is aiohttp.WSMsgType.CLOSE and frame.data == CloseCode.MESSAGE_TOO_BIG


# --- B2B site tokens ---------------------------------------------------------------------------


def documented_example_token() -> str:
    found = re.search(r"^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$", section("### 16. B2B requestors"), flags=re.MULTILINE)
    assert found is not None
    return found.group(1)


def test_the_documented_site_token_example_is_what_the_server_verifies() -> None:
    text = section("### 16. B2B requestors")
    assert "Example (secret `site-secret`, `exp` 1900000000)" in text
    claims = verify_site_token(documented_example_token(), "site-secret", now=1_899_999_999.0)
    assert (claims.site, claims.subject, claims.name, claims.expires_at) == ("shop", "u-1001", "Jane Doe", 1.9e9)
    assert '{"site": "shop", "sub": "u-1001", "name": "Jane Doe", "exp": 1900000000}' in text


async def test_a_site_token_sets_the_requestors_verified_identity(harness: Harness) -> None:
    """The harness's site ``shop`` has the doc's example secret; its clock is before the example's exp."""
    ann, _ = await agent_on_duty(harness, "ann")  # ann is in shop-b2b
    req = await harness.connect("/ws/requestor")
    await req.send(RequestChat(queue="shop-b2b", name="ignored", req="q1"))
    assert (await req.expect(Error)).code is ErrorCode.SITE_TOKEN_REQUIRED
    for bad in ("not-a-token", documented_example_token() + "x", documented_example_token().replace("eyJ", "eyK")):
        await req.send(RequestChat(queue="shop-b2b", name="ignored", site_token=bad))
        assert (await req.expect(Error)).code is ErrorCode.BAD_SITE_TOKEN
    await req.send(RequestChat(queue="shop-b2b", name="ignored", site_token=documented_example_token()))
    await req.expect(ChatRequested)
    assigned = await ann.until(ChatAssigned)
    who = assigned.chat.requestor
    assert (who.name, who.verified_id, who.site) == ("Jane Doe", "u-1001", "shop")


async def test_an_expired_site_token_is_a_bad_site_token(harness: Harness) -> None:
    harness.clock.now = 1_900_000_000.0
    req = await harness.connect("/ws/requestor")
    await req.send(RequestChat(queue="cim-emea", name="x", site_token=documented_example_token()))
    error = await req.expect(Error)
    assert (error.code, error.detail) == (ErrorCode.BAD_SITE_TOKEN, "expired")


# --- unknown_type, unknown_chat or not_allowed ------------------------------------------------------


async def refused(wire: Wire, message: Message) -> ErrorCode:
    await wire.send(message)
    return (await wire.until(Error)).code


async def test_which_of_unknown_type_unknown_chat_and_not_allowed(harness: Harness) -> None:
    h = harness
    ann, _ = await agent_on_duty(h, "ann")
    bob, _ = await agent_on_duty(h, "bob")
    req, requested = await request(h)
    chat_id = requested.chat_id
    await ann.until(ChatAssigned)  # on duty first: free for longest
    holder, other = ann, bob

    # unknown_type: another endpoint's message, a server message, an unknown name (before hello too)
    fresh = await h.connect("/ws/requestor", hello=False)
    await fresh.send(Login(username="ann"))
    error = await fresh.expect(Error)
    assert (error.code, error.ref) == (ErrorCode.UNKNOWN_TYPE, "login")
    await fresh.send(Hello(protocol=2))
    await fresh.expect(Welcome)
    assert await refused(other, ResumeChat(chat_id=chat_id, resume_token="x")) is ErrorCode.UNKNOWN_TYPE
    await other.send_raw(msgpack.packb({"t": "no_such_message"}))
    assert (await other.expect(Error)).code is ErrorCode.UNKNOWN_TYPE

    # unknown_chat: no open chat with that id (agent); not this connection's chat (requestor)
    assert await refused(other, Send(chat_id="nope", client_msg_id="a", text="x")) is ErrorCode.UNKNOWN_CHAT
    assert await refused(other, GetTranscript(chat_id="nope")) is ErrorCode.UNKNOWN_CHAT
    assert await refused(req, Send(chat_id="nope", client_msg_id="a", text="x")) is ErrorCode.UNKNOWN_CHAT
    _second, second_chat = await request(h)
    assert await refused(req, Ack(chat_id=second_chat.chat_id, seq=1)) is ErrorCode.UNKNOWN_CHAT

    # not_allowed: an open chat another agent holds; a second hello; a second chat on one connection
    assert await refused(other, Send(chat_id=chat_id, client_msg_id="a", text="x")) is ErrorCode.NOT_ALLOWED
    assert await refused(other, Typing(chat_id=chat_id)) is ErrorCode.NOT_ALLOWED
    assert await refused(other, Hello(protocol=2)) is ErrorCode.NOT_ALLOWED
    assert await refused(req, Hello(protocol=2)) is ErrorCode.NOT_ALLOWED
    assert await refused(req, RequestChat(queue="cim-emea", name="again")) is ErrorCode.NOT_ALLOWED
    assert await refused(other, AnswerDiscussion(discussion_id="nope", accept=True)) is ErrorCode.NOT_ALLOWED
    assert await refused(other, OpenChannel(peer="carl")) is ErrorCode.NOT_ALLOWED

    # chat_ended, not one of the three: the holder's ended chat; the requestor's own chat once over
    await holder.send(EndChat(chat_id=chat_id))
    await holder.until(ChatEnded)
    assert await refused(holder, Send(chat_id=chat_id, client_msg_id="b", text="x")) is ErrorCode.CHAT_ENDED
    assert await refused(req, Send(chat_id=chat_id, client_msg_id="b", text="x")) is ErrorCode.CHAT_ENDED
    await holder.send(CloseChat(chat_id=chat_id))
    await holder.until(ChatClosed)
    assert await refused(holder, Send(chat_id=chat_id, client_msg_id="c", text="x")) is ErrorCode.UNKNOWN_CHAT
    assert await refused(req, Send(chat_id=chat_id, client_msg_id="c", text="x")) is ErrorCode.CHAT_ENDED


async def test_a_requestors_end_chat_for_its_closed_chat_is_answered_with_how_it_ended(harness: Harness) -> None:
    """As the Request ids section says: end_chat is answered with chat_ended, also once the chat is closed."""
    req, requested = await request(harness)
    await harness.advance(121)  # the waiting-line drop closes the chat
    assert (await req.until(ChatEnded)).reason.value == "timeout"
    req.pending.clear()  # the waiting frames before it
    await req.send(EndChat(chat_id=requested.chat_id, req="e1"))
    [ended] = await quiet_for(req)
    assert isinstance(ended, ChatEnded)
    assert (ended.req, ended.reason.value, ended.state.value) == ("e1", "timeout", "closed")
    assert "also once the chat is closed" in section("### Request ids")


async def test_set_duty_is_answered_once_for_the_doc_of_section_3(harness: Harness) -> None:
    wire = await harness.connect("/ws/agent")
    await wire.send(Login(username="carl", password=PASSWORD))
    await wire.expect(LoginOk)
    await wire.expect(CannedList, skip=())
    await quiet_for(wire, 0.2)
    await wire.send(SetDuty(on_duty=True, req="d1"))
    got = await quiet_for(wire)
    assert [m.req for m in got if isinstance(m, AgentStatus)] == ["d1"]


# --- hello: welcome.limits (protocol 3) --------------------------------------------------------


async def test_a_protocol_3_welcome_says_what_the_server_accepts(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data", max_file_bytes=2_000_000, file_types=(".pdf", ".PNG"))
    await h.seed()
    await h.start()
    try:
        for path in ("/ws/agent", "/ws/requestor"):
            wire = await h.connect(path, hello=False)
            await wire.send(Hello(protocol=3, client="x"))
            welcome = await wire.expect(Welcome)
            assert welcome.protocol == 3
            assert welcome.limits == ContentLimits(max_text=MAX_TEXT, max_file_bytes=2_000_000,
                                                   file_types=[".pdf", ".png"])
    finally:
        await h.close()
    assert "S welcome{protocol: 3, server, max_frame, heartbeat_s, limits}" in first_block(section("### 1. Hello"))


async def test_a_protocol_2_welcome_has_no_key_a_protocol_2_decoder_would_refuse(harness: Harness) -> None:
    for protocol in (1, 2):
        wire = await harness.connect("/ws/requestor", hello=False)
        await wire.send(Hello(protocol=protocol, client="rolled out before protocol 3"))
        frame = await wire.ws.receive(timeout=5)
        assert set(msgpack.unpackb(frame.data)) == {"t", "protocol", "server", "max_frame", "heartbeat_s"}
