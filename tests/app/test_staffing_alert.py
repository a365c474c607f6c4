"""The tray app tells its agent when a queue has nobody on duty (and when it has someone again)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from onduty.client.app.app import AgentApp
from onduty.client.app.tray.tray import find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import make_app
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import StaffingAlert

from .conftest import PASSWORD, Answers, LiveServer, MemoryKeyring, until


@pytest.fixture
async def alerting_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """Queue cim-apj ("CIM APJ", 24x7), agent ann; no quiet time after the start, so alerts come at once."""
    config = ServerConfig(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_kib=64, agent_grace_s=0.0)
    config.data_dir.mkdir(parents=True)
    store = SqliteStore(config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("cim-apj", "CIM APJ", "APJ", 120.0))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "APJ", "CIM", ("cim-apj",), Passwords(1, 64).hash(PASSWORD)))
    await store.close()
    runner = web.AppRunner(make_app(config), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield LiveServer(f"ws://127.0.0.1:{runner.addresses[0][1]}", config)
    await asyncio.wait_for(runner.cleanup(), 10)


async def test_the_tray_notifies_when_the_queue_has_nobody_on_duty(
    alerting_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    app = AgentApp(Settings(server=alerting_server.url, user="ann"), paths, TokenStore(memory_keyring),
                   confirm=answers, tray_available=lambda: True)
    shown: list[tuple[str, str]] = []
    app.notify = lambda title, text: shown.append((title, text))  # type: ignore[method-assign]
    app.start()
    assert app.tray is not None and app.sign_in_dialog is not None
    app.sign_in_dialog.password.setText(PASSWORD)
    app.sign_in_dialog.sign_in_button.click()
    await until(app.signed_in, lambda: app.session is not None)
    session = app.session
    assert session is not None
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)

    find_action(app.tray.menu, "On Duty").trigger()  # the queue's alert (open since the start) clears
    alerts: list[StaffingAlert] = []
    session.alert.connect(alerts.append)
    await until(session.alert, lambda: any(not a.active for a in alerts))
    assert ("OnDuty", "CIM APJ has someone on duty again") in shown

    find_action(app.tray.menu, "Off Duty").trigger()  # the last one goes
    await until(session.alert, lambda: alerts[-1].active)
    assert shown[-1] == ("OnDuty", "CIM APJ has nobody on duty")
    assert "CIM APJ has nobody on duty" in app.tray.icon.toolTip()
    await session.stop()
