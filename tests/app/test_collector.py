"""The app's garbage collection runs on the main thread only: a thread that allocates while the app runs
never frees the app's cyclic garbage (a Qt window freed there crashed Qt's timer dispatch later)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from onduty.client.app.collector import MainThreadCollector


class Cycle:
    """Cyclic garbage that notes the thread its finalizer ran on."""

    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.current_thread().name)


@pytest.fixture
def automatic_gc() -> Iterator[None]:
    """Python's own collection on, as outside the app (the Qt tests' fixture switches it off)."""
    was, thresholds = gc.isenabled(), gc.get_threshold()
    gc.enable()
    Cycle.freed_on = []
    yield
    gc.set_threshold(*thresholds)
    if not was:
        gc.disable()


def _allocate_in_a_thread(keep: list[list[int]]) -> None:
    def allocate() -> None:
        keep.extend([] for _ in range(50_000))  # past every generation's threshold, many times over

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()


def test_while_it_runs_a_worker_thread_frees_no_cyclic_garbage_and_the_main_thread_does(
        automatic_gc: None) -> None:
    collector = MainThreadCollector()
    collector.start()
    assert not gc.isenabled()
    Cycle()
    _allocate_in_a_thread(keep := [])
    assert Cycle.freed_on == []
    assert collector.collect_due() is not None  # the threshold was passed: the check collects
    assert Cycle.freed_on == [threading.current_thread().name]
    assert threading.current_thread() is threading.main_thread()
    collector.stop()
    assert gc.isenabled()
    assert len(keep) == 50_000


def test_stop_collects_what_is_left_and_a_check_below_the_threshold_collects_nothing(automatic_gc: None) -> None:
    gc.set_threshold(1_000_000, 10, 10)
    collector = MainThreadCollector()
    collector.start()
    Cycle()
    assert collector.collect_due() is None
    assert Cycle.freed_on == []
    collector.stop()
    assert Cycle.freed_on == [threading.current_thread().name]


def test_without_it_automatic_collection_is_left_as_it_was(automatic_gc: None) -> None:
    gc.disable()
    collector = MainThreadCollector()
    collector.start()
    collector.stop()
    assert not gc.isenabled()
