"""Co-browse relay rules on loopback: only the chat's two parties, only while an agent holds the chat, chunks in
order within the size and rate budget, the viewer's one-time link, and nothing of the recording in the data folder."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import msgpack
import pytest

from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import (
    CHUNK_CHARS,
    ChatAssigned,
    ChatEnded,
    ChatMessage,
    CobrowseChunk,
    CobrowseData,
    CobrowseDecline,
    CobrowseInvite,
    CobrowseLink,
    CobrowsePoint,
    CobrowseSnapshot,
    CobrowseStart,
    CobrowseStatus,
    CobrowseStop,
    CobrowseUpdate,
    EndChat,
    Error,
    GetCobrowseLink,
    Hello,
    Send,
    Welcome,
)
from onduty.shared.types import Role

from .conftest import agent_on_duty, request
from .harness import Harness, Wire

MARK = "4111 1111 1111 1111-recorded-page"


def jar() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def chat(h: Harness) -> tuple[Wire, Wire, str]:
    ann, _ = await agent_on_duty(h, "ann")
    rita, requested = await request(h)
    await ann.expect(ChatAssigned)
    await ann.until(ChatMessage, lambda m: m.seq == 1)
    return ann, rita, requested.chat_id


async def viewer(h: Harness, ann: Wire, chat_id: str, session: aiohttp.ClientSession) -> Wire:
    """The agent's co-browse view, opened by a one-time link as the browser would."""
    await ann.send(GetCobrowseLink(chat_id=chat_id, req="l1"))
    link = await ann.until(CobrowseLink)
    assert link.req == "l1" and link.chat_id == chat_id and "/cobrowse/link/" in link.url
    token = link.url.rsplit("/", 1)[1]
    landing = await session.get(h.url(f"/cobrowse/link/{token}"), allow_redirects=False)
    assert landing.status == 303 and landing.headers["Location"] == f"/cobrowse/?chat={chat_id}"
    again = await session.get(h.url(f"/cobrowse/link/{token}"), allow_redirects=False)
    assert again.status == 403, "a one-time link is used up"
    own = h.url("/").rstrip("/")
    ws = await session.ws_connect(h.url(f"/cobrowse/ws?chat={chat_id}"), headers={"Origin": own})
    wire = Wire(ws)
    h.wires.append(wire)
    await wire.send(Hello(protocol=PROTOCOL_VERSION, client="tests"))
    await wire.expect(Welcome)
    return wire


def chunks(batch: int, text: str, full: bool = True, size: int = CHUNK_CHARS) -> list[CobrowseData]:
    parts = [text[i:i + size] for i in range(0, len(text), size)] or [""]
    return [CobrowseData(chat_id="", batch=batch, part=i, parts=len(parts), data=p, full=full)
            for i, p in enumerate(parts)]


async def send_batch(rita: Wire, chat_id: str, batch: int, text: str, full: bool = True) -> None:
    for c in chunks(batch, text, full):
        await rita.send(CobrowseData(chat_id=chat_id, batch=c.batch, part=c.part, parts=c.parts, data=c.data,
                                     full=c.full))


