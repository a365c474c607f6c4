"""Stopping a task that awaits Redis.

redis-py bounds each command's socket write (and some reads) with ``asyncio.wait_for``, which on Python 3.11
loses a cancel that arrives in the turn the awaited write completes (CPython gh-86296, fixed in 3.12): the task
goes on as if nobody had asked it to stop, and whoever awaits its end waits forever. It happened: a gateway's
shutdown hung on a client whose chat-reading task had its cancel lost in an unsubscribe. So such a task is
cancelled again until it has ended."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

AGAIN_S = 0.1
"""How long to wait for a cancelled task to end before cancelling it again."""


async def stopped(task: asyncio.Task[Any], expected: tuple[type[BaseException], ...] = ()) -> None:
    """Cancel ``task`` and return once it has ended, cancelling it again every ``AGAIN_S`` while it goes on.
    If it had failed before it was cancelled, its exception is logged (at info level when it is one of
    ``expected``, such as a connection closed under it), never raised."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=AGAIN_S)
    failed = None if task.cancelled() else task.exception()
    if failed is None:
        return
    if isinstance(failed, expected):
        log.info("%s had ended: %s", task.get_name(), failed)
    else:
        log.error("%s had failed", task.get_name(), exc_info=failed)
