"""A supervisor's whisper in the agent's chat window: its own labelled bubble, in place, never the agent's."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionViewItem

from onduty.client.app.app import AgentApp
from onduty.client.app.chat.message_view import WHISPER_FILL, MessageDelegate, header_text
from onduty.client.app.chat.models import ChatModel, LineState
from onduty.client.app.tray.tray import find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.client.net import RequestorClient
from onduty.server.auth import Passwords
from onduty.server.core.roles import StaffRole
from onduty.server.store import AgentRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.codec import Codec
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import SERVER_MESSAGES, ChatMessage, Hello, SendWhisper, Sent, Whisper
from onduty.shared.types import Role

from .conftest import PASSWORD, WAIT, Answers, LiveServer, MemoryKeyring, until
from .factories import chat, message
from .test_chat_window import make

CODEC = Codec(SERVER_MESSAGES)
LABEL = "Whisper from Carl Supervisor (only you see this)"


def whisper(whisper_id: int = 1, text: str = "offer the refund") -> Whisper:
    return Whisper(chat_id="c1", whisper_id=whisper_id, sender="carl", sender_name="Carl Supervisor", text=text,
                   at=1_800_000_010.0)


def test_a_whisper_stays_after_the_messages_it_followed(qtbot: Any) -> None:
    model = ChatModel(chat())
    model.add_message(message(1, "hello"))
    model.add_whisper(whisper())
    model.add_whisper(whisper())  # the same whisper again (a second delivery) is shown once
    model.add_message(message(2, "which order?", Role.AGENT))
    key = model.add_pending("one moment", "Ann Agent")
    model.mark_sent(key, Sent(chat_id="c1", client_msg_id="x", seq=3, at=1.0))
    assert [(ln.seq, ln.whisper, ln.text) for ln in model.lines] == [
        (1, False, "hello"), (None, True, "offer the refund"), (2, False, "which order?"), (3, False, "one moment")]
    assert model.last_seq() == 3
    line = model.lines[1]
    assert not line.mine and line.state is LineState.RECEIVED
    assert header_text(line).startswith(LABEL)
    assert header_text(model.lines[0]).startswith("Rita Requestor")


def test_a_whisper_is_not_the_agent_speaking(qtbot: Any) -> None:
    model = ChatModel(chat())
    model.add_message(message(1, "hello"))
    model.add_whisper(whisper())
    assert not model.agent_spoke()  # the greeting reminder still counts the agent as silent
    assert model.first_requestor_text() == "hello"


def test_the_chat_window_shows_the_whisper_in_its_own_bubble(qtbot: Any, answers: Answers) -> None:
    window, model, _ = make(qtbot, answers)
    model.add_message(message(1, "hello"))
    model.add_whisper(whisper(text="approve the refund"))
    assert [model.index(row, 0).data() for row in range(model.rowCount())] == ["hello", "approve the refund"]
    option = QStyleOptionViewItem()
    option.rect.setRect(0, 0, 500, 100)
    option.font = window.font()
    bubble, _, _ = MessageDelegate()._geometry(option, model.lines[1])
    assert bubble.left() < 50  # on the left, not among the agent's own bubbles
    window.messages.scrollToTop()
    image = window.messages.viewport().grab().toImage()
    amber = {(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
             if image.pixelColor(x, y).name() == WHISPER_FILL.name()}
    assert amber, "the whisper's amber bubble is painted"


async def test_a_whisper_from_the_console_reaches_the_agents_window_and_not_the_requestor(
    live_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    store = SqliteStore(live_server.config.db_path)
    await store.open()
    await store.add_agent(AgentRecord("carl", "Carl Supervisor", "EMEA", "CIM", ("cim-emea",),
                                      Passwords(1, 64).hash(PASSWORD)))
    await store.set_role("carl", StaffRole.SUPERVISOR, ["cim-emea"])
    await store.close()
    app = AgentApp(Settings(server=live_server.url, user="ann"), paths, TokenStore(memory_keyring),
                   confirm=answers, tray_available=lambda: True)
    app.start()
    dialog = app.sign_in_dialog
    assert dialog is not None
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()
    await until(app.signed_in, lambda: app.session is not None)
    session = app.session
    assert session is not None and app.tray is not None
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)
    find_action(app.tray.menu, "On Duty").trigger()
    await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)

    rita = RequestorClient(live_server.url, request_timeout=WAIT)
    await rita.start()
    http = live_server.url.replace("ws://", "http://")
    try:
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="Where is my refund?")
        windows = app.windows
        assert windows is not None
        await until(windows.opened, lambda: chat_id in windows.windows)
        model = windows.windows[chat_id].model
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            signed_in = await browser.post(f"{http}/console/api/session", headers={"Origin": http},
                                           json={"username": "carl", "password": PASSWORD})
            assert signed_in.status == 200
            ws = await browser.ws_connect(f"{http}/console/ws", headers={"Origin": http})
            await ws.send_bytes(CODEC.encode(Hello(protocol=PROTOCOL_VERSION, client="tests")))
            await ws.send_bytes(CODEC.encode(SendWhisper(chat_id=chat_id, text="approve the refund")))
            await until(model.rowsInserted, lambda: any(ln.whisper for ln in model.lines))
            await ws.close()
        (line,) = [ln for ln in model.lines if ln.whisper]
        assert (line.text, line.sender_name) == ("approve the refund", "Carl Supervisor")
        assert header_text(line).startswith(LABEL)
        # everything the requestor's connection gets up to the agent's next reply: no whisper in it
        window = windows.windows[chat_id]
        QTest.keyClicks(window.input, "Refund approved")
        QTest.keyClick(window.input, Qt.Key.Key_Return)
        seen: list[object] = []

        async def read() -> None:
            while True:
                event = await rita.next_event()
                seen.append(event)
                if isinstance(event, ChatMessage) and event.text == "Refund approved":
                    return

        await asyncio.wait_for(read(), WAIT)
        assert not any(isinstance(e, Whisper) or "approve the refund" in repr(e) for e in seen)
    finally:
        await rita.close()
        await session.stop()


def test_a_voice_calls_lines_are_notices_in_the_middle(qtbot: Any, answers: Answers) -> None:
    window, model, _ = make(qtbot, answers)
    model.add_message(message(1, "hello"))
    call = message(2, "Call requested")
    model.add_message(ChatMessage(chat_id=call.chat_id, seq=2, sender=call.sender, sender_name=call.sender_name,
                                  text=call.text, at=call.at, client_msg_id="call-k1-requested"))
    model.add_message(message(3, "call-me, please"))  # an ordinary message that only reads like one
    assert [(ln.seq, ln.notice) for ln in model.lines] == [(1, False), (2, True), (3, False)]
    option = QStyleOptionViewItem()
    option.rect.setRect(0, 0, 500, 100)
    option.font = window.font()
    requestor, _, _ = MessageDelegate()._geometry(option, model.lines[0])
    notice, _, _ = MessageDelegate()._geometry(option, model.lines[1])
    assert requestor.left() < 50 and abs(notice.center().x() - 250) <= 2  # on the left / in the middle
    assert header_text(model.lines[1]).startswith("Rita Requestor")
    assert not model.lines[1].mine
