"""The tray app over a simulated working day: start-to-window time and memory after N chats.

    .venv/bin/python -m bench.tray_day [--chats 50] [--messages 4]

Offscreen (``QT_QPA_PLATFORM=offscreen``, so the app shows its fallback window instead of a tray
icon). A server runs in the same process on a loopback port with a temporary data folder; the app
signs in through its dialog, goes On Duty, and takes ``--chats`` chats one after the other: each
requestor asks, the agent greets, they exchange ``--messages`` messages, the requestor leaves and the
agent closes the window. Prints one JSON object: the time from the start of this script to the first
window, and the app process's RSS after sign-in, after 10 chats and at the end (the server shares the
process, so its growth is measured alone first and reported beside).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402  (the start time is taken before the imports, as a user would see it)
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil  # noqa: E402
import qasync  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from PySide6.QtCore import QObject, Qt, SignalInstance  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from onduty.client.app.app import AgentApp  # noqa: E402
from onduty.client.desk.credentials import TokenStore  # noqa: E402
from onduty.client.desk.settings import Settings, SettingsPaths  # noqa: E402
from onduty.client.desk.state import TrayState  # noqa: E402
from onduty.client.net import RequestorClient  # noqa: E402
from onduty.server.auth import Passwords  # noqa: E402
from onduty.server.config import ServerConfig  # noqa: E402
from onduty.server.shell.app import make_app  # noqa: E402
from onduty.server.store import AgentRecord, QueueRecord  # noqa: E402
from onduty.server.store.sqlite import SqliteStore  # noqa: E402
from onduty.shared.messages import ChatMessage  # noqa: E402

PASSWORD = "tray-day-password"
WAIT = 30.0


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


async def until(signal: SignalInstance, done: Callable[[], bool]) -> None:
    """Wait for ``done()``, re-checking whenever ``signal`` fires (and at least every 50 ms)."""
    async with asyncio.timeout(WAIT):
        while not done():
            event = asyncio.Event()
            handle = signal.connect(event.set)
            try:
                async with asyncio.timeout(0.05):
                    await event.wait()
            except TimeoutError:
                pass
            finally:
                QObject.disconnect(handle)  # by handle: disconnect(slot) leaks a reference in PySide6 6.12


def rss_mib() -> float:
    return round(psutil.Process().memory_info().rss / 2**20, 1)


async def seed(data: Path) -> ServerConfig:
    config = ServerConfig(data_dir=data, argon2_time_cost=1, argon2_memory_kib=64, requestor_rate_per_s=0.0)
    store = SqliteStore(config.db_path)
    await asyncio.to_thread(data.mkdir, parents=True, exist_ok=True)
    await store.open()
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA"))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",),
                                      Passwords(1, 64).hash(PASSWORD)))
    await store.close()
    return config


async def day(opts: argparse.Namespace, folder: Path) -> dict[str, Any]:
    config = await seed(folder / "data")
    server = TestServer(make_app(config), host="127.0.0.1", port=0)
    await server.start_server()
    url = str(server.make_url("")).rstrip("/").replace("http://", "ws://")
    paths = SettingsPaths(user_file=folder / "agent.toml", preset_file=folder / "preset.toml")
    app = AgentApp(Settings(server=url, user="ann"), paths, TokenStore(MemoryKeyring()),
                   confirm=lambda *_: True, tray_available=lambda: False)
    app.start()
    first_window_s = time.perf_counter() - STARTED
    figures: dict[str, Any] = {"first_window_s": round(first_window_s, 3)}
    dialog = app.sign_in_dialog
    assert dialog is not None
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()
    await until(app.signed_in, lambda: app.session is not None)
    session = app.session
    assert session is not None
    await session.client.set_duty(True)
    await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)
    figures["rss_signed_in_mib"] = rss_mib()
    windows = app.windows
    assert windows is not None
    started = time.perf_counter()
    for n in range(1, opts.chats + 1):
        requestor = RequestorClient(url, request_timeout=WAIT)
        await requestor.start()
        chat_id = await requestor.request_chat("cim-emea", f"Requestor {n}", text="Hello, I need help")
        await until(windows.opened, lambda c=chat_id: c in windows.windows)  # type: ignore[misc]
        window = windows.windows[chat_id]
        for i in range(opts.messages):
            QTest.keyClicks(window.input, f"Answer {i} to requestor {n}")
            QTest.keyClick(window.input, Qt.Key.Key_Return)
            async with asyncio.timeout(WAIT):
                while not isinstance(await requestor.next_event(), ChatMessage):
                    pass
            await requestor.send(chat_id, f"Follow-up {i}")
        await requestor.end_chat(chat_id)
        await until(window.model.changed, lambda w=window: not w.model.running)  # type: ignore[misc]
        window.close()
        await until(windows.released, lambda c=chat_id: c not in windows.windows)  # type: ignore[misc]
        await requestor.close()
        if n == 10:
            figures["rss_after_10_chats_mib"] = rss_mib()
    figures["chats"] = opts.chats
    figures["messages_per_chat"] = 2 * opts.messages + 1
    figures["day_s"] = round(time.perf_counter() - started, 1)
    figures["rss_end_mib"] = rss_mib()
    left = asyncio.Event()
    app.quit_requested.connect(left.set)
    app.quit()  # Off Duty, windows released, then the app asks to leave
    async with asyncio.timeout(WAIT):
        await left.wait()
    await server.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tray_day", description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=4, help="agent messages per chat (each answered)")
    opts = parser.parse_args()
    qt = QApplication.instance() or QApplication([])
    assert isinstance(qt, QApplication)
    qt.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qt)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="onduty-tray-day-") as folder, loop:
        figures = loop.run_until_complete(day(opts, Path(folder)))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
