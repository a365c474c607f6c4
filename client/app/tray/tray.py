"""The tray icon and its menu, both rebuilt from :class:`AgentView` whenever it changes.

Right click: the menu. Left click: the current chat (or the menu when there is none). The same
menu serves the fallback window when the desktop has no tray.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from onduty.client.app.qt.core import QObject, QPoint
from onduty.client.app.qt.gui import QAction, QActionGroup, QCursor
from onduty.client.app.qt.widgets import QMenu, QSystemTrayIcon
from onduty.client.app.tray.icons import PRESENCE_COLORS, dot_icon, state_icon
from onduty.client.desk.state import PRESENCE_LABELS, AgentView, Link, TrayState
from onduty.shared.types import Presence


class ShellActions(Protocol):
    """What the tray menu (and the fallback window) can ask the application to do."""

    def set_duty(self, on_duty: bool) -> None: ...
    def set_presence(self, presence: Presence) -> None: ...
    def show_chat(self, chat_id: str) -> None: ...
    def show_current_chat(self) -> bool: ...
    def show_history(self) -> None: ...
    def show_callbacks(self) -> None: ...
    def show_contacts(self) -> None: ...
    def open_console(self) -> None: ...
    def show_settings(self) -> None: ...
    def sign_in(self) -> None: ...
    def reconnect_now(self) -> None: ...
    def sign_out(self) -> None: ...
    def quit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class OpenChat:
    chat_id: str
    label: str
    running: bool


def build_menu(menu: QMenu, view: AgentView, chats: list[OpenChat], actions: ShellActions) -> None:
    """Fill ``menu`` for the current state (cleared first)."""
    menu.clear()
    name = view.profile.display_name if view.profile is not None else "OnDuty"
    title = menu.addAction(state_icon(view.tray_state()), f"{name}: {view.headline()}")
    title.setEnabled(False)
    menu.addSeparator()
    if view.link is Link.SIGNED_OUT:
        menu.addAction("Sign in…", actions.sign_in)
        menu.addAction("Settings…", actions.show_settings)
        menu.addSeparator()
        menu.addAction("Quit OnDuty", actions.quit)
        return
    if view.link is Link.RECONNECTING:
        menu.addAction("Reconnect now", actions.reconnect_now)
        menu.addSeparator()
    online = view.online and view.status is not None

    duty = QActionGroup(menu)
    for label, on_duty in (("On Duty", True), ("Off Duty", False)):
        action = menu.addAction(label, _duty_setter(actions, on_duty))
        action.setCheckable(True)
        action.setChecked(view.on_duty == on_duty and online)
        action.setEnabled(online)
        duty.addAction(action)
    menu.addSeparator()
    presence = QActionGroup(menu)
    for value in (Presence.AVAILABLE, Presence.BUSY, Presence.AWAY):
        action = menu.addAction(dot_icon(PRESENCE_COLORS[value]), PRESENCE_LABELS[value],
                                _presence_setter(actions, value))
        action.setCheckable(True)
        action.setChecked(online and view.presence is value)
        action.setEnabled(online)
        presence.addAction(action)
    menu.addSeparator()

    if chats:
        section = menu.addAction("Open chats")
        section.setEnabled(False)
        for chat in chats:
            suffix = "" if chat.running else " (ended)"
            menu.addAction(f"   {chat.label}{suffix}", _chat_shower(actions, chat.chat_id))
    else:
        idle = menu.addAction("No open chats")
        idle.setEnabled(False)
    history = menu.addAction("Past chats…", actions.show_history)
    history.setEnabled(online)
    callbacks = menu.addAction(f"Callback requests ({view.callbacks} open)…", actions.show_callbacks)
    callbacks.setEnabled(online)
    contacts = menu.addAction("Contacts…", actions.show_contacts)
    contacts.setEnabled(online)
    if view.supervisor is not None:
        console = menu.addAction("Console…", actions.open_console)
        console.setEnabled(online)
    menu.addSeparator()
    menu.addAction("Settings…", actions.show_settings)
    menu.addAction("Sign out", actions.sign_out)
    menu.addAction("Quit OnDuty", actions.quit)


def _duty_setter(actions: ShellActions, on_duty: bool) -> Callable[[], None]:
    return lambda: actions.set_duty(on_duty)


def _presence_setter(actions: ShellActions, presence: Presence) -> Callable[[], None]:
    return lambda: actions.set_presence(presence)


def _chat_shower(actions: ShellActions, chat_id: str) -> Callable[[], None]:
    return lambda: actions.show_chat(chat_id)


def action_texts(menu: QMenu) -> list[str]:
    """The menu's entries as shown (separators as ``---``): what the tests compare."""
    return ["---" if a.isSeparator() else a.text() for a in menu.actions()]


def checked_texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if a.isCheckable() and a.isChecked()]


def find_action(menu: QMenu, text: str) -> QAction:
    for action in menu.actions():
        if action.text().strip() == text.strip():
            return action
    raise KeyError(text)


class Tray(QObject):
    """The system tray icon; ``update`` redraws icon, tooltip and menu."""

    def __init__(self, actions: ShellActions, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self.menu = QMenu()
        self.icon = QSystemTrayIcon(state_icon(TrayState.SIGNED_OUT), self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.state = TrayState.SIGNED_OUT

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def update(self, view: AgentView, chats: list[OpenChat]) -> None:
        state = view.tray_state()
        if state is not self.state:
            self.state = state
            self.icon.setIcon(state_icon(state))
        self.icon.setToolTip(view.tooltip())
        build_menu(self.menu, view, chats, self._actions)

    def notify(self, title: str, text: str) -> None:
        if self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger and not self._actions.show_current_chat():
            self.menu.popup(QCursor.pos() if not QCursor.pos().isNull() else QPoint(0, 0))
