"""Tray state, icon, tooltip and the menu's contents in each state; the fallback window."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMenu

from onduty.client.app.app import AgentApp
from onduty.client.app.tray.main_window import MainWindow
from onduty.client.app.tray.settings_dialog import SettingsDialog
from onduty.client.app.tray.tray import OpenChat, Tray, action_texts, build_menu, checked_texts, find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import AgentView, Link, TrayState
from onduty.shared.types import Presence

from .conftest import Answers, MemoryKeyring
from .factories import PROFILE, queue, status


class Recorder:
    """Records what the menu asked the application to do."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: object) -> bool:
            self.calls.append((name, args[0] if args else None))
            return False
        return record


def view(link: Link = Link.ONLINE, **kw: Any) -> AgentView:
    v = AgentView(link=link, profile=PROFILE, status=status(**kw) if link is Link.ONLINE else None)
    v.queues = {"cim-emea": queue("cim-emea", waiting=2, on_duty=3, callbacks=1), "cic": queue("cic", on_duty=1)}
    return v


@pytest.mark.parametrize(("v", "state"), [
    (AgentView(), TrayState.SIGNED_OUT),
    (view(Link.RECONNECTING), TrayState.DISCONNECTED),
    (view(Link.CONNECTING), TrayState.DISCONNECTED),
    (view(on_duty=False), TrayState.OFF_DUTY),
    (view(on_duty=False, chats=("c1",)), TrayState.OFF_DUTY),
    (view(), TrayState.AVAILABLE),
    (view(chats=("c1",)), TrayState.IN_CHAT),
    (view(presence=Presence.BUSY), TrayState.BUSY),
    (view(presence=Presence.AWAY), TrayState.AWAY),
])
def test_tray_state(v: AgentView, state: TrayState) -> None:
    assert v.tray_state() is state


def test_tooltip_lists_state_queues_waiting_and_colleagues() -> None:
    v = view()
    assert v.tooltip().splitlines() == [
        "OnDuty: Ann Agent, On Duty · Available",
        "Waiting in my queues: 2",
        "  cic: 0 waiting, 0 colleagues on duty",
        "  cim-emea: 2 waiting, 2 colleagues on duty, 1 open callback",
    ]
    v.queue_titles = {"cim-emea": "CIM EMEA", "cic": "Customer Interaction Center"}  # once the server said them
    assert v.tooltip().splitlines()[2:] == [
        "  CIM EMEA: 2 waiting, 2 colleagues on duty, 1 open callback",
        "  Customer Interaction Center: 0 waiting, 0 colleagues on duty",
    ]
    lost = view(Link.RECONNECTING)
    lost.link_detail = "next try in 4 s"
    assert lost.tooltip().startswith("OnDuty: Ann Agent, Disconnected, reconnecting (next try in 4 s)")


def test_menu_when_signed_out(qtbot: Any) -> None:
    menu = QMenu()
    actions = Recorder()
    build_menu(menu, AgentView(), [], actions)
    assert action_texts(menu) == ["OnDuty: Signed out", "---", "Sign in…", "Settings…", "---", "Quit OnDuty"]
    find_action(menu, "Sign in…").trigger()
    assert actions.calls == [("sign_in", None)]


def test_menu_on_duty_in_a_chat(qtbot: Any) -> None:
    menu = QMenu()
    actions = Recorder()
    chats = [OpenChat("c1", "Rita Requestor · cim-emea", running=True), OpenChat("c0", "Old · cic", running=False)]
    build_menu(menu, view(chats=("c1", "c0")), chats, actions)
    assert action_texts(menu) == [
        "Ann Agent: On Duty · in a chat", "---",
        "On Duty", "Off Duty", "---",
        "Available", "Busy", "Away", "---",
        "Open chats", "   Rita Requestor · cim-emea", "   Old · cic (ended)",
        "Past chats…", "Callback requests (1 open)…", "Contacts…", "---",
        "Settings…", "Sign out", "Quit OnDuty",
    ]
    assert checked_texts(menu) == ["On Duty", "Available"]
    find_action(menu, "Off Duty").trigger()
    find_action(menu, "Away").trigger()
    find_action(menu, "Rita Requestor · cim-emea").trigger()
    assert actions.calls == [("set_duty", False), ("set_presence", Presence.AWAY), ("show_chat", "c1")]


def test_menu_off_duty_and_disconnected(qtbot: Any) -> None:
    menu = QMenu()
    build_menu(menu, view(on_duty=False, presence=Presence.BUSY), [], Recorder())
    assert checked_texts(menu) == ["Off Duty", "Busy"]
    assert "No open chats" in action_texts(menu)
    build_menu(menu, view(Link.RECONNECTING), [], Recorder())
    assert action_texts(menu)[0] == "Ann Agent: Disconnected, reconnecting"
    assert not find_action(menu, "On Duty").isEnabled()
    assert not find_action(menu, "Available").isEnabled()
    assert not find_action(menu, "Past chats…").isEnabled()
    assert find_action(menu, "Sign out").isEnabled()


def test_tray_icon_follows_the_state(qtbot: Any) -> None:
    tray = Tray(Recorder())
    assert tray.state is TrayState.SIGNED_OUT
    tray.update(view(chats=("c1",)), [])
    assert tray.state is TrayState.IN_CHAT
    assert not tray.icon.icon().isNull()
    assert tray.icon.toolTip().startswith("OnDuty: Ann Agent, On Duty · in a chat")
    assert tray.icon.contextMenu() is tray.menu


def test_left_click_opens_the_current_chat_or_the_menu(qtbot: Any) -> None:
    actions = Recorder()
    tray = Tray(actions)
    tray.icon.activated.emit(tray.icon.ActivationReason.Trigger)
    assert actions.calls == [("show_current_chat", None)]


def test_fallback_window_has_the_same_controls(qtbot: Any) -> None:
    actions = Recorder()
    window = MainWindow(actions)
    qtbot.addWidget(window)
    window.update_view(view(on_duty=False), [])
    assert window.duty_button.text() == "Go On Duty"
    window.duty_button.click()
    window.presence.activated.emit(2)
    assert actions.calls == [("set_duty", True), ("set_presence", Presence.AWAY)]
    assert "Past chats…" in action_texts(window.menu)
    window.update_view(view(Link.RECONNECTING), [])
    assert not window.duty_button.isEnabled()
    assert "Disconnected" in window.windowTitle()
    window.close()  # closing the only window means Quit (which asks first)
    assert actions.calls[-1] == ("quit", None)


def test_every_window_has_the_app_icon_and_titles_say_onduty_once(
    qtbot: Any, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, close_windows: None,
) -> None:
    app = AgentApp(Settings(server="ws://127.0.0.1:9", user="ann"), paths, TokenStore(memory_keyring),
                   confirm=answers, tray_available=lambda: True)
    app.start()
    assert not QApplication.windowIcon().isNull()
    dialog = app.sign_in_dialog
    assert dialog is not None and not dialog.windowIcon().isNull()
    settings = SettingsDialog(Settings(), "agent.toml")
    qtbot.addWidget(settings)
    for window in (dialog, settings):  # Qt adds " — OnDuty" (the display name) itself
        assert "OnDuty" not in window.windowTitle()
