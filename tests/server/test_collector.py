"""The server's garbage-collection policy: no automatic full collection, one on a timer instead."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from onduty.server.collector import NEVER, FullCollections
from onduty.server.config import ConfigError, ServerConfig


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def old_cycle() -> weakref.ref[Node]:
    """A cycle that has lived through the young generations (it is in generation 2 now), then dropped."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    gc.collect(1)  # the survivors of generations 0 and 1 move to generation 2
    return weakref.ref(a)


@pytest.fixture
def restore_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


async def test_automatic_collection_never_starts_a_full_one_while_it_runs(restore_gc: None) -> None:
    collections = FullCollections(interval_s=3600)
    before = gc.get_threshold()
    young = before[:2]
    collections.start()
    try:
        assert gc.get_threshold() == (*young, NEVER)
        dead = old_cycle()
        generations: list[int] = []

        def seen(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                generations.append(info["generation"])

        gc.callbacks.append(seen)
        try:
            kept = [[i] for i in range(200_000)]  # allocations: many automatic young collections
        finally:
            gc.callbacks.remove(seen)
        del kept
        assert generations and 2 not in generations, generations
        assert dead() is not None, "an automatic collection walked generation 2"
        assert collections.collect() >= 2
        assert dead() is None
    finally:
        collections.stop()
    assert gc.get_threshold() == before  # Python's own policy again
    assert gc.get_freeze_count() == 0


async def test_the_timer_runs_the_full_collection_and_goes_on() -> None:
    done = asyncio.Event()

    class Counted(FullCollections):
        def collect(self) -> int:
            freed = super().collect()
            if self.collections == 2:
                done.set()
            return freed

    before = gc.get_threshold()
    collections = Counted(interval_s=0.001)
    collections.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        collections.stop()
    assert gc.get_threshold() == before
    assert not collections.running


def test_the_setting_refuses_a_negative_interval() -> None:
    with pytest.raises(ConfigError, match="gc_full_interval_s"):
        ServerConfig(gc_full_interval_s=-1)
    assert ServerConfig(gc_full_interval_s=0).gc_full_interval_s == 0
    with pytest.raises(ValueError, match="positive"):
        FullCollections(interval_s=0)
