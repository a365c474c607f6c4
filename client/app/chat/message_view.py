"""The message list of a chat window: bubbles with sender, time and delivery state.

Each message's text is laid out in its own direction (:mod:`onduty.client.desk.text_direction`): an Arabic or
Hebrew message reads from the right of its bubble, an English one from the left.
"""

from __future__ import annotations

from datetime import datetime

from onduty.client.app.chat.models import ChatLine, LineState, Roles
from onduty.client.app.qt.core import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from onduty.client.app.qt.gui import QColor, QFont, QFontMetrics, QPainter, QPen, QTextOption
from onduty.client.app.qt.widgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)
from onduty.client.desk.context_card import context_line
from onduty.client.desk.context_card import fields as context_fields
from onduty.client.desk.text_direction import is_right_to_left
from onduty.shared.sizes import human_size
from onduty.shared.types import BusinessContext

Index = QModelIndex | QPersistentModelIndex

PAD = 8
GAP = 6
WHISPER_FILL = QColor("#fff4d6")
"""A supervisor's whisper: amber, unlike any chat message."""
NOTICE_FILL = QColor("#ffffff")
"""A line about the chat itself (a voice call's start and end): white, in the middle."""
STATE_MARKS = {LineState.SENDING: "sending…", LineState.SENT: "✓ sent", LineState.FAILED: "not sent"}


def clock(at: float | None) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M") if at is not None else ""


def header_text(line: ChatLine) -> str:
    if line.notice:
        return "  ·  ".join(p for p in (line.sender_name, clock(line.at)) if p)
    if line.whisper:
        return "  ·  ".join(p for p in (whisper_label(line.sender_name), clock(line.at)) if p)
    parts = [line.sender_name, clock(line.at)]
    if line.mine:
        parts.append(STATE_MARKS.get(line.state, ""))
    return "  ·  ".join(p for p in parts if p)


def whisper_label(sender_name: str) -> str:
    return f"Whisper from {sender_name} (only you see this)"


def text_option(text: str) -> QTextOption:
    """Word wrap, in the text's own direction; the default alignment is the leading edge, so right to left
    lines start at the right of the bubble."""
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    rtl = is_right_to_left(text)
    option.setTextDirection(Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight)
    return option


def card_text(context: BusinessContext) -> str:
    fields = "".join(f"\n   {label}: {value}" for label, value in context_fields(context))
    return f"▣ {context_line(context)}{fields}\n(double-click to open)"


def body_text(line: ChatLine) -> str:
    if line.context is not None:
        return f"{line.text}\n{card_text(line.context)}".strip()
    if line.file is None:
        return line.text
    head = f"Attachment: {line.file.name} ({human_size(line.file.size)}), double-click to download"
    caption = line.text if line.text and line.text != line.file.name else ""
    return f"{head}\n{caption}".strip()


class MessageDelegate(QStyledItemDelegate):
    """Agent's own messages on the right in blue, the requestor's on the left in grey, a supervisor's whisper
    on the left in amber with a dashed border and its label, a voice call's lines in white in the middle."""

    def _line(self, index: Index) -> ChatLine | None:
        line = index.data(Roles.LINE)
        return line if isinstance(line, ChatLine) else None

    def _geometry(self, option: QStyleOptionViewItem, line: ChatLine) -> tuple[QRect, QRect, QRect]:
        width = option.rect.width()
        max_text = max(120, int(width * 0.72) - 2 * PAD)
        body_fm = QFontMetrics(option.font)
        small = QFont(option.font)
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        head_fm = QFontMetrics(small)
        flags = int(Qt.TextFlag.TextWordWrap)
        body = body_fm.boundingRect(QRect(0, 0, max_text, 100_000), flags, body_text(line))
        head = head_fm.boundingRect(QRect(0, 0, max_text, 1000), flags, header_text(line))
        inner_w = max(body.width(), head.width())
        bubble_w = inner_w + 2 * PAD
        bubble_h = head.height() + body.height() + 2 * PAD + 2
        left = option.rect.left() + GAP
        if line.notice:
            left = option.rect.left() + (width - bubble_w) // 2
        elif line.sender.value == "agent" and not line.whisper:
            left = option.rect.right() - GAP - bubble_w
        top = option.rect.top() + GAP // 2
        bubble = QRect(left, top, bubble_w, bubble_h)
        head_rect = QRect(left + PAD, top + PAD, inner_w, head.height())
        body_rect = QRect(left + PAD, top + PAD + head.height() + 2, inner_w, body.height())
        return bubble, head_rect, body_rect

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = self._line(index)
        if line is None:
            return super().sizeHint(option, index)
        bubble, _, _ = self._geometry(option, line)
        return QSize(option.rect.width(), bubble.height() + GAP)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        line = self._line(index)
        if line is None:
            super().paint(painter, option, index)
            return
        bubble, head_rect, body_rect = self._geometry(option, line)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        mine = line.sender.value == "agent"
        fill = QColor("#dcecff") if mine else QColor("#f1f3f4")
        if line.state is LineState.FAILED:
            fill = QColor("#fde2e1")
        if line.whisper:
            fill = WHISPER_FILL
        if line.notice:
            fill = NOTICE_FILL
        border = QColor("#1a73e8") if option.state & QStyle.StateFlag.State_Selected else fill.darker(112)
        pen = QPen(border, 1)
        if line.whisper:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 9, 9)
        small = QFont(option.font)
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        painter.setPen(QColor("#5f6368") if line.state is not LineState.FAILED else QColor("#c5221f"))
        painter.drawText(head_rect, int(Qt.TextFlag.TextWordWrap), header_text(line))
        painter.setFont(option.font)
        linked = line.file is not None or line.context is not None
        painter.setPen(QColor("#1a56b0") if linked else QColor("#202124"))
        body = body_text(line)
        painter.drawText(QRectF(body_rect), body, text_option(body))
        painter.restore()


class MessageList(QListView):
    """Scrolls to the newest message; double-click on an attachment asks to download it."""

    file_requested = Signal(object)
    """The :class:`ChatLine` of an attachment the agent double-clicked."""
    context_requested = Signal(object)
    """The :class:`BusinessContext` of a card the agent double-clicked (or pressed Enter on)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(MessageDelegate(self))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setStyleSheet("QListView { background: #ffffff; border: none; }")
        self.doubleClicked.connect(self._double_clicked)
        self.activated.connect(self._activated)

    def show_model(self, model: QAbstractItemModel) -> None:
        self.setModel(model)
        model.rowsInserted.connect(lambda *_: self.scrollToBottom())

    def _double_clicked(self, index: QModelIndex) -> None:
        line = index.data(Roles.LINE)
        if isinstance(line, ChatLine) and line.file is not None:
            self.file_requested.emit(line)

    def _activated(self, index: QModelIndex) -> None:
        """Enter or double-click on a business context card opens it."""
        line = index.data(Roles.LINE)
        if isinstance(line, ChatLine) and line.context is not None:
            self.context_requested.emit(line.context)
