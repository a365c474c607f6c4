"""AgentClient against the fake server: login, resume, dedupe, resend, auth failure, backoff."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from onduty.client.net import (
    AgentClient,
    Connected,
    Disconnected,
    GaveUp,
    Reconnecting,
    RequestFailed,
    SessionEnded,
)
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    Ack,
    AgentStatus,
    ChatAssigned,
    ChatMessage,
    Error,
    ListChats,
    Login,
    LoginOk,
    Send,
    Sent,
    SetDuty,
)
from onduty.shared.types import AgentProfile, ChatInfo, ChatState, Presence, RequestorInfo, RequestType, Role

WAIT = 5.0
PROFILE = AgentProfile(username="ann", display_name="Ann", region="emea", lob="cim", queues=["q"], capacity=1)
STATUS = AgentStatus(on_duty=True, presence=Presence.AVAILABLE, routable=True, open_chats=[], capacity=1)


def chat(chat_id: str = "c1") -> ChatInfo:
    return ChatInfo(
        chat_id=chat_id, queue="q", state=ChatState.ACTIVE, requestor=RequestorInfo(name="Rob"),
        request_type=RequestType.OTHER, context=[], created_at=1.0, agent="ann",
    )


def msg(seq: int, text: str = "", chat_id: str = "c1", cmid: str | None = None) -> ChatMessage:
    return ChatMessage(
        chat_id=chat_id, seq=seq, sender=Role.REQUESTOR, sender_name="Rob", text=text or f"m{seq}",
        at=float(seq), client_msg_id=cmid,
    )


class Recorder:
    """Injected sleep: records each backoff delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def agent(url: str, sleep: Recorder | None = None, **kw: Any) -> AgentClient:
    return AgentClient(url, "ann", password="pw", backoff=lambda n: 0.25 * n, sleep=sleep or Recorder(),
                       request_timeout=WAIT, **kw)


async def login(peer: Any, token: str = "tok-1") -> Login:
    await peer.handshake()
    login_msg = await peer.recv_type(Login)
    await peer.answer(login_msg, LoginOk(token=token, expires_at=9e9, profile=PROFILE))
    await peer.send(STATUS)
    return login_msg


async def next_of(client: AgentClient, kind: type) -> Any:
    """Next application event of ``kind`` (others skipped), bounded."""
    async def scan() -> Any:
        while True:
            event = await client.next_event()
            if isinstance(event, kind):
                return event
    return await asyncio.wait_for(scan(), WAIT)


async def acked_up_to(peer: Any, seq: int) -> list[int]:
    """The seqs of the acks ``peer`` receives until one acks ``seq`` (they only move forward)."""
    seqs = [(await peer.recv_type(Ack)).seq]
    while seqs[-1] < seq:
        seqs.append((await peer.recv_type(Ack)).seq)
    assert seqs == sorted(set(seqs)) and seqs[-1] == seq
    return seqs


async def test_password_first_then_token_and_cursors_on_reconnect(fake_server: Any) -> None:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    assert peer.path == "/ws/agent"
    first = await login(peer)
    await asyncio.wait_for(starting, WAIT)
    assert (first.username, first.password, first.token, first.cursors) == ("ann", "pw", None, {})
    assert client.profile == PROFILE

    await peer.send(ChatAssigned(chat=chat(), waited_s=1.0), msg(1), msg(2))
    assert await acked_up_to(peer, 2) in ([1, 2], [2])  # both in one turn: one ack covers them
    await peer.close(code=1001)

    again = await fake_server.accept()
    second = await login(again, token="tok-2")
    assert second.password is None
    assert second.token == "tok-1"
    assert second.cursors == {"c1": 2}
    await asyncio.wait_for(client.wait_ready(), WAIT)
    assert client.token == "tok-2"
    await client.close()


