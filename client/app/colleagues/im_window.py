"""Instant messages with colleagues (seed 002): one window, a tab per open channel (at most five; the
server refuses a sixth and the window says to close one). Each tab keeps its channel's history,
loaded from the server; a business context card opens the chat's transcript on double-click.
"""

from __future__ import annotations

from onduty.client.app.chat.compose import MessageEdit
from onduty.client.app.chat.message_view import MessageList
from onduty.client.app.colleagues.colleagues import PRESENCE_TEXT, Colleagues
from onduty.client.app.colleagues.im_model import ChannelModel
from onduty.client.app.connections import Connections
from onduty.client.app.qt.core import Qt, Signal
from onduty.client.app.qt.gui import QKeySequence, QShortcut
from onduty.client.app.qt.widgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget


class ChannelView(QWidget):
    def __init__(self, model: ChannelModel, colleagues: Colleagues, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.peer = model.peer
        self.messages = MessageList()
        self.messages.show_model(model)
        self.messages.scrollToBottom()
        self.earlier = QPushButton("Earlier messages")
        self.earlier.clicked.connect(lambda: colleagues.load_earlier(self.peer))
        self.earlier.setVisible(model.first_seq() > 1)
        model.rowsInserted.connect(lambda *_: self.earlier.setVisible(model.first_seq() > 1))
        self.input = MessageEdit()
        self.input.setPlaceholderText("Message. Enter sends, Shift+Enter for a new line")
        self.input.setMaximumHeight(90)
        self.input.submitted.connect(lambda text: colleagues.send(self.peer, text))
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.input.submit)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.earlier)
        layout.addWidget(self.messages, 1)
        layout.addLayout(row)
        layout.addWidget(self.input.counter)  # near the 8000-character limit, and why a message was refused


class ImWindow(QWidget):
    context_opened = Signal(object)
    """A business context card was opened (a :class:`BusinessContext`)."""

    def __init__(self, colleagues: Colleagues, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._colleagues = colleagues
        self.setWindowTitle("Messages")
        self.resize(520, 560)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("imBanner")
        self.banner.setStyleSheet("background:#fff4e5; color:#8a4b00; border:1px solid #f0c36d; "
                                  "border-radius:4px; padding:6px;")
        self.banner.hide()
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.tabs.currentChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self._wires = Connections()
        self._wires.connect(colleagues.channel_opened, self.show_channel)
        self._wires.connect(colleagues.channel_closed, self.remove)
        self._wires.connect(colleagues.channel_refused, self.refused)
        self._wires.connect(colleagues.incoming, self.incoming)
        self._wires.connect(colleagues.contacts_changed, self.retitle)
        QShortcut(QKeySequence("Ctrl+W"), self, lambda: self._close_tab(self.tabs.currentIndex()))
        QShortcut(QKeySequence("Ctrl+Tab"), self,
                  lambda: self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % max(1, self.tabs.count())))


    def detach(self) -> None:
        """Signed out: nothing of the session reaches this window any more."""
        self._wires.disconnect_all()
    def view(self, peer: str) -> ChannelView | None:
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, ChannelView) and widget.peer == peer:
                return widget
        return None

    def peers(self) -> list[str]:
        return [w.peer for i in range(self.tabs.count()) if isinstance(w := self.tabs.widget(i), ChannelView)]

    def show_channel(self, peer: str) -> None:
        view = self.view(peer)
        if view is None:
            model = self._colleagues.channels.get(peer)
            if model is None:
                return
            view = ChannelView(model, self._colleagues)
            view.messages.context_requested.connect(self.context_opened.emit)
            self.tabs.addTab(view, self._title(peer))
        self.banner.hide()
        self.tabs.setCurrentWidget(view)
        self.show()
        self.raise_()
        self.activateWindow()
        view.input.setFocus()

    def refused(self, peer: str, text: str) -> None:
        """The server's refusal (e.g. a sixth channel), in plain words."""
        self.banner.setText(f"{self._colleagues.name_of(peer)}: {text}")
        self.banner.show()
        self.show()
        self.raise_()

    def incoming(self, peer: str) -> None:
        view = self.view(peer)
        if view is None:
            self._colleagues.open(peer)  # shows it with its history (or says why it cannot)
            return
        if self.tabs.currentWidget() is not view or not self.isActiveWindow():
            index = self.tabs.indexOf(view)
            self.tabs.setTabText(index, "● " + self._title(peer))
        if not self.isVisible():
            self.show()

    def _current_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, ChannelView):
            widget.model.unread = 0
            self.tabs.setTabText(index, self._title(widget.peer))

    def _title(self, peer: str) -> str:
        c = self._colleagues.contact(peer)
        return f"{c.display_name} ({PRESENCE_TEXT[c.presence]})" if c is not None else peer

    def retitle(self) -> None:
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, ChannelView):
                unread = self.tabs.tabText(i).startswith("●")
                self.tabs.setTabText(i, ("● " if unread else "") + self._title(widget.peer))

    def _close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, ChannelView):
            self._colleagues.close(widget.peer)

    def remove(self, peer: str) -> None:
        view = self.view(peer)
        if view is not None:
            self.tabs.removeTab(self.tabs.indexOf(view))
            view.deleteLater()
        if not self.tabs.count():
            self.hide()
