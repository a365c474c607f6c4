"""The app's agent tools against the real server: a kept token, canned messages, typing both ways, memo,
files both ways, a dropped connection, callbacks, past chats and closing a running chat."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtWidgets import QApplication

from onduty.client.app.app import AgentApp
from onduty.client.app.chat.callbacks import STATE_COLUMN, CallbacksDialog
from onduty.client.app.chat.history import HistoryDialog
from onduty.client.app.tray.tray import action_texts
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.client.net import AgentClient, RequestorClient
from onduty.client.net.files import download, http_base, upload
from onduty.shared.messages import CallbackSaved, ChatEnded, ChatMessage, LeaveCallback, PeerTyping
from onduty.shared.types import EndReason

from .conftest import PASSWORD, WAIT, Answers, LiveServer, MemoryKeyring, until

E = TypeVar("E")


async def next_of(client: RequestorClient, kind: type[E], match: Any = None) -> E:
    async def scan() -> E:
        while True:
            event = await client.next_event()
            if isinstance(event, kind) and (match is None or match(event)):
                return event
    return await asyncio.wait_for(scan(), WAIT)


def dialog_of(kind: type[E]) -> E:
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind))


async def test_agent_tools_against_the_server(
    live_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None, tmp_path: Path,
) -> None:
    # An earlier run kept its token: this start goes straight to the tray, no sign-in dialog.
    earlier = AgentClient(live_server.url, "ann", password=PASSWORD, request_timeout=WAIT)
    await earlier.start()
    tokens = TokenStore(memory_keyring)
    assert earlier.token is not None
    tokens.put(live_server.url, "ann", earlier.token)
    await earlier.close()

    app = AgentApp(Settings(server=live_server.url, user="ann", auto_greeting=True), paths, tokens,
                   confirm=answers, tray_available=lambda: True)
    app.start()
    assert app.sign_in_dialog is None
    session = app.session
    assert session is not None and app.tray is not None
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)
    session.set_duty(True)
    await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)
    assert len(session.client.canned) == 2  # pushed by the server after login_ok

    rita = RequestorClient(live_server.url, request_timeout=WAIT)
    await rita.start()
    try:
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="Hi, need help")
        windows = app.windows
        assert windows is not None
        await until(windows.opened, lambda: chat_id in windows.windows)
        window = windows.windows[chat_id]
        model = window.model

        # Automatic greeting (setting), after the requestor's first message.
        greeting = await next_of(rita, ChatMessage)
        assert greeting.text == "Hello, I am Ann Agent from CIM EMEA, how can I help you?"
        assert [ln.text for ln in model.lines] == ["Hi, need help", greeting.text]

        # Canned messages from the server are offered in the input.
        assert window.input.completer.model().rowCount() == 2
        window.input.insert_canned("/ps-lookingforexpert")
        window.input.submit()
        assert "another expert area" in (await next_of(rita, ChatMessage)).text

        # Typing both ways.
        await rita.typing(chat_id, True)
        await until(model.changed, lambda: model.peer_typing == "Rita Requestor")
        assert window.typing_label.text() == "Rita Requestor is typing…"
        window.input.setPlainText("Let me look")
        typing = await next_of(rita, PeerTyping, lambda t: t.active)
        assert typing.name == "Ann Agent"
        window.input.clear()
        await next_of(rita, PeerTyping, lambda t: not t.active)

        # Internal memo: stored with the chat.
        memo = window.open_memo()
        memo.save_button.click()
        await until(model.changed, lambda: len(model.memos) == 1)
        assert model.memos[0].text.startswith("## Incoming CIM Chat request")

        # Files both ways.
        report = tmp_path / "report.txt"
        report.write_text("agent's notes")
        window.attach(report)
        got = await next_of(rita, ChatMessage)
        assert got.file is not None and got.file.name == "report.txt"
        assert rita.resume_token is not None
        fetched = await download(http_base(live_server.url), rita.resume_token, got.file.file_id)
        assert fetched.data == b"agent's notes"
        await upload(http_base(live_server.url), rita.resume_token, chat_id, b"trace", "trace.log",
                     content_type="text/plain")
        await until(model.rowsInserted, lambda: model.lines[-1].file is not None)
        incoming = model.lines[-1].file
        assert incoming is not None and incoming.name == "trace.log"
        downloaded: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        session.download(incoming.file_id, downloaded.set_result)
        assert (await asyncio.wait_for(downloaded, WAIT)).data == b"trace"

        # A dropped connection shows in the window and the tray; what was missed arrives after the resume.
        ws = session.client._conn._ws
        assert ws is not None
        await ws.close()
        await until(session.changed, lambda: session.view.tray_state() is TrayState.DISCONNECTED)
        assert "Connection lost" in window.banner.text()
        await rita.send(chat_id, "while you were away")
        await until(session.changed, lambda: session.view.tray_state() is TrayState.IN_CHAT)
        await until(model.rowsInserted, lambda: model.lines[-1].text == "while you were away")
        assert not window.banner.isVisible()

        # A callback request left in the queue shows in the tray menu and the callbacks dialog.
        carl = RequestorClient(live_server.url, request_timeout=WAIT)
        await carl.start()
        await carl._request(LeaveCallback(queue="cim-emea", name="Carl Caller", text="Call me", phone="+49 89 1234567"),
                            CallbackSaved)
        await carl.close()
        await until(session.changed, lambda: session.view.callbacks == 1)
        assert "Callback requests (1 open)…" in action_texts(app.tray.menu)
        app.show_callbacks()
        callbacks = dialog_of(CallbacksDialog)
        await until(callbacks.table.model().rowsInserted, lambda: callbacks.table.rowCount() == 1)
        assert callbacks.table.item(0, 2).text() == "Carl Caller"
        # Claimed from the list: the row says so, and the tray counts it no longer as open.
        callbacks.table.selectRow(0)
        callbacks.claim_button.click()
        await until(session.changed, lambda: session.view.callbacks == 0)
        assert "Callback requests (0 open)…" in action_texts(app.tray.menu)
        assert callbacks.table.item(0, STATE_COLUMN).text() == "Claimed by you"
        # A new request while the list is open: it shows up without Refresh.
        cora = RequestorClient(live_server.url, request_timeout=WAIT)
        await cora.start()
        await cora._request(LeaveCallback(queue="cim-emea", name="Cora Caller", text="Mail me",
                                          email="cora@example.com"), CallbackSaved)
        await cora.close()
        await until(callbacks.table.model().rowsInserted, lambda: callbacks.table.rowCount() == 2)
        assert callbacks.table.item(0, 2).text() == "Cora Caller"
        assert callbacks.count.text() == "1 open, 1 claimed"

        # Past chats: searchable, with the transcript and the memo.
        app.show_history()
        history = dialog_of(HistoryDialog)
        await until(history.results.model().rowsInserted, lambda: history.results.rowCount() >= 1)
        assert history.results.item(0, 2).text() == "CIM EMEA"  # the queue's title, not its name
        history.results.selectRow(0)
        await until(history.view.textChanged, lambda: "while you were away" in history.view.toPlainText())
        assert "Internal memo" in history.view.toPlainText()

        # Closing the window of a running chat asks, then ends it for the requestor.
        window.close()
        assert answers.asked == ["End this chat?"]
        ended = await next_of(rita, ChatEnded)
        assert ended.reason is EndReason.AGENT_CLOSED
        await until(windows.released, lambda: chat_id not in windows.windows)
    finally:
        await rita.close()
    await session.stop()