async def test_replayed_message_reaches_the_app_once(fake_server: Any) -> None:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await login(peer)
    await asyncio.wait_for(starting, WAIT)
    await peer.send(ChatAssigned(chat=chat(), waited_s=0.0), msg(1), msg(2))
    await acked_up_to(peer, 2)
    await peer.close(code=1001)

    again = await fake_server.accept()
    await login(again)
    # The server replays from an older point (e.g. its ack was lost): seq 2 again, then 3.
    await again.send(ChatAssigned(chat=chat(), waited_s=0.0, resumed=True), msg(2), msg(3))
    assert (await acked_up_to(again, 3))[-1] == 3

    seen = [(await next_of(client, ChatMessage)).seq for _ in range(3)]
    assert seen == [1, 2, 3]
    # Nothing else after seq 3: a marker message arrives next, not a second copy of seq 2.
    await again.send(msg(4))
    assert (await next_of(client, ChatMessage)).seq == 4
    await client.close()


async def test_unconfirmed_send_is_resent_with_the_same_client_msg_id(fake_server: Any) -> None:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await login(peer)
    await asyncio.wait_for(starting, WAIT)

    sending = asyncio.create_task(client.send("c1", "hello"))
    first = await peer.recv_type(Send)
    await peer.close(code=1001)  # dropped before `sent`
    assert not sending.done()

    again = await fake_server.accept()
    await login(again)
    resent = await again.recv_type(Send)
    assert dataclasses.replace(resent, req=None) == dataclasses.replace(first, req=None)
    assert resent.req != first.req  # a new request id for the new write, the same client_msg_id
    await again.answer(resent, Sent(chat_id="c1", client_msg_id=first.client_msg_id, seq=7, at=1.0))
    assert await asyncio.wait_for(sending, WAIT) == 7

    # Our own message in a later replay is recognised and not shown as new.
    await again.send(
        ChatAssigned(chat=chat(), waited_s=0.0, resumed=True),
        msg(7, "hello", cmid=first.client_msg_id), msg(8, "reply"),
    )
    shown = await next_of(client, ChatMessage)
    assert shown.seq == 8
    await client.close()


async def test_send_error_fails_only_that_send(fake_server: Any) -> None:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await login(peer)
    await asyncio.wait_for(starting, WAIT)
    sending = asyncio.create_task(client.send("gone", "x"))
    sent = await peer.recv_type(Send)
    await peer.answer(sent, Error(code=ErrorCode.CHAT_ENDED, detail="over", ref="send",
                                  client_msg_id=sent.client_msg_id))
    with pytest.raises(RequestFailed) as info:
        await asyncio.wait_for(sending, WAIT)
    assert info.value.code is ErrorCode.CHAT_ENDED
    assert client._ledger.pending == {}
    await client.close()


@pytest.mark.parametrize("code", [ErrorCode.AUTH_FAILED, ErrorCode.TOKEN_EXPIRED])
async def test_auth_failure_stops_reconnecting(fake_server: Any, code: ErrorCode) -> None:
    sleep = Recorder()
    client = agent(fake_server.url, sleep=sleep)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await peer.handshake()
    await peer.recv_type(Login)
    await peer.send(Error(code=code, detail="no", ref="login"))
    await peer.close(code=1008)
    with pytest.raises(SessionEnded) as info:
        await asyncio.wait_for(starting, WAIT)
    assert info.value.code is code
    gave_up = await next_of(client, GaveUp)
    assert gave_up.code is code
    await asyncio.wait_for(client.close(), WAIT)
    assert sleep.delays == []
    assert fake_server.accepted == 1
    with pytest.raises(SessionEnded):
        await client.send("c1", "too late")


