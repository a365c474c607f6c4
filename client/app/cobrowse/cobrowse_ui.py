"""The chat window's **Co-browse…** button: invite the requestor, then open the co-browse view in the browser.

The view is a page the server serves (``/cobrowse/``), opened in the agent's default browser through a one-time
link (``get_cobrowse_link``), like the supervisor console: the tray app needs no web engine (docs/agent-app.md
says why). The button's text follows the chat's co-browse (``cobrowse_update``): Co-browse… / Asked… / Open view….
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from onduty.client.app.qt.core import QObject, QUrl
from onduty.client.app.qt.widgets import QAbstractButton, QWidget
from onduty.client.app.session import AgentSession
from onduty.shared.messages import CobrowseLink, CobrowseStatus, CobrowseUpdate
from onduty.shared.types import Role

log = logging.getLogger(__name__)
BUTTON_TEXT = {
    None: "Co-browse…",
    CobrowseStatus.STOPPED: "Co-browse…",
    CobrowseStatus.DECLINED: "Co-browse…",
    CobrowseStatus.INVITED: "Co-browse: asked… (open view)",
    CobrowseStatus.ACTIVE: "Co-browse: live (open view)…",
}
TOOLTIP = ("Ask the requestor to share this page with you, then see it live in your browser and point at it. "
           "Passwords and card details stay hidden; you cannot click or type into their page.")
HOOKED = "onduty_cobrowse_hooked"


def button_text(status: CobrowseStatus | None) -> str:
    return BUTTON_TEXT[status]


class CobrowseButtons(QObject):
    """Connects each chat window's ``cobrowse_button`` to the session; one per signed-in session."""

    def __init__(self, session: AgentSession, open_url: Callable[[QUrl], object],
                 notify: Callable[[str, str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._open_url = open_url
        self._notify = notify
        self.status: dict[str, CobrowseStatus] = {}
        self._buttons: dict[str, QAbstractButton] = {}
        session.cobrowse_changed.connect(self.changed)

    def hook_chat_window(self, window: QWidget) -> None:
        """Let the window's **Co-browse…** button work (safe to call each time the window is shown)."""
        button, chat_id = getattr(window, "cobrowse_button", None), getattr(window, "chat_id", None)
        if not isinstance(button, QAbstractButton) or not isinstance(chat_id, str) or window.property(HOOKED):
            return
        window.setProperty(HOOKED, True)
        button.setToolTip(TOOLTIP)
        button.setText(button_text(self.status.get(chat_id)))
        self._buttons[chat_id] = button
        button.destroyed.connect(lambda _=None: self._buttons.pop(chat_id, None))
        button.clicked.connect(lambda _checked=False: self.start(chat_id))

    def start(self, chat_id: str) -> None:
        """Invite (unless asked or shared already), then open the view: it waits for the requestor's Allow."""
        session = self._session
        if self.status.get(chat_id) in (CobrowseStatus.INVITED, CobrowseStatus.ACTIVE):
            self.open_view(chat_id)
            return
        session.run(session.client.cobrowse_invite(chat_id), lambda update: self._invited(update), "Co-browse")

    def _invited(self, update: CobrowseUpdate) -> None:
        self.changed(update)
        self.open_view(update.chat_id)

    def open_view(self, chat_id: str) -> None:
        session = self._session
        session.run(session.client.cobrowse_link(chat_id), self._open, "Opening the co-browse view")

    def _open(self, link: CobrowseLink) -> None:
        self._open_url(QUrl(link.url))

    def changed(self, update: CobrowseUpdate) -> None:
        """A ``cobrowse_update`` of one of my chats: the button says where it stands; the requestor's own start
        and a No are told."""
        before = self.status.get(update.chat_id)
        self.status[update.chat_id] = update.status
        button = self._buttons.get(update.chat_id)
        if button is not None:
            button.setText(button_text(update.status))
        model = self._session.chats.get(update.chat_id)
        who = model.info.requestor.name if model is not None else "The requestor"
        if update.status is CobrowseStatus.ACTIVE and before is not CobrowseStatus.ACTIVE \
                and update.by is Role.REQUESTOR and before is not CobrowseStatus.INVITED:
            self._notify("Co-browse", f"{who} shares the page with you: Co-browse… opens it.")
        elif update.status is CobrowseStatus.DECLINED and before is CobrowseStatus.INVITED:
            self._notify("Co-browse", f"{who} said no to co-browsing.")