async def test_the_requestor_shares_the_agent_views_points_and_stops(harness: Harness) -> None:
    h = harness
    ann, rita, chat_id = await chat(h)
    await rita.send(CobrowseStart(chat_id=chat_id, req="s1"))
    started = await rita.until(CobrowseUpdate)
    assert (started.req, started.status, started.by, started.text) == (
        "s1", CobrowseStatus.ACTIVE, Role.REQUESTOR, "Your page is shared with Ann Agent")
    assert (await ann.until(CobrowseUpdate)).status is CobrowseStatus.ACTIVE
    note = await ann.until(ChatMessage, lambda m: m.seq == 2)
    assert (note.sender, note.text) == (Role.REQUESTOR, "Co-browsing started: Ann Agent sees this page.")
    own = await rita.until(ChatMessage, lambda m: m.seq == 2)  # its author gets it too: no gap in its seqs
    assert own.text == note.text

    async with jar() as browser:
        view = await viewer(h, ann, chat_id, browser)
        now = await view.until(CobrowseUpdate)
        assert (now.status, now.agent_name, now.viewers) == (CobrowseStatus.ACTIVE, "Ann Agent", 1)
        await rita.until(CobrowseSnapshot)  # the new viewer needs the whole page

        page = MARK + "x" * (2 * CHUNK_CHARS + 100)  # a full snapshot bigger than one frame
        await send_batch(rita, chat_id, 1, page)
        got = [await view.until(CobrowseChunk) for _ in range(3)]
        assert [(c.batch, c.part, c.parts, c.full) for c in got] == [(1, 0, 3, True), (1, 1, 3, True), (1, 2, 3, True)]
        assert "".join(c.data for c in got) == page
        await send_batch(rita, chat_id, 2, '[{"type":3}]', full=False)
        assert (await view.until(CobrowseChunk)).batch == 2

        await view.send(CobrowsePoint(chat_id=chat_id, x=120.5, y=40.0))
        point = await rita.until(CobrowsePoint)
        assert (point.x, point.y, point.visible) == (120.5, 40.0, True)

        await view.send(CobrowseStop(chat_id=chat_id))
        stopped = await rita.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)
        assert stopped.by is Role.AGENT
        assert (await view.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)).by is Role.AGENT
        assert (await ann.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)).by is Role.AGENT
        note = await rita.until(ChatMessage, lambda m: m.text == "Co-browsing stopped.")
        assert (note.sender, note.sender_name) == (Role.AGENT, "Ann Agent")

        await rita.send(CobrowseData(chat_id=chat_id, batch=3, part=0, parts=1, data="[]"))
        assert (await rita.until(Error)).code is ErrorCode.NOT_ALLOWED  # nothing is relayed after the stop

        await rita.send(CobrowseStart(chat_id=chat_id))  # shared again, e.g. from a page loaded since: batch 1
        await view.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.ACTIVE)
        await send_batch(rita, chat_id, 1, '[{"type":2}]')
        assert (await view.until(CobrowseChunk)).batch == 1
        await rita.send(CobrowseStop(chat_id=chat_id))
        await rita.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)

    tray = [*ann.seen, *ann.pending]
    assert not any(isinstance(m, CobrowseChunk) for m in tray), "the agent's chat connection carries no recording"
    await h.shell.writes.drain()
    transcript = [(m.sender, m.text) for m in await h.shell.store.messages_after(chat_id, 0, limit=10)]
    assert transcript[1:] == [(Role.REQUESTOR, "Co-browsing started: Ann Agent sees this page."),
                              (Role.AGENT, "Co-browsing stopped."),
                              (Role.REQUESTOR, "Co-browsing started: Ann Agent sees this page."),
                              (Role.REQUESTOR, "Co-browsing stopped.")]
    await h.stop()
    for path in h.config.data_dir.rglob("*"):
        if path.is_file():
            assert MARK.encode() not in path.read_bytes(), f"the recording reached {path}"


async def test_the_agent_invites_and_the_requestor_says_no_or_allow(harness: Harness) -> None:
    h = harness
    ann, rita, chat_id = await chat(h)
    await ann.send(CobrowseInvite(chat_id=chat_id, req="i1"))
    reply = await ann.until(CobrowseUpdate)
    assert (reply.req, reply.status) == ("i1", CobrowseStatus.INVITED)
    asked = await rita.until(CobrowseUpdate)
    assert (asked.status, asked.text) == (CobrowseStatus.INVITED, "Ann Agent asks to see this page with you")
    await rita.send(CobrowseDecline(chat_id=chat_id))
    assert (await ann.until(CobrowseUpdate)).status is CobrowseStatus.DECLINED
    await rita.send(CobrowseData(chat_id=chat_id, batch=1, part=0, parts=1, data="[]"))
    assert (await rita.until(Error)).code is ErrorCode.NOT_ALLOWED
    await rita.send(CobrowseDecline(chat_id=chat_id))
    assert (await rita.until(Error)).code is ErrorCode.NOT_ALLOWED  # nothing to answer any more

    await ann.send(CobrowseInvite(chat_id=chat_id))
    await rita.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.INVITED)
    await rita.send(CobrowseStart(chat_id=chat_id))
    assert (await ann.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.ACTIVE)).by is Role.REQUESTOR
    await ann.send(CobrowseStop(chat_id=chat_id))
    assert (await rita.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)).by is Role.AGENT


