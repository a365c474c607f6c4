"""What a load run measured: counters, latencies, percentiles, the JSON report."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from onduty.client.loadgen.wire import Frame

log = logging.getLogger("onduty.loadgen")


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (``p`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * min(100.0, max(0.0, p)) / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# --- figures -------------------------------------------------------------------------------------


@dataclass
class Stats:
    """Counters shared by all simulated clients (one process, one loop: no locking needed).

    Latency samples and throughput only count messages sent inside the measured window
    (``measure_from`` .. ``measure_until``, clock values); loss and duplicates count everything.
    """

    clock: Callable[[], float] = time.perf_counter
    requests: int = 0
    routed: int = 0
    dropped: int = 0
    completed: int = 0
    failed: int = 0
    duplicated: int = 0
    route_ms: list[float] = field(default_factory=list)
    wait_s: list[float] = field(default_factory=list)
    relay_ms: list[float] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    seen: set[tuple[str, str, int]] = field(default_factory=set)
    measure_from: float = -math.inf
    measure_until: float = math.inf
    in_window: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    """Mode-specific figures (connection times, server RSS/CPU...) merged into the report."""
    unsettled: int = 0
    """Sent but not yet delivered (kept as a count: the sets are too big to compare often)."""
    _settled: asyncio.Event | None = None

    def sending(self, key: str) -> None:
        if key not in self.sent_at:
            self.unsettled += 1
        self.sent_at[key] = self.clock()

    def stored(self, key: str) -> None:
        """The server confirmed the send with ``sent`` (a baseline: the frame was written)."""
        self.confirmed.add(key)

    def error(self, who: str, frame: Frame) -> None:
        """An ``error`` frame from the server: counted per code, the first few logged."""
        errors: dict[str, int] = self.extra.setdefault("errors", {})
        code = str(frame.get("code"))
        errors[code] = errors.get(code, 0) + 1
        if sum(errors.values()) <= 5:
            named = frame.get("client_msg_id") or frame.get("req")  # protocol 2: which message or request
            log.warning("%s: error %s %s (ref %s, %s)", who, code, frame.get("detail"), frame.get("ref"), named)

    async def settled(self) -> None:
        """Wait until every message sent was delivered (a refused one never is: bound the wait)."""
        self._settled = asyncio.Event()
        if self.unsettled <= 0:
            return
        await self._settled.wait()

    def received(self, receiver: str, chat_id: str, seq: int, key: str | None) -> bool:
        """A message reached ``receiver``; False when it is a duplicate (same slot or same key)."""
        slot = (receiver, chat_id, seq)
        if slot in self.seen or (key is not None and key in self.delivered):
            self.duplicated += 1
            return False
        self.seen.add(slot)
        if key is None:
            return True
        self.delivered.add(key)
        if key in self.sent_at:
            self.unsettled -= 1
            if self.unsettled <= 0 and self._settled is not None:
                self._settled.set()
        now = self.clock()
        started = self.sent_at.get(key)
        if started is not None and started >= self.measure_from and now <= self.measure_until:
            self.relay_ms.append((now - started) * 1000.0)
            self.in_window += 1
        return True

    def report(self, duration_s: float, timed_out: bool = False) -> dict[str, Any]:
        delivered = len(self.delivered & self.confirmed)
        window = min(self.measure_until, self.clock()) - self.measure_from
        if not math.isfinite(window):
            window, counted = duration_s, delivered
        else:
            counted = self.in_window
        waits = self.wait_s

        def ms(values: list[float], p: float) -> float | None:
            return _rounded(percentile(values, p))

        lost = self.confirmed - self.delivered
        report: dict[str, Any] = {
            "requests": self.requests,
            "routed": self.routed,
            "dropped": self.dropped,
            "completed": self.completed,
            "failed": self.failed,
            "messages_sent": len(self.confirmed),
            "messages_delivered": delivered,
            "lost": len(lost),
            "duplicated": self.duplicated,
            "wait_s_mean": _rounded(sum(waits) / len(waits)) if waits else None,
            "wait_s_p50": ms(waits, 50),
            "wait_s_p90": ms(waits, 90),
            "wait_s_p99": ms(waits, 99),
            "route_ms_p50": ms(self.route_ms, 50),
            "route_ms_p99": ms(self.route_ms, 99),
            "relay_ms_p50": ms(self.relay_ms, 50),
            "relay_ms_p99": ms(self.relay_ms, 99),
            "duration_s": round(duration_s, 3),
            "msgs_per_s": round(counted / window, 1) if window > 0 else 0.0,
            "timed_out": timed_out,
        }
        if lost:
            report["lost_sample"] = sorted(lost)[:10]
        report.update(self.extra)
        return report


def failed(report: dict[str, Any]) -> bool:
    return bool(
        report["lost"] or report["duplicated"] or report["timed_out"] or report["failed"]
        or report["completed"] + report["dropped"] < report["requests"]
    )


