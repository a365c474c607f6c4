"""What the tray app builds on: typing indicators, canned messages, internal memos."""

from __future__ import annotations

from onduty.server.cli import DEMO_CANNED
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    AgentJoined,
    CannedList,
    ChatAssigned,
    ChatMessage,
    Error,
    GetCanned,
    GetTranscript,
    Login,
    LoginOk,
    MemoSaved,
    PeerTyping,
    SaveMemo,
    Transcript,
    Typing,
)
from onduty.shared.types import CannedMessage, Role

from .conftest import agent_on_duty, request
from .harness import PASSWORD, Harness


async def test_typing_is_relayed_both_ways_and_never_stored(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    chat_id = requested.chat_id
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)

    await rita.send(Typing(chat_id=chat_id))
    seen = await ann.expect(PeerTyping)
    assert (seen.chat_id, seen.sender, seen.name, seen.active) == (chat_id, Role.REQUESTOR, "Rita Requestor", True)
    await ann.send(Typing(chat_id=chat_id, active=False))
    seen = await rita.expect(PeerTyping)
    assert (seen.sender, seen.name, seen.active) == (Role.AGENT, "Ann Agent", False)

    assert [m.seq for m in await harness.shell.store.messages_after(chat_id, 0)] == [1]


async def test_typing_in_someone_elses_chat_is_refused(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    bob, _ = await agent_on_duty(harness, "bob")
    await bob.send(Typing(chat_id=requested.chat_id))
    assert (await bob.expect(Error)).code is ErrorCode.NOT_ALLOWED


async def test_canned_messages_of_my_queues_come_after_sign_in_and_on_request(harness: Harness) -> None:
    store = harness.shell.store
    await store.set_canned(CannedMessage("cim-emea", "ps-lookingforexpert", DEMO_CANNED[0][1]))
    await store.set_canned(CannedMessage("cic", "ps-gotocic", "CIC only"))
    wire = await harness.connect("/ws/agent")
    await wire.send(Login(username="ann", password=PASSWORD))
    await wire.expect(LoginOk)
    pushed = await wire.expect(CannedList, skip=())
    assert pushed.items == [CannedMessage("cim-emea", "ps-lookingforexpert", DEMO_CANNED[0][1])]

    await store.set_canned(CannedMessage("cim-emea", "ps-lookingforexpert", "Edited by an admin"))
    await wire.send(GetCanned())
    again = await wire.until(CannedList)
    assert [c.text for c in again.items] == ["Edited by an admin"]


async def test_memo_is_stored_with_the_chat_and_shown_in_its_transcript(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness)
    chat_id = requested.chat_id
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    text = "Requestor: Rita Requestor\nRequest Type: Informational\nAction Taken: explained\nSignature: Ann"
    await ann.send(SaveMemo(chat_id=chat_id, text=text))
    saved = await ann.expect(MemoSaved)
    assert (saved.chat_id, saved.memo.author, saved.memo.text) == (chat_id, "ann", text)

    await ann.send(GetTranscript(chat_id=chat_id))
    transcript = await ann.expect(Transcript)
    assert [m.text for m in transcript.memos] == [text]
    assert [m.seq for m in transcript.messages] == [1]  # a memo is not a chat message
    kinds = [e.kind for e in await harness.shell.store.audit_log(chat_id)]
    assert "memo" in kinds


async def test_memos_are_refused_outside_my_queues_and_when_empty(harness: Harness) -> None:
    carl, _ = await agent_on_duty(harness, "carl")  # cic only
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    await carl.send(SaveMemo(chat_id=requested.chat_id, text="not mine"))
    assert (await carl.expect(Error)).code is ErrorCode.NOT_ALLOWED
    await ann.send(SaveMemo(chat_id=requested.chat_id, text="   "))
    assert (await ann.until(Error)).code is ErrorCode.BAD_REQUEST
    await ann.send(SaveMemo(chat_id="nope", text="x"))
    assert (await ann.until(Error)).code is ErrorCode.UNKNOWN_CHAT
    assert await harness.shell.store.memos(requested.chat_id) == []
