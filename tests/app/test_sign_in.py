"""Signing in and coming back: the address is checked before connecting (http(s) becomes ws(s)), a refused
connection is reported within a second with what is wrong, the password stays in its field, and while the
connection is lost the tray offers "Reconnect now"."""

from __future__ import annotations

import asyncio
import functools
import socket
import time
from typing import Any

import pytest

from onduty.client.app.app import AgentApp
from onduty.client.app.tray.settings_dialog import SettingsDialog
from onduty.client.app.tray.signin import SignInDialog
from onduty.client.app.tray.tray import build_menu
from onduty.client.desk.address import AddressError, server_address
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import AgentView, Link
from onduty.client.net import AgentClient

from .conftest import Answers, MemoryKeyring, until


@pytest.mark.parametrize(("typed", "saved"), [
    ("http://127.0.0.1:8765", "ws://127.0.0.1:8765"),
    ("https://chat.example.com/", "wss://chat.example.com"),
    ("  WSS://chat.example.com  ", "wss://chat.example.com"),
    ("ws://onduty:8765/ws/agent", "ws://onduty:8765/ws/agent"),
])
def test_addresses_are_saved_in_one_form(typed: str, saved: str) -> None:
    assert server_address(typed) == saved


@pytest.mark.parametrize(("typed", "says"), [
    ("chat example com", "A server address has no spaces"),
    ("chat.example.com", "Start the address with wss:// or ws://"),
    ("ftp://chat.example.com", "“ftp://” is not a server address"),
    ("ws://chat.example.com:port", "has a port that is not a number"),
    ("ws://", "names no server"),
])
def test_a_wrong_address_is_refused_before_connecting(typed: str, says: str) -> None:
    with pytest.raises(AddressError, match=says):
        server_address(typed)


def test_the_dialog_checks_the_address_and_keeps_the_password(qtbot: Any) -> None:
    dialog = SignInDialog(Settings(server="chat example com", user="ann"))
    qtbot.addWidget(dialog)
    sent: list[tuple[str, str, str]] = []
    dialog.submitted.connect(lambda *args: sent.append(args))
    dialog.password.setText("secret")
    dialog.sign_in_button.click()
    assert sent == [] and "no spaces" in dialog.message.text()
    assert dialog.password.text() == "secret"
    dialog.server.setText("https://chat.example.com")
    dialog.sign_in_button.click()
    assert sent == [("wss://chat.example.com", "ann", "secret")]
    assert dialog.server.text() == "wss://chat.example.com"
    dialog.failed("Wrong username or password.")
    assert dialog.password.text() == "secret" and dialog.password.selectedText() == "secret"


async def test_a_refused_port_is_reported_within_a_second(
    qapp: Any, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, close_windows: None,
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = AgentApp(Settings(server=f"ws://127.0.0.1:{port}", user="ann"), paths, TokenStore(memory_keyring),
                   confirm=answers, tray_available=lambda: True)
    app.start()
    dialog = app.sign_in_dialog
    assert dialog is not None
    dialog.password.setText("secret")
    began = time.monotonic()
    dialog.sign_in_button.click()
    await until(dialog.refused, lambda: not dialog.busy)
    assert time.monotonic() - began < 1.0
    assert dialog.message.text() == (f"Nothing is listening at 127.0.0.1:{port} (connection refused). "
                                     "Is the server running, and is the port right?")
    assert dialog.password.text() == "secret"
    dialog.close()


def test_settings_save_the_address_in_one_form_and_refuse_a_wrong_one(qtbot: Any, paths: SettingsPaths) -> None:
    dialog = SettingsDialog(Settings(server="ws://127.0.0.1:8765"), str(paths.user_file))
    qtbot.addWidget(dialog)
    saved: list[Settings] = []
    dialog.saved.connect(saved.append)
    dialog.server.setText("chat example com")
    dialog.accept()
    assert saved == [] and "no spaces" in dialog.error.text()
    dialog.server.setText("https://chat.example.com")
    dialog.accept()
    assert [s.server for s in saved] == ["wss://chat.example.com"]


class Shell:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *_args: self.asked.append(name)


def test_the_tray_offers_reconnect_now_while_the_connection_is_lost(qtbot: Any) -> None:
    from onduty.client.app.qt.widgets import QMenu

    menu = QMenu()
    shell = Shell()
    build_menu(menu, AgentView(link=Link.RECONNECTING), [], shell)  # type: ignore[arg-type]
    (action,) = [a for a in menu.actions() if a.text() == "Reconnect now"]
    action.trigger()
    assert shell.asked == ["reconnect_now"]
    build_menu(menu, AgentView(link=Link.ONLINE), [], shell)  # type: ignore[arg-type]
    assert "Reconnect now" not in [a.text() for a in menu.actions()]


async def test_a_host_that_never_answers_the_handshake_is_reported_as_silent(
    qapp: Any, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, close_windows: None,
) -> None:
    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        app = AgentApp(Settings(server=f"ws://127.0.0.1:{port}", user="ann"), paths, TokenStore(memory_keyring),
                       confirm=answers, tray_available=lambda: True,
                       client_factory=functools.partial(AgentClient, handshake_timeout=0.3))
        app.start()
        dialog = app.sign_in_dialog
        assert dialog is not None
        dialog.password.setText("secret")
        dialog.sign_in_button.click()
        await until(dialog.refused, lambda: not dialog.busy)
        assert dialog.message.text() == (
            f"The server at 127.0.0.1:{port} did not answer: it accepted the connection but gave no reply within "
            "0.3 s. Check the address and port, or try again later.")
        dialog.close()
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
