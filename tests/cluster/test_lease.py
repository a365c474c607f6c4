"""The routing lease: one holder at a time; renewal held / lost / taken again after Redis lost it;
the holder is sure of it only for a bounded time after a renewal (an injected monotonic clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from onduty.server.cluster.lease import SAFETY, Lease, Renewal


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_one_node_at_a_time_holds_the_lease_and_a_clean_release_hands_it_on(redis: Redis) -> None:
    a, b = Lease(redis, "a", 30.0), Lease(redis, "b", 30.0)
    assert await a.try_acquire()
    assert not await b.try_acquire()
    assert await a.holder() == "a"
    assert await b.renew() is Renewal.LOST  # b never held it, and renewing does not steal it
    assert await a.holder() == "a"
    await a.release()
    assert await b.try_acquire()
    assert await b.holder() == "b"
    await a.release()  # releasing what another node holds does nothing
    assert await b.holder() == "b"


async def test_an_expired_lease_goes_to_the_next_node_and_the_old_holder_learns_it_lost(redis: Redis) -> None:
    a, b = Lease(redis, "a", 30.0), Lease(redis, "b", 30.0)
    assert await a.try_acquire()
    await redis.delete("onduty:routing-owner")  # what expiry does, without waiting for it
    assert await b.try_acquire()
    assert await a.renew() is Renewal.LOST
    assert not a.sure()
    assert await b.renew() is Renewal.HELD


async def test_the_holder_takes_the_lease_again_when_redis_lost_it(redis: Redis) -> None:
    a = Lease(redis, "a", 30.0)
    assert await a.try_acquire()
    await redis.flushdb()  # Redis restarted without its data
    assert await a.renew() is Renewal.RETAKEN
    assert await a.holder() == "a"
    ttl_ms = await redis.pttl("onduty:routing-owner")
    assert 0 < ttl_ms <= 30_000


async def test_the_holder_is_sure_only_for_part_of_the_lease_after_each_renewal(redis: Redis) -> None:
    clock = Clock()
    a = Lease(redis, "a", 10.0, monotonic=clock)
    assert not a.sure()
    assert await a.try_acquire()
    assert a.sure()
    clock.now += SAFETY * 10.0 - 0.01
    assert a.sure()
    clock.now += 0.02  # e.g. the process was stopped (SIGSTOP) for a while
    assert not a.sure()
    assert await a.renew() is Renewal.HELD
    assert a.sure()


async def test_renewing_without_redis_is_unreachable_not_an_exception() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        lease = Lease(dead, "a", 5.0)
        assert await lease.renew() is Renewal.UNREACHABLE
        assert not lease.sure()
    finally:
        await dead.aclose()


async def test_a_node_started_again_under_its_name_does_not_take_its_predecessors_lease(redis: Redis) -> None:
    dead, again = Lease(redis, "a", 30.0), Lease(redis, "a", 30.0)  # a killed owner and its restart
    assert await dead.try_acquire()
    assert not await again.try_acquire()
    assert await again.renew() is Renewal.LOST  # it waits for the lease to expire like any other node
    assert (await dead.mine(), await again.mine()) == (True, False)
    assert await again.holder() == "a"
