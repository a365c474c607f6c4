"""The most agents On Duty (and routable) in each local clock hour of a queue, kept in the store.

The staffing watch looks at every queue whenever routing changes its staffing and every second; it tells
:class:`DutyHours` what it saw. A figure is written only when it grows within the hour, or a new hour
begins (so an hour with nobody On Duty is kept as 0, not left out). The reports and the console's charts put
these beside the agents Erlang C advised.
"""

from __future__ import annotations

from onduty.server.core.reports import hour_start
from onduty.server.shell.wiring import Shell


class DutyHours:
    def __init__(self, shell: Shell) -> None:
        self._shell = shell
        self._seen: dict[str, tuple[float, int, int]] = {}
        """queue -> (hour start, most On Duty, most routable) so far, as written."""

    def note(self, queue: str, tz: str, now: float, on_duty: int, routable: int) -> None:
        start = hour_start(now, tz)
        known = self._seen.get(queue)
        if known is not None and known[0] == start:
            if on_duty <= known[1] and routable <= known[2]:
                return
            on_duty, routable = max(on_duty, known[1]), max(routable, known[2])
        self._seen[queue] = (start, on_duty, routable)
        self._shell.writes.background(self._shell.store.note_duty_hour(queue, start, on_duty, routable), "duty-hour")
