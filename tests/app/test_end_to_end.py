"""The tray app's application object against the real server, with requestors through RequestorClient.

Sign in through the dialog, go On Duty from the tray menu, get a chat window with the requestor's
context, exchange messages, the requestor leaves, the agent closes the window, and the next
requestor in the waiting line is routed to this agent.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from onduty.client.app.app import AgentApp
from onduty.client.app.chat.models import LineState
from onduty.client.app.tray.tray import action_texts, find_action
from onduty.client.desk.credentials import SERVICE, TokenStore, account
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.client.net import RequestorClient
from onduty.shared.messages import AgentJoined, ChatMessage, Waiting
from onduty.shared.types import BusinessContext, RequestType

from .conftest import PASSWORD, WAIT, Answers, LiveServer, MemoryKeyring, until

E = TypeVar("E")


async def next_of(client: RequestorClient, kind: type[E]) -> E:
    async def scan() -> E:
        while True:
            event = await client.next_event()
            if isinstance(event, kind):
                return event
    return await asyncio.wait_for(scan(), WAIT)


async def test_sign_in_go_on_duty_handle_a_chat_and_take_the_next(
    live_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    app = AgentApp(Settings(server=live_server.url, user="ann"), paths, TokenStore(memory_keyring),
                   confirm=answers, tray_available=lambda: True)
    app.start()
    assert app.tray is not None
    assert app.tray.state is TrayState.SIGNED_OUT
    dialog = app.sign_in_dialog
    assert dialog is not None
    assert dialog.user.text() == "ann"
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()
    await until(app.signed_in, lambda: app.session is not None)
    session = app.session
    assert session is not None
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)
    token = memory_keyring.items[(SERVICE, account(live_server.url, "ann"))]
    assert token == session.client.token
    assert "ann" in paths.user_file.read_text()
    assert PASSWORD not in paths.user_file.read_text()

    find_action(app.tray.menu, "On Duty").trigger()
    await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)
    assert "On Duty · Available" in app.tray.icon.toolTip()

    rita = RequestorClient(live_server.url, request_timeout=WAIT)
    bob = RequestorClient(live_server.url, request_timeout=WAIT)
    await rita.start()
    await bob.start()
    try:
        chat_id = await rita.request_chat(
            "cim-emea", "Rita Requestor", request_type=RequestType.PROCESSOR_ASSIGNMENT,
            text="Please assign a processor to my incident",
            context=[BusinessContext("incident", "4711", "Printer on fire", {"priority": "very high"})],
        )
        windows = app.windows
        assert windows is not None
        await until(windows.opened, lambda: chat_id in windows.windows)
        window = windows.windows[chat_id]
        assert window.isVisible()
        header = window.header.text() + window.about.text()
        for part in ("Rita Requestor", "CIM EMEA", "Processor assignment", "waited"):  # the queue's title
            assert part in header
        assert "Incident 4711: Printer on fire" in window.context_card.summary.text()
        assert "very high" in window.context_card.details.text()
        model = window.model
        await until(model.rowsInserted, lambda: any("assign a processor" in ln.text for ln in model.lines))
        assert session.view.tray_state() is TrayState.IN_CHAT
        assert any("Rita Requestor" in t for t in action_texts(app.tray.menu))

        # The agent types and presses Enter; the requestor gets it, the window marks it sent.
        QTest.keyClicks(window.input, "Hello Rita, on it")
        QTest.keyClick(window.input, Qt.Key.Key_Return)
        got = await next_of(rita, ChatMessage)
        assert (got.text, got.sender_name) == ("Hello Rita, on it", "Ann Agent")
        await until(model.dataChanged, lambda: model.lines[-1].state is LineState.SENT)
        assert model.lines[-1].seq == got.seq

        await rita.send(chat_id, "Thank you!")
        await until(model.rowsInserted, lambda: model.lines[-1].text == "Thank you!")

        # A second requestor waits: this agent's only slot is taken.
        second_id = await bob.request_chat("cim-emea", "Bob Builder", text="Me next")
        await next_of(bob, Waiting)

        # The requestor leaves: the window says so, keeps the messages and stays open.
        await rita.end_chat(chat_id)
        await until(model.changed, lambda: not model.running)
        assert "left" in window.banner.text()
        assert window.isVisible()
        assert len(model.lines) == 3
        assert not window.input.isEnabled()

        # Closing an ended chat asks nothing; the server closes it and routes Bob to this agent.
        window.close()
        assert answers.asked == []
        await until(windows.released, lambda: chat_id not in windows.windows)
        await until(windows.opened, lambda: second_id in windows.windows)
        joined = await next_of(bob, AgentJoined)
        assert joined.agent_name == "Ann Agent"
        assert "Bob Builder" in windows.windows[second_id].header.text()
    finally:
        await rita.close()
        await bob.close()

    # Quitting while On Duty (and in a chat) asks, then goes Off Duty before closing.
    quitting = asyncio.get_running_loop().create_future()
    app.quit_requested.connect(lambda: quitting.set_result(None))
    app.quit()
    await asyncio.wait_for(quitting, WAIT)
    assert answers.asked == ["Quit OnDuty?"]
    assert session.view.status is not None and not session.view.status.on_duty


async def test_without_a_keyring_the_app_asks_and_keeps_the_token_for_this_run_only(
    live_server: LiveServer, paths: SettingsPaths, qapp: Any, close_windows: None,
) -> None:
    from keyring.backends import fail

    for agrees in (False, True):
        answers = Answers(answer=agrees)
        tokens = TokenStore(fail.Keyring())
        app = AgentApp(Settings(server=live_server.url, user="ann"), paths, tokens, confirm=answers,
                       tray_available=lambda: False)
        app.start()
        assert app.window is not None and app.tray is None  # no system tray: the fallback window
        dialog = app.sign_in_dialog
        assert dialog is not None
        dialog.password.setText(PASSWORD)
        asked = asyncio.get_running_loop().create_future()
        original = app._keep_token

        def keep(token: str, original: Any = original, asked: Any = asked) -> bool:
            kept = bool(original(token))
            asked.set_result(kept)
            return kept

        app._keep_token = keep  # type: ignore[method-assign]
        dialog.sign_in_button.click()
        assert await asyncio.wait_for(asked, WAIT) is agrees
        assert answers.asked == ["No keyring"]
        assert answers.defaults["No keyring"] is True  # Enter keeps the sign-in, it does not sign out
        if agrees:
            assert app.session is not None
            assert tokens.get(live_server.url, "ann") == app.session.client.token
            await app.session.stop()
        else:
            assert app.session is None
            assert tokens.get(live_server.url, "ann") is None
        app.window.hide()
