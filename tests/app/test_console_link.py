"""Supervisors get "Console…" in the tray menu: it opens the console in the browser signed in by a one-time link."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from onduty.client.app.app import AgentApp
from onduty.client.app.qt.core import QUrl
from onduty.client.app.tray.tray import action_texts, find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.core.roles import StaffRole
from onduty.server.shell.app import make_app
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore

from .conftest import PASSWORD, WAIT, Answers, LiveServer, MemoryKeyring, until


@pytest.fixture
async def lead_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """Queue cim-apj; lee supervises it, ann is an agent."""
    config = ServerConfig(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_kib=64)
    config.data_dir.mkdir(parents=True)
    store = SqliteStore(config.db_path)
    await store.open()
    pw = Passwords(1, 64).hash(PASSWORD)
    await store.add_queue(QueueRecord("cim-apj", "CIM APJ", "APJ", 120.0))
    await store.add_agent(AgentRecord("lee", "Lee Lead", "APJ", "CIM", ("cim-apj",), pw,
                                      role=StaffRole.SUPERVISOR, supervises=("cim-apj",)))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "APJ", "CIM", ("cim-apj",), pw))
    await store.close()
    runner = web.AppRunner(make_app(config), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield LiveServer(f"ws://127.0.0.1:{runner.addresses[0][1]}", config)
    await asyncio.wait_for(runner.cleanup(), WAIT)


async def signed_in_app(server: LiveServer, user: str, paths: SettingsPaths, keyring: MemoryKeyring,
                        answers: Answers, opened: asyncio.Future[QUrl]) -> AgentApp:
    def open_url(url: QUrl) -> bool:
        opened.set_result(url)
        return True

    app = AgentApp(Settings(server=server.url, user=user), paths, TokenStore(keyring), confirm=answers,
                   tray_available=lambda: True, open_url=open_url)
    app.start()
    assert app.sign_in_dialog is not None
    app.sign_in_dialog.password.setText(PASSWORD)
    app.sign_in_dialog.sign_in_button.click()
    await until(app.signed_in, lambda: app.session is not None)
    session = app.session
    assert session is not None
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)
    return app


async def test_console_opens_signed_in_by_a_one_time_link(
    lead_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    opened: asyncio.Future[QUrl] = asyncio.get_running_loop().create_future()
    app = await signed_in_app(lead_server, "lee", paths, memory_keyring, answers, opened)
    assert app.tray is not None and app.session is not None
    session = app.session
    await until(session.changed, lambda: session.view.supervisor is not None)
    app.refresh()
    assert "Console…" in action_texts(app.tray.menu)
    find_action(app.tray.menu, "Console…").trigger()
    link = (await asyncio.wait_for(opened, WAIT)).toString()
    assert link.startswith(lead_server.url.replace("ws://", "http://") + "/console/link/")
    assert PASSWORD not in link
    http = link
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        first = await browser.get(http, allow_redirects=False)
        assert first.status == 303 and first.headers["Location"] == "/console/"
        assert "onduty_console=" in first.headers["Set-Cookie"]
        assert (await browser.get(http.split("/console/")[0] + "/console/api/session")).status == 200
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        again = await other.get(http, allow_redirects=False)  # used up
        assert again.status == 303 and "Set-Cookie" not in again.headers
    await session.stop()


async def test_agents_have_no_console_entry(
    lead_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    app = await signed_in_app(lead_server, "ann", paths, memory_keyring, answers,
                              asyncio.get_running_loop().create_future())
    assert app.tray is not None and app.session is not None
    app.refresh()
    assert "Console…" not in action_texts(app.tray.menu)
    await app.session.stop()
