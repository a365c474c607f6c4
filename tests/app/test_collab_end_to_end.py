"""The tray app with colleagues against the real server: a warm handover exactly as seed 001 describes
(the app hands a live chat to a scripted CIC expert), and agents messaging each other as seed 002
describes (mutual contacts, live presence, an IM to an offline colleague delivered at sign-in, business
context, five channels and the refusal of a sixth)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest

from onduty.client.app.app import AgentApp
from onduty.client.app.chat.models import LineState
from onduty.client.app.colleagues.collab_windows import CollabWindows
from onduty.client.app.tray.tray import find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.client.net import AgentClient, RequestorClient
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import make_app
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import (
    AgentJoined,
    ChatAssigned,
    ChatMessage,
    Contacts,
    DiscussionMessage,
    DiscussionOffer,
    DiscussionUpdate,
    ImMessage,
)
from onduty.shared.types import BusinessContext, CannedMessage, DiscussionState, Presence, RequestType

from .conftest import PASSWORD, WAIT, Answers, LiveServer, MemoryKeyring, until

E = TypeVar("E")
LOOKING = "Your question belongs to another expert area. Let me check if someone is available."


async def next_of(client: Any, kind: type[E], match: Any = None) -> E:
    async def scan() -> E:
        while True:
            event = await client.next_event()
            if isinstance(event, kind) and (match is None or match(event)):
                return event
    return await asyncio.wait_for(scan(), WAIT)


@pytest.fixture
async def team_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """ann (cim-emea), carl (cic, an expert), bob (cim-emea) and f1..f5 (contacts of ann, for the limit)."""
    config = ServerConfig(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_kib=64, heartbeat_s=30.0)
    config.data_dir.mkdir(parents=True)
    store = SqliteStore(config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
    await store.add_queue(QueueRecord("cic", "CIC", "GLOBAL", 120.0))
    hashed = Passwords(1, 64).hash(PASSWORD)
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",), hashed,
                                      phone="+49 6227 1", email="ann@example.com"))
    await store.add_agent(AgentRecord("carl", "Carl Expert", "EMEA", "CIC", ("cic",), hashed))
    await store.add_agent(AgentRecord("bob", "Bob Colleague", "APJ", "CIM", ("cim-emea",), hashed,
                                      phone="+65 1234 5678", email="bob@example.com"))
    for n in range(1, 6):
        await store.add_agent(AgentRecord(f"f{n}", f"Friend {n}", "EMEA", "CIM", ("cim-emea",), hashed))
        await store.add_contact("ann", f"f{n}", 1.0)
    await store.set_canned(CannedMessage("cim-emea", "ps-lookingforexpert", LOOKING))
    await store.set_canned(CannedMessage("cim-emea", "ps-gotocic", "Let me hand you over to CIC."))
    await store.close()
    runner = web.AppRunner(make_app(config), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield LiveServer(f"ws://127.0.0.1:{runner.addresses[0][1]}", config)
    await asyncio.wait_for(runner.cleanup(), WAIT)


async def signed_in_app(server: LiveServer, keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers,
                        opened: list[QUrl] | None = None) -> AgentApp:
    first = AgentClient(server.url, "ann", password=PASSWORD, request_timeout=WAIT)
    await first.start()
    tokens = TokenStore(keyring)
    assert first.token is not None
    tokens.put(server.url, "ann", first.token)
    await first.close()
    app = AgentApp(Settings(server=server.url, user="ann"), paths, tokens, confirm=answers,
                   tray_available=lambda: True)
    app.start()
    session = app.session
    assert session is not None
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)
    if opened is not None:  # phone and e-mail links go here instead of the desktop
        assert app.collab is not None
        app.collab.release_all()
        app.collab = CollabWindows(session, answers, app.notify, lambda url: opened.append(url) or True, app)
    return app


async def agent(server: LiveServer, name: str) -> AgentClient:
    client = AgentClient(server.url, name, password=PASSWORD, request_timeout=WAIT)
    await client.start()
    return client


async def test_warm_handover_of_a_live_chat_to_a_cic_expert(
    team_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    app = await signed_in_app(team_server, memory_keyring, paths, answers)
    session = app.session
    assert session is not None and app.tray is not None and app.windows is not None
    find_action(app.tray.menu, "On Duty").trigger()
    await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)
    carl = await agent(team_server, "carl")
    await carl.set_duty(True)
    rita = RequestorClient(team_server.url, request_timeout=WAIT)
    await rita.start()
    try:
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", request_type=RequestType.SALES_ORDER,
                                          text="My order 4711 has a wrong price",
                                          context=[BusinessContext("order", "4711", "Printer paper")])
        windows = app.windows
        await until(windows.opened, lambda: chat_id in windows.windows)
        window = windows.windows[chat_id]
        bar = window.handover
        assert bar is not None

        # Step 1: tell the requestor (canned), no warning.
        assert window.input.insert_canned("/ps-lookingforexpert")
        QTest.keyClick(window.input, Qt.Key.Key_Return)
        assert (await next_of(rita, ChatMessage)).text == LOOKING
        assert not bar.warning.isVisible()

        # Step 2: Discuss… -> the picker with live availability -> CIC -> Send request.
        bar.discuss_button.click()
        picker = bar.picker
        assert picker is not None
        await until(session.handovers.partners_changed, lambda: any(
            r.startswith("CIC (cic)") and "1 available · 1 on duty" in r for r in picker.rows(picker.queues)))
        assert picker.select("cic")
        picker.send_button.click()
        offer = await next_of(carl, DiscussionOffer)
        assert offer.chat.requestor.name == "Rita Requestor" and offer.discussion.sender_name == "Ann Agent"
        await until(session.handovers.updated, lambda: bar.panel is not None)
        panel = bar.panel
        assert panel is not None
        assert "Waiting for Carl Expert to accept" in panel.state.text()
        assert not panel.transfer_button.isEnabled()

        # The requestor is not told of a transfer before the expert accepted: held with a warning.
        window.input.setPlainText("I will transfer you to our CIC expert now")
        QTest.keyClick(window.input, Qt.Key.Key_Return)
        assert bar.warning.isVisible() and window.input.toPlainText().startswith("I will transfer")
        window.input.clear()

        # Step 3: the expert reads the history and talks with the sender before deciding.
        d = offer.discussion.discussion_id
        history = await carl.get_transcript(chat_id)
        assert [m.text for m in history.messages] == ["My order 4711 has a wrong price", LOOKING]
        await carl.discussion_say(d, "Pricing is ours. Which country?")
        await until(panel.model.changed, lambda: "Which country?" in panel.talk.toPlainText())
        panel.input.setText("Germany, B2B shop")
        QTest.keyClick(panel.input, Qt.Key.Key_Return)
        said = await next_of(carl, DiscussionMessage, lambda m: m.sender == "ann")
        assert said.text == "Germany, B2B shop"
        await carl.answer_discussion(d, True)
        await until(panel.model.changed, lambda: panel.transfer_button.isEnabled())
        assert "accepted" in panel.state.text()

        # Step 4: tell the requestor, then Transfer: the window closes, the expert has the whole chat.
        window.input.setPlainText("Let me hand you over to Carl, our CIC expert.")
        QTest.keyClick(window.input, Qt.Key.Key_Return)
        assert not bar.warning.isVisible()
        await next_of(rita, ChatMessage, lambda m: "hand you over" in m.text)
        panel.transfer_button.click()
        await until(windows.released, lambda: chat_id not in windows.windows)
        moved = await next_of(carl, ChatAssigned)
        assert moved.transferred_from == "Ann Agent" and moved.chat.queue == "cic"
        # the discussion's end is told at once; the chat's history follows from the store
        done = await next_of(carl, DiscussionUpdate, lambda u: u.discussion.state is DiscussionState.TRANSFERRED)
        assert done.discussion.discussion_id == d
        seen = [(await next_of(carl, ChatMessage)).text for _ in range(3)]
        assert seen == ["My order 4711 has a wrong price", LOOKING, "Let me hand you over to Carl, our CIC expert."]
        joined = await next_of(rita, AgentJoined)
        assert (joined.agent_name, joined.transferred) == ("Carl Expert", True)
        await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)  # capacity freed
    finally:
        await rita.close()
        await carl.close()
        await session.stop()


async def test_the_app_receives_a_handover_and_opens_the_chat_with_its_history(
    team_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    # Here the app (ann, cim-emea) is the receiver: carl (cic) asks her as a colleague about a CIC chat.
    app = await signed_in_app(team_server, memory_keyring, paths, answers)
    session = app.session
    assert session is not None and app.collab is not None and app.windows is not None
    await session.client.set_duty(True)
    carl = await agent(team_server, "carl")
    await carl.set_duty(True)
    rita = RequestorClient(team_server.url, request_timeout=WAIT)
    await rita.start()
    try:
        chat_id = await rita.request_chat("cic", "Rita Requestor", text="Which queue handles my invoice?")
        await next_of(carl, ChatAssigned)
        await carl.send(chat_id, "Let me check who can help.")
        collab = app.collab
        await carl.discuss(chat_id, colleague="ann")
        await until(session.handovers.offered, lambda: bool(collab.discussions))
        window = next(iter(collab.discussions.values()))
        panel = window.panel
        await until(panel.model.changed, lambda: "Which queue handles my invoice?" in panel.history.toPlainText())
        assert "Carl Expert asks you to take a chat" in panel.title.text()
        panel.accept_button.click()
        accepted = await next_of(carl, DiscussionUpdate, lambda u: u.discussion.state is DiscussionState.ACCEPTED)
        await carl.transfer(accepted.discussion.discussion_id)
        windows = app.windows
        await until(windows.opened, lambda: chat_id in windows.windows)
        chat_window = windows.windows[chat_id]
        assert "Handed over by Carl Expert" in chat_window.banner.text()
        model = chat_window.model
        await until(model.rowsInserted, lambda: len(model.lines) == 2)
        assert [ln.text for ln in model.lines] == ["Which queue handles my invoice?", "Let me check who can help."]
        await until(panel.model.changed, lambda: not window.isVisible())
    finally:
        await rita.close()
        await carl.close()
        await session.stop()


async def test_contacts_presence_and_messages_between_agents(
    team_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    opened: list[QUrl] = []
    app = await signed_in_app(team_server, memory_keyring, paths, answers, opened)
    session = app.session
    assert session is not None and app.collab is not None and app.tray is not None
    colleagues = session.colleagues
    find_action(app.tray.menu, "Contacts…").trigger()
    contacts = app.collab.contacts
    assert contacts.isVisible()
    await until(colleagues.contacts_changed, lambda: len(contacts.rows(contacts.contacts)) == 5)

    def bob_row() -> str:
        return next((r for r in contacts.rows(contacts.contacts) if r.startswith("Bob")), "")

    bob = await agent(team_server, "bob")
    try:
        # Directory search by region, add: mutual, both lists update live.
        contacts.search.setText("APJ")
        contacts.run_search()
        await until(colleagues.directory_found, lambda: contacts.rows(contacts.results) != [])
        assert contacts.rows(contacts.results) == ["Bob Colleague  ·  cim-emea  ·  APJ"]
        contacts.results.setCurrentRow(0)
        contacts.add_button.click()
        await until(colleagues.contacts_changed, lambda: any("Bob" in r for r in contacts.rows(contacts.contacts)))
        await next_of(bob, Contacts, lambda c: [x.username for x in c.contacts] == ["ann"])
        assert bob_row().startswith("Bob Colleague  ·  Online")

        # Online: message, call (tel:), e-mail (mailto:), send context. Busy: message and e-mail only.
        assert contacts.select("bob")
        assert all(b.isEnabled() for b in (contacts.message_button, contacts.call_button, contacts.email_button,
                                           contacts.context_button))
        contacts.call_button.click()
        contacts.email_button.click()
        assert [u.toString() for u in opened] == ["tel:+6512345678", "mailto:bob@example.com"]
        await bob.set_presence(Presence.BUSY)
        await until(colleagues.contacts_changed, lambda: "Busy" in bob_row())
        assert contacts.message_button.isEnabled() and contacts.email_button.isEnabled()
        assert not contacts.call_button.isEnabled() and not contacts.context_button.isEnabled()

        # A message: the channel opens in the IM window, bob gets it, his answer shows.
        im = app.collab.im
        contacts.message_button.click()
        await until(colleagues.channel_opened, lambda: im.view("bob") is not None)
        view = im.view("bob")
        assert view is not None
        view.input.setPlainText("Can you take a look at chat 4711?")
        QTest.keyClick(view.input, Qt.Key.Key_Return)
        got = await next_of(bob, ImMessage)
        assert (got.sender, got.text) == ("ann", "Can you take a look at chat 4711?")
        await until(view.model.dataChanged, lambda: view.model.lines[-1].state is LineState.SENT)
        await bob.im_send("ann", "Sure, send me the context")
        await until(view.model.rowsInserted, lambda: view.model.lines[-1].text == "Sure, send me the context")

        # Bob signs off: Offline; a message to him is stored ("sent") and delivered at his next sign-in.
        await bob.close()
        await until(colleagues.contacts_changed, lambda: "Offline" in bob_row())
        card = BusinessContext("incident", "4711", "Printer on fire", {"requestor": "Rita"})
        colleagues.send("bob", "For tomorrow", card)
        await until(view.model.dataChanged, lambda: view.model.lines[-1].state is LineState.SENT)
        assert view.model.lines[-1].context == card
        bob = await agent(team_server, "bob")
        later = await next_of(bob, ImMessage)
        assert (later.text, later.context) == ("For tomorrow", card)
        await until(colleagues.contacts_changed, lambda: "Offline" not in bob_row())

        # Five channels at most: f1..f4 open fine (bob is the fifth), f5 gets the server's refusal.
        for n in range(1, 5):
            colleagues.open(f"f{n}")
            await until(colleagues.channel_opened, lambda n=n: im.view(f"f{n}") is not None)
        refusals: list[str] = []
        colleagues.channel_refused.connect(lambda _peer, text: refusals.append(text))
        colleagues.open("f5")
        await until(colleagues.channel_refused, lambda: bool(refusals))
        assert im.view("f5") is None and len(im.peers()) == 5
        assert "close one" in im.banner.text() and im.banner.isVisible()
        assert "close one" in contacts.status.text()
        im.tabs.tabCloseRequested.emit(im.tabs.indexOf(im.view("f1")))  # closing a tab frees a channel
        assert im.view("f1") is None
        colleagues.open("f5")
        await until(colleagues.channel_opened, lambda: im.view("f5") is not None)

        # Mutual removal: bob's list loses ann too.
        assert contacts.select("bob")
        contacts.remove_button.click()
        await next_of(bob, Contacts, lambda c: c.contacts == [])
        await until(colleagues.contacts_changed, lambda: bob_row() == "")
    finally:
        await bob.close()
        await session.stop()