async def test_reconnect_waits_the_injected_backoff_delays(fake_server: Any) -> None:
    sleep = Recorder()
    client = agent(fake_server.url, sleep=sleep)
    starting = asyncio.create_task(client.start())
    for _ in range(3):  # refuse three times before welcome
        peer = await fake_server.accept()
        await peer.close(code=1013)
    peer = await fake_server.accept()
    await login(peer)
    await asyncio.wait_for(starting, WAIT)
    assert sleep.delays == [0.25, 0.5, 0.75]
    kinds: list[Any] = []
    while not kinds or not isinstance(kinds[-1], Connected):
        event = await asyncio.wait_for(client.next_event(), WAIT)
        if isinstance(event, Disconnected | Reconnecting | Connected):
            kinds.append(event)
    assert [type(e) for e in kinds] == [Disconnected, Reconnecting] * 3 + [Connected]
    assert [e.delay for e in kinds if isinstance(e, Reconnecting)] == [0.25, 0.5, 0.75]

    # A session that got through the login resets the backoff.
    await peer.close(code=1001)
    again = await fake_server.accept()
    await login(again)
    await asyncio.wait_for(client.wait_ready(), WAIT)
    assert sleep.delays == [0.25, 0.5, 0.75, 0.25]
    await client.close()


class SlowToHearOfDrops(AgentClient):
    """Holds each Disconnected until ``release``: the session is over (the connection still closing
    its socket) and the client has not been told yet."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "ann", password="pw", backoff=lambda n: 0.0, sleep=Recorder(), request_timeout=WAIT)
        self.dropped = asyncio.Event()
        self.release = asyncio.Event()

    async def on_state(self, event: Any) -> None:
        if isinstance(event, Disconnected):
            self.dropped.set()
            await self.release.wait()
        await super().on_state(event)


async def test_a_request_made_while_a_session_ends_is_written_on_the_next_one(fake_server: Any) -> None:
    client = SlowToHearOfDrops(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await login(peer)
    await asyncio.wait_for(starting, WAIT)
    await peer.close(code=1001)
    await asyncio.wait_for(client.dropped.wait(), WAIT)
    assert not client.ready

    duty = asyncio.create_task(client.set_duty(True))
    for _ in range(20):  # ready callbacks only (no I/O, no timers): many more turns than it takes to fail
        await asyncio.sleep(0)
    assert not duty.done(), duty  # it used to fail here with ConnectionLost, never written
    client.release.set()
    again = await fake_server.accept()
    await login(again)
    asked = await again.recv_type(SetDuty)
    await again.answer(asked, STATUS)
    assert (await asyncio.wait_for(duty, WAIT)).req == asked.req
    assert client.ready
    await client.close()


async def test_max_attempts_gives_up(fake_server: Any) -> None:
    client = agent(fake_server.url, max_attempts=1)
    starting = asyncio.create_task(client.start())
    for _ in range(2):
        peer = await fake_server.accept()
        await peer.close(code=1013)
    with pytest.raises(SessionEnded):
        await asyncio.wait_for(starting, WAIT)
    await client.close()


async def test_duty_presence_and_requests(fake_server: Any) -> None:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await login(peer)
    await asyncio.wait_for(starting, WAIT)

    duty = asyncio.create_task(client.set_duty(False))
    asked = await peer.recv_type(SetDuty)
    assert asked.on_duty is False
    off = AgentStatus(on_duty=False, presence=Presence.AVAILABLE, routable=False, open_chats=[], capacity=1)
    await peer.answer(asked, off)
    assert await asyncio.wait_for(duty, WAIT) == dataclasses.replace(off, req=asked.req)

    listing = asyncio.create_task(client.list_chats(limit=5))
    await peer.answer(await peer.recv_type(ListChats), Error(code=ErrorCode.NOT_ALLOWED, ref="list_chats"))
    with pytest.raises(RequestFailed):
        await asyncio.wait_for(listing, WAIT)

    # After a reconnect the client restores the duty the application chose.
    await peer.close(code=1001)
    again = await fake_server.accept()
    await login(again)  # STATUS says on duty
    assert (await again.recv_type(SetDuty)).on_duty is False
    await client.close()
