"""The requestor rates its chat once it is over: 1 to 5 with an optional comment, once, only its own chat;
the agent reads the rating with the transcript."""

from __future__ import annotations

from onduty.shared.errors import ErrorCode
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import (
    AgentJoined,
    ChatAssigned,
    ChatClosed,
    ChatEnded,
    ChatMessage,
    ChatRated,
    ChatRequested,
    CloseChat,
    EndChat,
    Error,
    GetTranscript,
    Hello,
    Login,
    LoginOk,
    RateChat,
    Transcript,
    Welcome,
)
from onduty.shared.types import ChatRating

from .conftest import agent_on_duty, request
from .harness import PASSWORD, Harness, Wire


async def _served(harness: Harness) -> tuple[Wire, Wire, str]:
    ann, rita, requested = await _served_with_token(harness)
    return ann, rita, requested.chat_id


async def _served_with_token(harness: Harness) -> tuple[Wire, Wire, ChatRequested]:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    await rita.expect(AgentJoined)
    return ann, rita, requested


async def _refused(wire: Wire, message: RateChat) -> ErrorCode:
    await wire.send(message)
    error = await wire.until(Error)
    assert error.ref == "rate_chat" and error.req in (message.req, None)  # a frame the codec refused has no req
    return error.code


async def test_a_chat_is_rated_once_after_it_ended_and_the_agent_reads_it(harness: Harness) -> None:
    ann, rita, chat_id = await _served(harness)
    assert await _refused(rita, RateChat(chat_id=chat_id, rating=5, req="early")) is ErrorCode.NOT_ALLOWED

    await ann.send(EndChat(chat_id=chat_id))
    await rita.expect(ChatEnded)
    for bad in (0, 6, -1):
        assert await _refused(rita, RateChat(chat_id=chat_id, rating=bad, req=f"r{bad}")) is ErrorCode.INVALID_VALUE
    await rita.send(RateChat(chat_id=chat_id, rating=4, comment="  Quick and friendly  ", req="rate"))
    rated = await rita.until(ChatRated)
    assert rated.req == "rate" and rated.chat_id == chat_id
    assert rated.rating == ChatRating(rating=4, at=harness.clock.now, comment="Quick and friendly")
    assert await _refused(rita, RateChat(chat_id=chat_id, rating=1, req="again")) is ErrorCode.ALREADY_RATED
    assert await harness.shell.store.chat_rating(chat_id) == rated.rating  # the first is kept

    await ann.send(GetTranscript(chat_id=chat_id))
    transcript = await ann.until(Transcript)
    assert transcript.rating == rated.rating


async def test_a_closed_chat_can_still_be_rated_on_its_connection(harness: Harness) -> None:
    ann, rita, chat_id = await _served(harness)
    await ann.send(CloseChat(chat_id=chat_id))
    await ann.until(ChatClosed)
    await rita.until(ChatEnded)
    await rita.send(RateChat(chat_id=chat_id, rating=2))
    assert (await rita.until(ChatRated)).rating.comment is None


async def test_the_widget_rates_over_a_new_connection_with_the_chats_resume_token(harness: Harness) -> None:
    ann, rita, requested = await _served_with_token(harness)
    chat_id = requested.chat_id
    await ann.send(EndChat(chat_id=chat_id))
    await rita.expect(ChatEnded)
    await rita.close()  # the widget lets the chat's connection go at the end
    later = await harness.connect("/ws/requestor")
    wrong = RateChat(chat_id=chat_id, rating=5, resume_token="not-the-token", req="w")
    assert await _refused(later, wrong) is ErrorCode.UNKNOWN_CHAT
    await later.send(RateChat(chat_id=chat_id, rating=5, resume_token=requested.resume_token))
    assert (await later.until(ChatRated)).rating.rating == 5


async def test_only_the_chats_own_requestor_rates_it_and_comments_are_limited(harness: Harness) -> None:
    ann, rita, chat_id = await _served(harness)
    await ann.send(EndChat(chat_id=chat_id))
    await rita.expect(ChatEnded)
    rosa, _other = await request(harness)
    assert await _refused(rosa, RateChat(chat_id=chat_id, rating=5, req="x")) is ErrorCode.UNKNOWN_CHAT
    stranger = await harness.connect("/ws/requestor")
    assert await _refused(stranger, RateChat(chat_id=chat_id, rating=5, req="y")) is ErrorCode.UNKNOWN_CHAT
    assert await _refused(rita, RateChat(chat_id=chat_id, rating=5, comment="x" * 1001, req="z")) \
        is ErrorCode.TOO_LARGE
    assert await harness.shell.store.chat_rating(chat_id) is None
    await rita.send(RateChat(chat_id=chat_id, rating=5, comment="x" * 1000))
    assert (await rita.until(ChatRated)).rating.comment == "x" * 1000


async def test_a_protocol_2_tray_app_gets_its_transcript_without_the_rating(harness: Harness) -> None:
    ann, rita, chat_id = await _served(harness)
    await ann.send(EndChat(chat_id=chat_id))
    await rita.expect(ChatEnded)
    await rita.send(RateChat(chat_id=chat_id, rating=3))
    await rita.until(ChatRated)
    old = await harness.connect("/ws/agent", hello=False)
    await old.send(Hello(protocol=2, client="tray 0.1"))
    assert (await old.expect(Welcome)).protocol == 2 != PROTOCOL_VERSION
    await old.send(Login(username="bob", password=PASSWORD))
    await old.expect(LoginOk)
    await old.send(GetTranscript(chat_id=chat_id))
    assert (await old.until(Transcript)).rating is None
