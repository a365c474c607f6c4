"""Cases in the tray app: one call, :func:`install_cases`, wires the case list, the case panels and the SLA warnings.

After each sign-in it builds a :class:`CaseService` (the cases client with the session's token, and the
one place requests run as tasks), starts the :class:`SlaPoller` that warns in the tray, and puts
**Cases…** into the tray menu; signing out stops and closes all of it. A chat window opens the panel
for its chat with :meth:`CasesUi.open_for_chat`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.client.app.cases.case_list import CaseListWindow
from onduty.client.app.cases.case_panel import CasePanel
from onduty.client.app.qt.core import QObject, QPoint, Signal
from onduty.client.app.qt.gui import QAction
from onduty.client.app.qt.objects import isValid
from onduty.client.app.qt.widgets import QAbstractButton, QMenu, QWidget
from onduty.client.desk.sla_watch import POLL_INTERVAL_S, Clock, Notify, SlaPoller, Sleep
from onduty.client.net.cases import BadCaseData, Case, CaseRefused, CasesClient, CasesError, CasesUnavailable

if TYPE_CHECKING:
    from onduty.client.app.app import AgentApp
    from onduty.client.app.session import AgentSession

log = logging.getLogger(__name__)
T = TypeVar("T")
MENU_TEXT = "Cases…"
HOOKED = "ondutyCaseHooked"


def error_text(exc: BaseException) -> str:
    """What the agent reads when a case request fails: the server's own words for a refusal."""
    match exc:
        case CaseRefused():
            return f"Refused by the server: {exc.detail}"
        case CasesUnavailable():
            return f"No answer from the server: {exc}"
        case BadCaseData():
            return f"Unexpected answer from the server ({exc})"
        case TimeoutError():
            return "The server did not answer in time."
        case _:
            return f"Failed: {exc!r}"