async def test_only_the_chats_two_parties_and_only_while_an_agent_holds_it(harness: Harness) -> None:
    h = harness
    waiting, requested = await request(h, queue="cic")  # nobody of cic is on duty
    await waiting.send(CobrowseStart(chat_id=requested.chat_id))
    assert (await waiting.until(Error)).code is ErrorCode.NOT_ALLOWED  # nobody holds the chat yet

    ann, rita, chat_id = await chat(h)
    bob, _ = await agent_on_duty(h, "bob")
    for message in (CobrowseInvite(chat_id=chat_id), GetCobrowseLink(chat_id=chat_id), CobrowseStop(chat_id=chat_id)):
        await bob.send(message)
        assert (await bob.until(Error)).code is ErrorCode.NOT_ALLOWED, message
    await waiting.send(CobrowseData(chat_id=chat_id, batch=1, part=0, parts=1, data="[]"))
    assert (await waiting.until(Error)).code is ErrorCode.UNKNOWN_CHAT  # another requestor's chat
    await rita.send(CobrowseInvite(chat_id=chat_id))
    assert (await rita.until(Error)).code is ErrorCode.UNKNOWN_TYPE  # the agent's message
    await ann.send(CobrowseStart(chat_id=chat_id))
    assert (await ann.until(Error)).code is ErrorCode.UNKNOWN_TYPE  # the requestor's

    async with jar() as stranger:  # no cookie from a link: the view is refused
        ws = await stranger.ws_connect(h.url(f"/cobrowse/ws?chat={chat_id}"), headers={"Origin": h.url("/")[:-1]})
        wire = Wire(ws)
        h.wires.append(wire)
        assert (await wire.until(Error)).code is ErrorCode.NOT_AUTHENTICATED
        assert await wire.closed() == CloseCode.POLICY_VIOLATION
        assert (await stranger.get(h.url("/cobrowse/link/not-a-token"), allow_redirects=False)).status == 403

    await rita.send(CobrowseStart(chat_id=chat_id))
    await rita.until(CobrowseUpdate)
    async with jar() as browser:
        view = await viewer(h, ann, chat_id, browser)
        await view.until(CobrowseUpdate)
        await rita.send(EndChat(chat_id=chat_id))
        await rita.until(ChatEnded)
        assert (await view.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)).by is None
        assert (await ann.until(CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)).by is None
        assert (await view.until(Error)).code is ErrorCode.CHAT_ENDED
        assert await view.closed() is not None
    await rita.send(CobrowseStart(chat_id=chat_id))
    assert (await rita.until(Error)).code is ErrorCode.CHAT_ENDED


