"""The chat window's Co-browse… button against the real server: it invites the requestor and opens the co-browse
view in the browser by a one-time link; its text follows the requestor's answer."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from onduty.client.app.app import AgentApp
from onduty.client.app.cobrowse import button_text
from onduty.client.app.qt.core import QUrl
from onduty.client.app.tray.tray import find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.client.net import RequestorClient
from onduty.shared.messages import CobrowseStatus, CobrowseUpdate

from .conftest import PASSWORD, WAIT, Answers, LiveServer, MemoryKeyring, until

E = TypeVar("E")


async def next_of(client: RequestorClient, kind: type[E]) -> E:
    async def scan() -> E:
        while True:
            event = await client.next_event()
            if isinstance(event, kind):
                return event
    return await asyncio.wait_for(scan(), WAIT)


async def test_co_browse_invites_opens_the_view_and_follows_the_answer(
    live_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    opened: list[QUrl] = []
    link_opened = asyncio.Event()

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        link_opened.set()
        return True

    notes: list[str] = []
    app = AgentApp(Settings(server=live_server.url, user="ann"), paths, TokenStore(memory_keyring),
                   confirm=answers, tray_available=lambda: True, open_url=open_url)
    app.notify = lambda title, text: notes.append(text)  # type: ignore[method-assign]
    app.start()
    assert app.sign_in_dialog is not None and app.tray is not None
    app.sign_in_dialog.password.setText(PASSWORD)
    app.sign_in_dialog.sign_in_button.click()
    await until(app.signed_in, lambda: app.session is not None)
    session = app.session
    assert session is not None
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)
    find_action(app.tray.menu, "On Duty").trigger()
    await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)

    rita = RequestorClient(live_server.url, request_timeout=WAIT)
    await rita.start()
    try:
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="Can you look at my basket?")
        windows = app.windows
        assert windows is not None
        await until(windows.opened, lambda: chat_id in windows.windows)
        button = windows.windows[chat_id].cobrowse_button
        assert button.text() == "Co-browse…"

        button.click()
        asked = await next_of(rita, CobrowseUpdate)
        assert (asked.status, asked.text) == (CobrowseStatus.INVITED, "Ann Agent asks to see this page with you")
        await asyncio.wait_for(link_opened.wait(), WAIT)
        assert "/cobrowse/link/" in opened[0].toString()
        assert button.text() == button_text(CobrowseStatus.INVITED)

        await rita.cobrowse(chat_id, "decline")
        await until(session.cobrowse_changed, lambda: button.text() == "Co-browse…")
        assert notes[-1] == "Rita Requestor said no to co-browsing."

        await rita.cobrowse(chat_id, "start")  # the requestor shares on its own later
        await until(session.cobrowse_changed, lambda: button.text() == button_text(CobrowseStatus.ACTIVE))
        assert notes[-1] == "Rita Requestor shares the page with you: Co-browse… opens it."
        link_opened.clear()
        button.click()  # live: a new view opens, no second invitation
        await asyncio.wait_for(link_opened.wait(), WAIT)
        assert len(opened) == 2 and opened[1] != opened[0]
    finally:
        await rita.close()
        await session.stop()