class CaseService(QObject):
    """The cases client plus a task runner for the views (which never await); ``case_changed`` after each read."""

    case_changed = Signal(object)
    """A :class:`Case` fresh from the server (the list re-reads, other panels of it may redraw)."""

    def __init__(self, cases: CasesClient, me: Callable[[], str], queue_title: Callable[[str], str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cases = cases
        self._me = me
        self._queue_title = queue_title
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def cases(self) -> CasesClient:
        return self._cases

    @property
    def me(self) -> str:
        return self._me()

    def queue_title(self, queue: str) -> str:
        return self._queue_title(queue)

    def run(self, coro: Coroutine[Any, Any, T], on_done: Callable[[T], None],
            on_error: Callable[[str], None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def finished(t: asyncio.Task[T]) -> None:
            self._tasks.discard(t)
            if t.cancelled() or self._closed or not (_alive(on_done) and _alive(on_error)):
                return  # signed out or the panel was closed meanwhile: the views are gone
            exc = t.exception()
            if exc is not None:
                if not isinstance(exc, CasesError | TimeoutError):
                    log.error("case request failed", exc_info=exc)
                on_error(error_text(exc))
                return
            result = t.result()
            on_done(result)
            if isinstance(result, Case):
                self.case_changed.emit(result)

        task.add_done_callback(finished)

    def cancel_all(self) -> list[asyncio.Task[Any]]:
        """Stop every pending request now; no callback runs after this."""
        self._closed = True
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        return tasks

    async def close(self) -> None:
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class CasesUi(QObject):
    """The case windows of the signed-in agent; see the module docstring."""

    service_changed = Signal()
    """Signed in (a service exists now) or out (none)."""

    def __init__(self, app: AgentApp, *, clock: Clock = time.time, poll_interval_s: float = POLL_INTERVAL_S,
                 sleep: Sleep = asyncio.sleep, notify: Notify | None = None) -> None:
        super().__init__(app)
        self._app = app
        self._clock = clock
        self._poll_interval_s = poll_interval_s
        self._sleep = sleep
        self._notify: Notify = notify if notify is not None else app.notify
        self.service: CaseService | None = None
        self.poller: SlaPoller | None = None
        self.list_window: CaseListWindow | None = None
        self.panels: dict[str, CasePanel] = {}
        """Open panels by chat id or ``#<number>`` (reused when asked again)."""
        self._menus: list[QMenu] = []
        self._stopping: set[asyncio.Task[None]] = set()
        app.signed_in.connect(self._signed_in)
        app.signed_out.connect(self._signed_out)
        self._attach_menus()
        if app.session is not None:
            self._signed_in(app.session)

    # --- for the rest of the app ------------------------------------------------------------------

    def show_list(self) -> CaseListWindow | None:
        if self.service is None:
            return None
        if self.list_window is None:
            self.list_window = CaseListWindow(self.service, clock=self._clock)
            self.list_window.open_requested.connect(self.open_case)
            self.service.case_changed.connect(lambda _case: self._list_changed())
        self.list_window.show()
        self.list_window.raise_()
        self.list_window.activateWindow()
        self.list_window.refresh()
        return self.list_window

    def open_for_chat(self, chat_id: str, beside: QWidget | None = None) -> CasePanel | None:
        """The case panel of ``chat_id`` (its case, or Create / Attach), next to ``beside`` (the chat window)."""
        panel = self._panel(chat_id)
        if panel is None:
            return None
        if beside is not None:
            panel.move(beside.frameGeometry().topRight() + QPoint(8, 0))
        panel.load_for_chat(chat_id)
        self._present(panel)
        return panel

    def open_case(self, number: int) -> CasePanel | None:
        existing = next((p for p in self.panels.values() if p.case is not None and p.case.number == number), None)
        panel = existing or self._panel(f"#{number}")
        if panel is None:
            return None
        panel.load_case(number)
        self._present(panel)
        return panel

    def hook_chat_window(self, window: QWidget) -> None:
        """Let the chat window's **Case…** button (``case_button``) open the panel of its chat beside it.

        Safe to call each time the window is shown (``ChatWindows.opened``): it connects once.
        """
        button, chat_id = getattr(window, "case_button", None), getattr(window, "chat_id", None)
        if not isinstance(button, QAbstractButton) or not isinstance(chat_id, str) or window.property(HOOKED):
            return
        window.setProperty(HOOKED, True)
        button.clicked.connect(lambda _checked=False: self.open_for_chat(chat_id, window))

    def attach_menu(self, menu: QMenu) -> None:
        """Add **Cases…** to ``menu`` whenever it opens (the tray rebuilds its menu from state)."""
        if menu in self._menus:
            return
        self._menus.append(menu)
        menu.aboutToShow.connect(lambda: self.add_menu_entry(menu))
        menu.destroyed.connect(lambda _=None: self._menus.remove(menu) if menu in self._menus else None)

    def add_menu_entry(self, menu: QMenu) -> QAction | None:
        """Put **Cases…** after "Callback requests" while signed in (signed out, the menu stays short)."""
        actions = menu.actions()
        action = next((a for a in actions if a.text() == MENU_TEXT), None)
        if self.service is None:
            if action is not None:
                menu.removeAction(action)
            return None
        if action is None:
            action = QAction(MENU_TEXT, menu)
            action.triggered.connect(lambda _checked=False: self.show_list())
            after = max((i for i, a in enumerate(actions) if a.text().startswith(("Callback requests", "Past chats"))),
                        default=None)
            before = next((a for a in actions if a.text() == "Settings…"), None)
            if after is not None and after + 1 < len(actions):
                menu.insertAction(actions[after + 1], action)
            elif before is not None:
                menu.insertAction(before, action)
            else:
                menu.addAction(action)
        return action

    # --- sign in / out --------------------------------------------------------------------------------

    def _signed_in(self, session: AgentSession) -> None:
        self._stop()
        client = session.client
        cases = CasesClient(self._app.settings.server, lambda: client.token)
        self.service = CaseService(cases, lambda: client.username, session.queue_title, self)
        self.poller = SlaPoller(cases, lambda: client.username, self._notify, interval_s=self._poll_interval_s,
                                clock=self._clock, sleep=self._sleep, queue_title=session.queue_title)
        self.poller.start()
        self._attach_menus()
        self.service_changed.emit()

    def _signed_out(self) -> None:
        self._stop()
        self.service_changed.emit()

    def _stop(self) -> None:
        if self.service is not None:
            self.service.cancel_all()
        for panel in self.panels.values():
            panel.close()
            panel.deleteLater()
        self.panels.clear()
        if self.list_window is not None:
            self.list_window.close()
            self.list_window.deleteLater()
            self.list_window = None
        service, poller, self.service, self.poller = self.service, self.poller, None, None
        if service is not None or poller is not None:
            task = asyncio.ensure_future(self._close(service, poller))
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)

    async def _close(self, service: CaseService | None, poller: SlaPoller | None) -> None:
        if poller is not None:
            await poller.stop()
        if service is not None:
            await service.close()
            service.deleteLater()

    async def stop(self) -> None:
        """Stop the poller and pending requests now (also done by itself on sign-out)."""
        self._stop()
        await asyncio.gather(*self._stopping, return_exceptions=True)

    # --- helpers ------------------------------------------------------------------------------------------

    def _attach_menus(self) -> None:
        if self._app.tray is not None:
            self.attach_menu(self._app.tray.menu)
        if self._app.window is not None:
            self.attach_menu(self._app.window.menu)

    def _panel(self, key: str) -> CasePanel | None:
        if self.service is None:
            return None
        panel = self.panels.get(key)
        if panel is None:
            panel = CasePanel(self.service, clock=self._clock)
            self.panels[key] = panel
        return panel

    def _list_changed(self) -> None:
        if self.list_window is not None and self.list_window.isVisible():
            self.list_window.refresh()

    @staticmethod
    def _present(panel: CasePanel) -> None:
        panel.show()
        panel.raise_()
        panel.activateWindow()


def install_cases(app: AgentApp, *, clock: Clock = time.time, poll_interval_s: float = POLL_INTERVAL_S,
                  sleep: Sleep = asyncio.sleep, notify: Notify | None = None) -> CasesUi:
    """Wire cases into ``app`` (call once, after constructing it); keep the result, e.g. as ``app.cases``.

    ``clock``, ``poll_interval_s``, ``sleep`` and ``notify`` (default: the app's tray notification) are for tests.
    """
    return CasesUi(app, clock=clock, poll_interval_s=poll_interval_s, sleep=sleep, notify=notify)


def _alive(callback: Callable[..., Any]) -> bool:
    """False when ``callback`` is a method of a Qt object already deleted (a closed panel)."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or isValid(owner)