async def test_chunks_in_order_within_the_frame_and_the_budget(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data", cobrowse_chars_per_s=1000.0, cobrowse_burst_chars=5000.0,
                requestor_rate_per_s=0.001, requestor_rate_burst=3)
    await h.seed()
    await h.start()
    try:
        ann, rita, chat_id = await chat(h)
        await rita.send(CobrowseStart(chat_id=chat_id))
        await rita.until(CobrowseUpdate)
        async with jar() as browser:
            view = await viewer(h, ann, chat_id, browser)
            await view.until(CobrowseUpdate)
            # many chunks in a row: outside the requestor's frame rate limit (1/s), inside the co-browse budget
            for batch in range(1, 11):
                await rita.send(CobrowseData(chat_id=chat_id, batch=batch, part=0, parts=1, data="y" * 100,
                                             full=batch == 1))
            assert [(await view.until(CobrowseChunk)).batch for _ in range(10)] == list(range(1, 11))

            await rita.send(CobrowseData(chat_id=chat_id, batch=11, part=1, parts=2, data="[]"))
            assert (await rita.until(Error)).code is ErrorCode.INVALID_VALUE  # a batch starts at part 0
            await rita.send(CobrowseData(chat_id=chat_id, batch=5, part=0, parts=1, data="[]"))
            assert (await rita.until(Error)).code is ErrorCode.INVALID_VALUE  # batches go upwards
            await rita.send(CobrowseData(chat_id=chat_id, batch=12, part=0, parts=0, data="[]"))
            assert (await rita.until(Error)).code is ErrorCode.INVALID_VALUE
            await rita.send_raw(msgpack.packb({"t": "cobrowse_data", "chat_id": chat_id, "batch": 12, "part": 0,
                                               "parts": 1, "data": "z" * (CHUNK_CHARS + 1)}))
            assert (await rita.until(Error)).code in (ErrorCode.TOO_LARGE, ErrorCode.INVALID_VALUE)

            # over the budget (5000 at once, 1000/s): refused, and the rest of that batch is not relayed
            await rita.send(CobrowseData(chat_id=chat_id, batch=20, part=0, parts=2, data="a" * 4900, full=True))
            assert (await rita.until(Error)).code is ErrorCode.RATE_LIMITED
            await rita.send(CobrowseData(chat_id=chat_id, batch=20, part=1, parts=2, data="b"))
            h.clock.advance(10.0)
            await rita.send(CobrowseData(chat_id=chat_id, batch=21, part=0, parts=1, data="c" * 100))
            assert (await view.until(CobrowseChunk)).batch == 21
    finally:
        await h.close()


@pytest.mark.parametrize("off", ["cim-emea", "*"])
async def test_co_browsing_is_off_for_a_configured_queue(tmp_path: Path, off: str) -> None:
    h = Harness(tmp_path / "data", cobrowse_off_queues=(off,))
    await h.seed()
    await h.start()
    try:
        ann, rita, chat_id = await chat(h)
        await rita.send(CobrowseStart(chat_id=chat_id))
        error = await rita.until(Error)
        assert (error.code, error.detail) == (ErrorCode.NOT_ALLOWED, "co-browsing is off for this queue")
        await ann.send(CobrowseInvite(chat_id=chat_id))
        assert (await ann.until(Error)).code is ErrorCode.NOT_ALLOWED
    finally:
        await h.close()


async def test_a_view_that_does_not_read_skips_batches_and_never_holds_up_the_chat(tmp_path: Path) -> None:
    """The view stops reading: its backlog grows, it skips to the next full snapshot (the requestor is asked for
    one), it is not cut off, and the requestor's chat messages reach the agent meanwhile."""
    h = Harness(tmp_path / "data", cobrowse_viewer_backlog=4, cobrowse_chars_per_s=1e9, cobrowse_burst_chars=1e9)
    await h.seed()
    await h.start()
    try:
        ann, rita, chat_id = await chat(h)
        await rita.send(CobrowseStart(chat_id=chat_id))
        await rita.until(CobrowseUpdate)
        async with jar() as browser:
            view = await viewer(h, ann, chat_id, browser)  # reads its welcome, then nothing more
            await rita.until(CobrowseSnapshot)
            chunk = "q" * CHUNK_CHARS
            for batch in range(1, 1201):
                await rita.send(CobrowseData(chat_id=chat_id, batch=batch, part=0, parts=1, data=chunk,
                                             full=batch == 1))
                if batch == 600:
                    await rita.send(Send(chat_id=chat_id, client_msg_id="mid", text="still there?"))
            assert (await rita.until(CobrowseSnapshot)).chat_id == chat_id  # the view lagged: a new full snapshot
            said = await ann.until(ChatMessage, lambda m: m.text == "still there?")
            assert said.sender is Role.REQUESTOR
            peers = list(h.shell.cobrowse.viewers.get(chat_id, {}))
            assert len(peers) == 1 and not peers[0].closed, "a lagging view is skipped, not cut off"
            assert view.ws.closed is False
    finally:
        await h.close()
