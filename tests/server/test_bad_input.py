"""Bad input gets a typed error (and the right close code), never a crash or a lost session."""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest

from onduty.server.auth import sign_site_token
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    Ack,
    AgentJoined,
    ChatAssigned,
    ChatRequested,
    Error,
    Hello,
    Login,
    LoginOk,
    RequestChat,
    SetDuty,
    Waiting,
)

from .conftest import agent_on_duty, request
from .harness import PASSWORD, Harness


async def test_text_frame_is_refused_with_1003(harness: Harness) -> None:
    wire = await harness.connect("/ws/agent")
    await wire.ws.send_str("hello?")
    assert (await wire.expect(Error)).code == "unsupported_data"
    assert await wire.closed() == 1003


async def test_oversized_frame_is_closed_with_1009(harness: Harness) -> None:
    wire = await harness.connect("/ws/requestor")
    await wire.send_raw(b"\x00" * (harness.config.max_frame + 1))
    assert await wire.closed() == 1009


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\xc1\xc1", "malformed_frame"),
        (msgpack.packb([1, 2, 3]), "malformed_frame"),
        (msgpack.packb({"t": "teleport"}), "unknown_type"),
        (msgpack.packb({"t": "set_duty"}), "missing_field"),
        (msgpack.packb({"t": "set_duty", "on_duty": "yes"}), "wrong_type"),
        (msgpack.packb({"t": "set_duty", "on_duty": True, "extra": 1}), "unknown_field"),
        (msgpack.packb({"t": "set_presence", "presence": "sleeping"}), "invalid_value"),
        (msgpack.packb({"t": "send", "chat_id": "x", "client_msg_id": "m", "text": "a" * 9000}), "too_large"),
        (msgpack.packb({"t": "request_chat", "queue": "cim-emea", "name": "x"}), "unknown_type"),
    ],
)
async def test_bad_frames_get_typed_errors_and_the_session_goes_on(harness: Harness, frame: bytes, code: str) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    await ann.send_raw(frame)
    assert (await ann.expect(Error)).code == code
    await ann.send(SetDuty(on_duty=False))  # still usable
    from onduty.shared.messages import AgentStatus

    await ann.until(AgentStatus, lambda s: not s.on_duty)


async def test_message_before_hello_and_wrong_version_close_with_policy(harness: Harness) -> None:
    wire = await harness.connect("/ws/agent", hello=False)
    await wire.send(Login(username="ann", password=PASSWORD))
    assert (await wire.expect(Error)).code == "hello_required"
    assert await wire.closed() == 1008
    old = await harness.connect("/ws/agent", hello=False)
    await old.send(Hello(protocol=99))
    assert (await old.expect(Error)).code == "unsupported_version"
    assert await old.closed() == 1008


async def test_actions_before_login_are_refused(harness: Harness) -> None:
    wire = await harness.connect("/ws/agent")
    await wire.send(SetDuty(on_duty=True))
    assert (await wire.expect(Error)).code == "not_authenticated"
    assert await wire.closed() == 1008


async def test_bad_password_and_unknown_user_are_refused_alike(harness: Harness) -> None:
    for username, password in (("ann", "wrong password"), ("nobody", PASSWORD)):
        wire = await harness.connect("/ws/agent")
        await wire.send(Login(username=username, password=password))
        error = await wire.expect(Error)
        assert (error.code, error.detail) == ("auth_failed", "wrong username or password")
        assert await wire.closed() == 1008


async def test_expired_token_is_refused(harness: Harness) -> None:
    _ann, ok = await agent_on_duty(harness, "ann")
    await harness.advance(harness.config.token_ttl_s + 1)
    wire = await harness.connect("/ws/agent")
    await wire.send(Login(username="ann", token=ok.token))
    assert (await wire.expect(Error)).code == "token_expired"
    assert await wire.closed() == 1008
    fresh = await harness.connect("/ws/agent")
    await fresh.send(Login(username="ann", password=PASSWORD))
    assert (await fresh.expect(LoginOk)).token != ok.token


async def test_wrong_origin_gets_a_readable_refusal_and_is_closed(harness: Harness) -> None:
    refused = await harness.connect("/ws/requestor", hello=False, origin="https://evil.example")
    error = await refused.expect(Error)
    assert error.code is ErrorCode.ORIGIN_NOT_ALLOWED
    assert await refused.closed() == 1008
    assert harness.session is not None
    async with harness.session.get(harness.url("/ws/requestor"), headers={"Origin": "https://evil.example"}) as r:
        assert r.status == 403  # not an upgrade: plain HTTP refusal
        assert (await r.json())["code"] == "origin_not_allowed"
    own = harness.url("/").rstrip("/")
    wire = await harness.connect("/ws/requestor", origin=own)
    await wire.close()


async def test_unknown_queue_and_foreign_chat_are_typed_errors(harness: Harness) -> None:
    wire = await harness.connect("/ws/requestor")
    await wire.send(RequestChat(queue="no-such-queue", name="Rita"))
    assert (await wire.expect(Error)).code == "unknown_queue"
    rita, chat = await request(harness)
    await rita.expect(Waiting)
    await wire.send(Ack(chat_id=chat.chat_id, seq=1))
    assert (await wire.expect(Error)).code == "unknown_chat"


async def test_b2b_queue_needs_a_valid_site_token(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    wire = await harness.connect("/ws/requestor")
    await wire.send(RequestChat(queue="shop-b2b", name="anon"))
    assert (await wire.expect(Error)).code == "site_token_required"
    forged = sign_site_token("wrong-secret", "shop", "BP-1", "Bea Buyer", harness.clock() + 600)
    await wire.send(RequestChat(queue="shop-b2b", name="anon", site_token=forged))
    assert (await wire.expect(Error)).code == "bad_site_token"
    expired = sign_site_token("site-secret", "shop", "BP-1", "Bea Buyer", harness.clock() - 1)
    await wire.send(RequestChat(queue="shop-b2b", name="anon", site_token=expired))
    assert (await wire.expect(Error)).code == "bad_site_token"
    good = sign_site_token("site-secret", "shop", "BP-1", "Bea Buyer", harness.clock() + 600)
    await wire.send(RequestChat(queue="shop-b2b", name="anon", site_token=good))
    await wire.expect(ChatRequested)
    await wire.expect(AgentJoined)
    assigned = await ann.expect(ChatAssigned)
    assert (assigned.chat.requestor.name, assigned.chat.requestor.verified_id) == ("Bea Buyer", "BP-1")


@pytest.mark.parametrize("public_url", ["https://chat.example.com", "https://chat.example.com:443/", "HTTPS://Chat.Example.com"])
async def test_the_public_url_is_our_own_origin_behind_a_tls_proxy(tmp_path: Path, public_url: str) -> None:
    # Behind a proxy that terminates TLS the request reaches us as http://127.0.0.1:PORT, while the page with our
    # own widget is https://chat.example.com: that origin is ours without listing it in allowed_origins.
    h = Harness(tmp_path / "data", public_url=public_url)
    await h.seed()
    await h.start()
    try:
        wire = await h.connect("/ws/requestor", origin="https://chat.example.com")
        await wire.close()
        refused = await h.connect("/ws/requestor", hello=False, origin="https://chat.example.com:8443")
        assert (await refused.expect(Error)).code is ErrorCode.ORIGIN_NOT_ALLOWED
    finally:
        await h.close()
