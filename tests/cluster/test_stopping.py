"""A node's shutdown does not hang on a task whose cancel was lost: redis-py's socket timeouts go through
``asyncio.wait_for``, which on Python 3.11 can swallow a cancel (see onduty.server.cluster.stopping)."""

from __future__ import annotations

import asyncio

import pytest

from onduty.server.cluster.stopping import stopped

pytestmark = pytest.mark.timeout(30)


async def test_a_task_that_swallows_its_cancel_is_still_stopped() -> None:
    swallowed = 0
    go_on = asyncio.Event()

    async def reading() -> None:  # as a loop around a Redis read whose cancel wait_for lost
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
        assert await stopped(task) is None
    assert swallowed == 1
    assert task.cancelled()


async def test_stopping_a_task_that_failed_gives_its_exception() -> None:
    async def failing() -> None:
        raise ConnectionResetError("owner gone")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    failed = await stopped(task)
    assert isinstance(failed, ConnectionResetError)


async def test_stopping_a_task_that_returned_gives_nothing() -> None:
    async def done() -> None:
        return None

    task = asyncio.create_task(done())
    await asyncio.sleep(0)
    assert await stopped(task) is None
