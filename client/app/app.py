"""The application object: sign-in, the tray (or its fallback window), the session and its chat windows.

It is the composition root of the Qt side: it builds a client for the server in the settings, keeps
the session token in the keyring, and wires the session's signals to the tray and the windows.
``quit_requested`` is emitted once the agent is Off Duty and the connection is closed; ``main``
connects it to the Qt application's ``quit``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from onduty.client.app.cases.cases_ui import CasesUi, install_cases
from onduty.client.app.chat.callbacks import CallbacksDialog
from onduty.client.app.chat.history import HistoryDialog
from onduty.client.app.chat.placement import rect
from onduty.client.app.chat.windows import ChatWindows
from onduty.client.app.cobrowse import CobrowseButtons
from onduty.client.app.colleagues.collab_windows import CollabWindows
from onduty.client.app.prompts import Confirm, ask
from onduty.client.app.qt.core import QObject, Qt, QTimer, QUrl, Signal
from onduty.client.app.qt.gui import QDesktopServices
from onduty.client.app.qt.widgets import QApplication, QDialog, QSystemTrayIcon
from onduty.client.app.session import AgentSession
from onduty.client.app.tray.icons import app_icon
from onduty.client.app.tray.main_window import MainWindow
from onduty.client.app.tray.settings_dialog import SettingsDialog
from onduty.client.app.tray.signin import SignInDialog
from onduty.client.app.tray.tray import Tray
from onduty.client.desk.address import split_servers
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsError, SettingsPaths, save_user
from onduty.client.desk.state import AgentView
from onduty.client.desk.window_place import PlaceStore, Rect
from onduty.client.net import AgentClient, ClientError, SessionEnded
from onduty.client.net.events import GaveUp
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import ConsoleLink
from onduty.shared.types import Presence

log = logging.getLogger(__name__)

SIGN_IN_TIMEOUT_S = 15.0
TRAY_RETRIES = 5
TRAY_RETRY_MS = 2000

ClientFactory = Callable[..., AgentClient]

SIGN_IN_ERRORS = {
    ErrorCode.AUTH_FAILED: "Wrong username or password.",
    ErrorCode.TOKEN_EXPIRED: "Your session has expired. Please sign in again.",
    ErrorCode.REPLACED: "You signed in somewhere else.",
}


class AgentApp(QObject):
    signed_in = Signal(object)
    """The new :class:`AgentSession`."""
    signed_out = Signal()
    quit_requested = Signal()

    def __init__(
        self, settings: Settings, paths: SettingsPaths, tokens: TokenStore, *, confirm: Confirm = ask,
        tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
        client_factory: ClientFactory = AgentClient, parent: QObject | None = None,
        cases: Callable[[AgentApp], CasesUi] = install_cases,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._paths = paths
        self._tokens = tokens
        self._confirm = confirm
        self._tray_available = tray_available
        self._client_factory = client_factory
        self._open_url = open_url
        self.session: AgentSession | None = None
        self.windows: ChatWindows | None = None
        self.collab: CollabWindows | None = None
        """Discussion panels, contacts and messages of the signed-in agent."""
        self.sign_in_dialog: SignInDialog | None = None
        self.tray: Tray | None = None
        self.window: MainWindow | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dialogs: set[QDialog] = set()
        self._tray_tries = 0
        self._leaving = False
        self.cases = cases(self)
        """Case panel, case list and SLA warnings (issue 6); ``cases`` installs them (tests inject)."""

    # --- start ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the tray (or the fallback window), then sign in with the kept token or ask."""
        self._make_shell()
        token = self._tokens.get(self.settings.server, self.settings.user) if self.settings.user else None
        if token is not None:
            self._begin(self._client_factory(split_servers(self.settings.server), self.settings.user, token=token))
        else:
            self.sign_in()

    def _make_shell(self) -> None:
        QApplication.setWindowIcon(app_icon())  # every window's (the window manager's default otherwise)
        if self._tray_available():
            self.tray = Tray(self, self)
            self.tray.show()
            if self.window is not None:
                self.window.hide()
        elif self.window is None:
            self.window = MainWindow(self)
            self.window.show()
            QTimer.singleShot(TRAY_RETRY_MS, self._retry_tray)
        self.refresh()

    def _retry_tray(self) -> None:
        """Some desktops start their tray after the session's apps: look again a few times."""
        self._tray_tries += 1
        if self.tray is None and self._tray_available():
            self._make_shell()
        elif self.tray is None and self._tray_tries < TRAY_RETRIES:
            QTimer.singleShot(TRAY_RETRY_MS, self._retry_tray)

    # --- the shell's state ---------------------------------------------------------------------

    @property
    def view(self) -> AgentView:
        return self.session.view if self.session is not None else AgentView()

    def refresh(self) -> None:
        chats = self.windows.open_chats() if self.windows is not None else []
        if self.tray is not None:
            self.tray.update(self.view, chats)
        if self.window is not None:
            self.window.update_view(self.view, chats)

    def notify(self, title: str, text: str) -> None:
        log.info("%s: %s", title, text)
        if self.tray is not None:
            self.tray.notify(title, text)

    # --- sign in / out -------------------------------------------------------------------------

    def sign_in(self, message: str = "") -> None:
        if self.sign_in_dialog is not None:
            if message:
                self.sign_in_dialog.failed(message)
            self.sign_in_dialog.show()
            self.sign_in_dialog.raise_()
            return
        dialog = SignInDialog(self.settings, message)
        dialog.submitted.connect(lambda server, user, password: self._spawn(self._sign_in(server, user, password)))
        dialog.finished.connect(self._dialog_gone)
        self.sign_in_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _dialog_gone(self) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.deleteLater()
            self.sign_in_dialog = None

    async def _sign_in(self, server: str, user: str, password: str) -> None:
        client = self._client_factory(split_servers(server), user, password=password,
                                      request_timeout=SIGN_IN_TIMEOUT_S)
        dialog = self.sign_in_dialog
        try:
            await client.start(fail_fast=True)  # a refused port or an unknown host: said at once
        except SessionEnded as exc:
            await client.close()
            text = SIGN_IN_ERRORS.get(exc.code, f"The server refused the sign-in: {exc.reason}") \
                if exc.code is not None else exc.reason
            if dialog is not None:
                dialog.failed(text, dialog.server if exc.code is None else None)
            return
        except (TimeoutError, ClientError):
            await client.close()
            if dialog is not None:
                dialog.failed(f"Cannot reach the server at {server}. Check the address and your network.")
            return
        self.settings = replace(self.settings, server=self.settings.server if self.settings.server_locked else server,
                                user=user)
        self._save_settings()
        if dialog is not None:
            dialog.accept()
        # A question may open a modal dialog (a nested Qt loop): never inside a task step.
        QTimer.singleShot(0, lambda: self._signed_in(client))

    def _signed_in(self, client: AgentClient) -> None:
        assert client.token is not None
        if self._keep_token(client.token):
            self._begin(client)
        else:
            self._spawn(client.logout())

    def _keep_token(self, token: str) -> bool:
        """Into the keyring; without one, only for this run and only if the agent agrees."""
        if self._tokens.put(self.settings.server, self.settings.user, token):
            return True
        agreed = self._confirm(
            None, "No keyring",
            "This computer has no usable keyring (secret service), so OnDuty cannot keep your sign-in safely.\n\n"
            "Keep it for this run only? You will sign in again after quitting. (No signs you out.)",
            default_yes=True,  # Enter keeps you signed in
        )
        if agreed:
            self._tokens.keep_for_this_run()
            self._tokens.put(self.settings.server, self.settings.user, token)
        return agreed

    def _begin(self, client: AgentClient) -> None:
        session = AgentSession(client, self.settings, self)
        self.session = session
        self.windows = ChatWindows(session, self._confirm, self.notify, PlaceStore(self._paths.places_file),
                                   self._tray_rect, self)
        self.windows.opened.connect(self.cases.hook_chat_window)
        cobrowse = CobrowseButtons(session, self._open_url, self.notify, self.windows)  # goes with the windows
        self.windows.opened.connect(cobrowse.hook_chat_window)
        self.collab = CollabWindows(session, self._confirm, self.notify, parent=self)
        session.changed.connect(self.refresh)
        self.windows.opened.connect(lambda _w: self.refresh())
        self.windows.released.connect(lambda _c: self.refresh())
        session.notice.connect(lambda text: self.notify("OnDuty", text))
        session.alert.connect(lambda alert: self.notify("OnDuty", alert.text))
        session.token_changed.connect(self._token_changed)
        session.finished.connect(self._session_finished)
        session.start()
        self.refresh()
        self.signed_in.emit(session)

    def _tray_rect(self) -> Rect | None:
        return rect(self.tray.icon.geometry()) if self.tray is not None else None

    def _token_changed(self, token: str) -> None:
        if self._tokens.get(self.settings.server, self.settings.user) != token:
            self._tokens.put(self.settings.server, self.settings.user, token)

    def _session_finished(self, gave_up: GaveUp) -> None:
        if self._leaving:
            return
        if gave_up.code in (ErrorCode.AUTH_FAILED, ErrorCode.TOKEN_EXPIRED, ErrorCode.NOT_AUTHENTICATED):
            self._tokens.forget(self.settings.server, self.settings.user)
            self._tear_down()
            self.sign_in(SIGN_IN_ERRORS.get(gave_up.code, "Please sign in again."))
        elif gave_up.code is ErrorCode.REPLACED:
            self._tear_down()
            self.notify("OnDuty", "You signed in somewhere else; this app is signed out.")
        elif self.session is not None:
            self._tear_down()
            self.sign_in(f"Disconnected: {gave_up.reason}")

    def _drop_collab(self) -> None:
        if self.collab is not None:
            self.collab.release_all()
            self.collab.deleteLater()
            self.collab = None

    def _tear_down(self) -> None:
        self._drop_collab()
        if self.windows is not None:
            self.windows.release_all()
            self.windows.deleteLater()
            self.windows = None
        if self.session is not None:
            session, self.session = self.session, None
            self._spawn(session.stop(off_duty=False))
            session.deleteLater()
        self.refresh()
        self.signed_out.emit()

    def _may_leave(self, doing: str) -> bool:
        view = self.view
        open_chats = [w for w in self.windows.windows.values() if w.model.running] if self.windows else []
        if not view.on_duty and not open_chats:
            return True
        parts = []
        if view.on_duty:
            parts.append("You are On Duty. OnDuty goes Off Duty first.")
        if open_chats:
            parts.append(f"{len(open_chats)} chat(s) are still running; they go back to the waiting line.")
        return self._confirm(self.window, f"{doing}?", " ".join(parts) + f"\n\n{doing} now?")

    def reconnect_now(self) -> None:
        """While the connection is lost: try again at once instead of waiting for the backoff."""
        if self.session is not None:
            self.session.reconnect_now()

    def sign_out(self) -> None:
        if self.session is None or not self._may_leave("Sign out"):
            return
        self._spawn(self._sign_out())

    async def _sign_out(self) -> None:
        session = self.session
        if session is None:
            return
        self._leaving = True
        try:
            await session.stop(off_duty=True, logout=True)
        finally:
            self._leaving = False
        self._tokens.forget(self.settings.server, self.settings.user)
        self.session = None
        self._drop_collab()
        if self.windows is not None:
            self.windows.release_all()
            self.windows = None
        session.deleteLater()
        self.refresh()
        self.signed_out.emit()
        self.sign_in()

    def quit(self) -> None:
        if self.session is not None and not self._may_leave("Quit OnDuty"):
            return
        self._spawn(self._quit())

    async def _quit(self) -> None:
        self._leaving = True
        if self.session is not None:
            await self.session.stop(off_duty=True)
        if self.windows is not None:
            self.windows.release_all()
        self._drop_collab()
        if self.tray is not None:
            self.tray.hide()
        self.quit_requested.emit()

    # --- ShellActions ----------------------------------------------------------------------------

    def set_duty(self, on_duty: bool) -> None:
        if self.session is not None:
            self.session.set_duty(on_duty)

    def set_presence(self, presence: Presence) -> None:
        if self.session is not None:
            self.session.set_presence(presence)

    def show_chat(self, chat_id: str) -> None:
        if self.windows is not None:
            self.windows.show(chat_id)

    def show_current_chat(self) -> bool:
        if self.windows is None:
            return False
        current = self.windows.current()
        return current is not None and self.windows.show(current)

    def show_history(self) -> None:
        if self.session is not None:
            dialog = HistoryDialog(self.session)
            self._keep(dialog)
            dialog.run_search()

    def show_callbacks(self) -> None:
        if self.session is not None:
            session = self.session
            dialog = CallbacksDialog(session)
            session.callback_changed.connect(dialog.update_item)
            session.changed.connect(dialog.follow_changes)
            self._keep(dialog)
            dialog.refresh()

    def open_console(self) -> None:
        """The supervisor console in the default browser, signed in by a one-time link (not the password)."""
        session = self.session
        if session is not None:
            session.run(session.client.console_link(), self._open_console, "Opening the console")

    def _open_console(self, link: ConsoleLink) -> None:
        self._open_url(QUrl(link.url))

    def show_contacts(self) -> None:
        if self.collab is not None:
            self.collab.show_contacts()

    def show_settings(self) -> None:
        dialog = SettingsDialog(self.settings, str(self._paths.user_file))
        dialog.saved.connect(self._settings_saved)
        self._keep(dialog)

    def _settings_saved(self, settings: Settings) -> None:
        self.settings = settings
        if self.session is not None:
            self.session.settings = settings
        self._save_settings()

    def _save_settings(self) -> None:
        try:
            save_user(self.settings, self._paths.user_file)
        except (OSError, SettingsError) as exc:
            self.notify("OnDuty", f"Cannot save the settings: {exc}")

    def _keep(self, dialog: QDialog) -> None:
        """A tool dialog lives until it is closed (held here, deleted on close)."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.add(dialog)
        dialog.destroyed.connect(lambda _=None: self._dialogs.discard(dialog))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    # --- tasks -------------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("app task failed", exc_info=t.exception())

        task.add_done_callback(done)
