"""The loop the app tests run on (conftest.py): asyncio work that Qt's events wake while no loop is
running (pytest-qt processes them between a test's setup, call and teardown) still runs on its loop."""

from __future__ import annotations

import asyncio
from typing import Any

from .conftest import WAIT, _qasync_loop


def test_a_task_a_thread_wakes_while_pytest_qt_processes_events_runs_on_its_loop(qtbot: Any) -> None:
    loop = _qasync_loop()
    try:
        seen: list[asyncio.AbstractEventLoop] = []

        async def sign_in() -> None:  # like the server's login: a store read in a thread, then more awaits
            await loop.run_in_executor(None, sum, [1, 2])
            seen.append(asyncio.get_running_loop())
            await asyncio.wait_for(asyncio.sleep(0), WAIT)

        task = loop.create_task(sign_in())
        assert not loop.is_running()
        qtbot.waitUntil(task.done, timeout=int(WAIT * 1000))  # a Qt event loop, as in pytest-qt; asyncio's is not
        task.result()
        assert seen == [loop]
    finally:
        loop.close()
