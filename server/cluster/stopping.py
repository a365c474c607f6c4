"""Stopping a task that awaits Redis.

redis-py bounds each command's socket write (and some reads) with ``asyncio.wait_for``, which on Python 3.11
loses a cancel that arrives in the turn the awaited write completes (CPython gh-86296, fixed in 3.12): the task
goes on as if nobody had asked it to stop, and whoever awaits its end waits forever. It happened: a gateway's
shutdown hung on a client whose chat-reading task had its cancel lost in an unsubscribe. So such a task is
cancelled again until it has ended."""

from __future__ import annotations

import asyncio
from typing import Any

AGAIN_S = 0.1
"""How long to wait for a cancelled task to end before cancelling it again."""


async def stopped(task: asyncio.Task[Any]) -> BaseException | None:
    """Cancel ``task`` and return once it has ended, cancelling it again every ``AGAIN_S`` while it goes on.
    Returns the exception it ended with, if it failed before it was cancelled (None if it was cancelled or
    returned)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=AGAIN_S)
    return None if task.cancelled() else task.exception()
