"""Qt tests of the agent app, offscreen; async tests run on a qasync loop so Qt and asyncio share one loop.

pytest-qt does not drive asyncio, so the async tests here get qasync's QEventLoop through
pytest-asyncio's loop-factory hook; waits are on signals (``until``), never on sleeps.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import qasync
from aiohttp import web
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import QEvent, QObject, QTimerEvent, SignalInstance
from PySide6.QtWidgets import QApplication, QWidget

from onduty.client.app.collector import MainThreadCollector
from onduty.client.desk.settings import SettingsPaths
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import make_app
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import CannedMessage

WAIT = 10.0
PASSWORD = "correct horse"


class _RunningLoopTimer(qasync._SimpleTimer):  # type: ignore[misc]
    """qasync's timer, which runs every asyncio callback (task steps, I/O, thread results) from a Qt
    timer event, whoever processes Qt's events; here each runs with its loop as the running loop.

    Qt's events are also processed while the loop is not running: by qasync once more after
    run_until_complete (for each fixture and the test), and by pytest-qt after a test's setup, after
    its call and around its teardown. A task step run then without a running loop fails on
    ``asyncio.get_running_loop()`` or on a queue "bound to a different event loop": e.g. the server,
    still signing an agent in after ``login_ok`` (its store read finishing in a thread), dropped the
    session the agent fixture had just made ready. Inside run_forever (the app) nothing changes.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._loop = loop

    def timerEvent(self, event: QTimerEvent) -> None:
        if asyncio.events._get_running_loop() is not None:
            super().timerEvent(event)
            return
        asyncio.events._set_running_loop(self._loop)
        try:
            super().timerEvent(event)
        finally:
            asyncio.events._set_running_loop(None)


class _TestLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's loop for pytest-asyncio (run_until_complete per fixture and test); see _RunningLoopTimer."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._timer = _RunningLoopTimer(self)  # before anything is scheduled on the loop

    def close(self) -> None:
        """Cancel what a test left running first: an HTTP request still in flight when its panel
        closed would otherwise be garbage-collected in a later test ("Unclosed connection")."""
        pending = [t for t in asyncio.all_tasks(self) if not t.done()]
        if pending and not self.is_closed():
            for task in pending:
                task.cancel()
            self.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        super().close()


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # as in onduty-agent: closing a dialog must not stop the loop
    loop: asyncio.AbstractEventLoop = _TestLoop(app)
    return loop


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    return {"qasync": _qasync_loop}


class MemoryKeyring(KeyringBackend):
    """A keyring backend for tests: a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def paths(tmp_path: Path) -> SettingsPaths:
    return SettingsPaths(user_file=tmp_path / "user" / "agent.toml", preset_file=tmp_path / "etc" / "agent.toml")


class Answers:
    """Scripted answers to the app's yes/no questions; records what was asked."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[str] = []
        self.defaults: dict[str, bool] = {}
        """Each question's default answer (what Enter would have said): True for Yes."""

    def __call__(self, parent: QWidget | None, title: str, question: str, *, default_yes: bool = False) -> bool:
        self.asked.append(title)
        self.defaults[title] = default_yes
        return self.answer


@pytest.fixture
def answers() -> Answers:
    return Answers()


async def until(signal: SignalInstance, condition: Callable[[], bool], wait: float = WAIT) -> None:
    """Wait (bounded) until ``condition()`` holds, checking it whenever ``signal`` fires."""
    if condition():
        return
    done = asyncio.get_running_loop().create_future()

    def check(*_: object) -> None:
        if not done.done() and condition():
            done.set_result(None)

    handle = signal.connect(check)
    try:
        await asyncio.wait_for(done, wait)
    finally:
        QObject.disconnect(handle)  # by handle: disconnect(slot) leaks a reference in PySide6 6.12


@dataclass
class LiveServer:
    url: str
    config: ServerConfig


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """The real server on a loopback port: queue cim-emea, agent ann (capacity 1), two canned messages."""
    config = ServerConfig(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_kib=64, heartbeat_s=30.0)
    config.data_dir.mkdir(parents=True)
    store = SqliteStore(config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",),
                                      Passwords(1, 64).hash(PASSWORD)))
    await store.set_canned(CannedMessage("cim-emea", "ps-lookingforexpert",
                                         "Your question belongs to another expert area. "
                                         "Let me check if someone is available."))
    await store.set_canned(CannedMessage("cim-emea", "ps-gotocic", "Let me hand you over to CIC."))
    await store.close()
    runner = web.AppRunner(make_app(config), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield LiveServer(f"ws://127.0.0.1:{port}", config)
    await asyncio.wait_for(runner.cleanup(), WAIT)


@pytest.fixture(autouse=True)
def garbage_on_the_main_thread(qapp: QApplication) -> Iterator[None]:
    """Cyclic garbage of a Qt test is collected on the main thread, as in the app (``MainThreadCollector``):
    aiortc's encoder threads and the in-process server's store threads run Python too, and a collection there
    that frees a window with a running timer crashed a later test inside Qt's timer dispatch. Windows deleted
    with ``deleteLater`` are destroyed here too, before the test's garbage is collected."""
    collector = MainThreadCollector(parent=qapp)
    collector.start()
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    collector.stop(generation=1)
    collector.deleteLater()


@pytest.fixture
def close_windows(qapp: QApplication) -> Iterator[None]:
    yield
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
