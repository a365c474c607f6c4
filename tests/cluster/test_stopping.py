"""A node's shutdown does not hang on a task whose cancel was lost: redis-py's socket timeouts go through
``asyncio.wait_for``, which on Python 3.11 can swallow a cancel (see onduty.server.cluster.stopping)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from onduty.server.cluster.stopping import stopped

pytestmark = pytest.mark.timeout(30)


async def test_a_task_that_swallows_its_cancel_is_still_stopped() -> None:
    swallowed = 0
    go_on = asyncio.Event()

    async def reading() -> None:  # as a loop around a Redis command whose cancel wait_for lost
        nonlocal swallowed
        while True:
            try:
                await go_on.wait()
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1

    task = asyncio.create_task(reading())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await stopped(task)
    assert swallowed == 1
    assert task.cancelled()


async def test_a_task_that_had_failed_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def failing() -> None:
        raise ValueError("a bug in the task")

    async def closed_under_it() -> None:
        raise ConnectionResetError("owner gone")

    bug = asyncio.create_task(failing(), name="bus-publish")
    gone = asyncio.create_task(closed_under_it(), name="relay-up")
    await asyncio.sleep(0)
    with caplog.at_level(logging.INFO, logger="onduty.server.cluster.stopping"):
        await stopped(bug)
        await stopped(gone, expected=(ConnectionError,))
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels == {"bus-publish had failed": logging.ERROR, "relay-up had ended: owner gone": logging.INFO}


async def test_stopping_a_task_that_returned_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    async def done() -> None:
        return None

    task = asyncio.create_task(done())
    await asyncio.sleep(0)
    with caplog.at_level(logging.INFO, logger="onduty.server.cluster.stopping"):
        await stopped(task)
    assert caplog.records == []
