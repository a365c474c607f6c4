"""The agent's desk without Qt: what the tray app knows and decides that needs no display.

The state the tray is drawn from, settings and the session token, the texts filled from a chat (greeting,
memo, canned messages, transfer announcements), the SLA clocks and warnings, the case pages, and what the
windows are given to reach the server. It sits beside ``onduty.client.net`` and imports no Qt, so it is
tested, and can be used by bots, without a display; ``onduty.client.app`` puts Qt on top of it.
"""
