"""Co-browsing from the tray app: the chat window's **Co-browse…** button (seed 004)."""

from onduty.client.app.cobrowse.cobrowse_ui import BUTTON_TEXT, CobrowseButtons, button_text

__all__ = ["BUTTON_TEXT", "CobrowseButtons", "button_text"]
