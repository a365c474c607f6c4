"""The routing timer: a waiting limit fires on time without anybody waking the timer by hand.

The timer sleeps toward the router's next deadline and is woken only by an event that brings an
earlier one; these tests run on the real clock with short limits and fail if such an event does not
reach the timer (a request would wait past its limit)."""

from __future__ import annotations

import asyncio
import time

from onduty.server.core import events as ev
from onduty.server.core.decisions import Decision, End
from onduty.server.core.model import RouterConfig
from onduty.server.shell.routing import LocalRouting
from onduty.shared.types import EndReason

LIMIT_S = 0.05
WITHIN_S = 5.0


async def _started() -> tuple[LocalRouting, dict[str, asyncio.Future[End]]]:
    routing = LocalRouting(RouterConfig(), clock=time.monotonic)
    ended: dict[str, asyncio.Future[End]] = {}

    def perform(decision: Decision) -> None:
        if isinstance(decision, End) and decision.chat_id in ended:
            ended[decision.chat_id].set_result(decision)

    routing.bind(perform)
    await routing.start()
    return routing, ended


async def test_a_request_in_an_empty_line_times_out_while_the_timer_slept_without_a_deadline() -> None:
    routing, ended = await _started()
    try:
        await asyncio.sleep(0)  # the timer runs and sleeps with no deadline at all
        routing.submit(ev.QueueConfigured(time.monotonic(), "emea", LIMIT_S))
        ended["c1"] = asyncio.get_running_loop().create_future()
        routing.submit(ev.ChatRequested(time.monotonic(), "c1", "emea", None))
        end = await asyncio.wait_for(ended["c1"], WITHIN_S)
        assert end.reason is EndReason.TIMEOUT
    finally:
        await routing.stop()


async def test_a_shorter_limit_fires_before_the_longer_one_the_timer_sleeps_toward() -> None:
    routing, ended = await _started()
    try:
        now = time.monotonic()
        routing.submit(ev.QueueConfigured(now, "amer", 600.0))
        routing.submit(ev.QueueConfigured(now, "apj", LIMIT_S))
        routing.submit(ev.ChatRequested(now, "slow", "amer", None))
        await asyncio.sleep(0)  # the timer sleeps toward the ten-minute limit
        ended["quick"] = asyncio.get_running_loop().create_future()
        routing.submit(ev.ChatRequested(time.monotonic(), "quick", "apj", None))
        end = await asyncio.wait_for(ended["quick"], WITHIN_S)
        assert end.reason is EndReason.TIMEOUT
        assert routing.chat("slow") is not None
    finally:
        await routing.stop()
