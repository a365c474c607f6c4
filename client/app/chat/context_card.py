"""The chat window's business context card: folded, one short line per item; unfolded, every field with
its readable label (``onduty.client.desk.context_card``), scrolling inside the card so the conversation
keeps most of the window."""

from __future__ import annotations

import html
from collections.abc import Sequence

from onduty.client.app.qt.core import Qt
from onduty.client.app.qt.widgets import QFrame, QLabel, QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget
from onduty.client.desk.context_card import brief, details_html
from onduty.shared.types import BusinessContext

FOLDED_ITEMS = 3
"""Items listed on the folded card; the rest are counted ("and 2 more")."""
DETAILS_MAX_PX = 220


class ContextCard(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contextCard")
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._folded_changed)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Long lines are clipped (their whole text is in the details), never widening the window.
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details_area = QScrollArea()
        self.details_area.setWidget(self.details)
        self.details_area.setWidgetResizable(True)
        self.details_area.setFrameShape(QFrame.Shape.NoFrame)
        self.details_area.setMaximumHeight(DETAILS_MAX_PX)
        self.details_area.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 4)
        layout.setSpacing(0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.summary)
        layout.addWidget(self.details_area)
        self.details.setObjectName("contextDetails")
        self.details_area.viewport().setObjectName("contextViewport")
        self.setStyleSheet("#contextCard { background: #f6f8fb; border: 1px solid #dde3ea; border-radius: 6px; }"
                           "#contextViewport, #contextDetails { background: transparent; }"
                           "QToolButton { font-weight: 600; border: 0; padding: 2px 0; }")
        self._folded_changed(False)

    @property
    def expanded(self) -> bool:
        return self.toggle.isChecked()

    def show_context(self, items: Sequence[BusinessContext]) -> None:
        self.setVisible(bool(items))
        self.toggle.setText(f"Business context ({len(items)})" if len(items) > 1 else "Business context")
        lines = [html.escape(brief(c)) for c in items[:FOLDED_ITEMS]]
        if len(items) > FOLDED_ITEMS:
            lines.append(f"<span style='color:#5f6368'>and {len(items) - FOLDED_ITEMS} more</span>")
        self.summary.setText("<br>".join(lines))
        self.details.setText(details_html(items))

    def _folded_changed(self, expanded: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.toggle.setToolTip("Fold the business context" if expanded else "Show every field")
        self.summary.setVisible(not expanded)
        self.details_area.setVisible(expanded)
