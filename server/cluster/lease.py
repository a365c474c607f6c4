"""The routing owner's lease in Redis: one holder at a time, renewed while it lives.

The lease is one key holding the owner's node name with an expiry (``lease_s``). A gateway takes
it with ``SET NX PX`` once it has expired; the owner renews it well before. Redis only decides who
may *try* to own routing: the fencing token (the epoch) lives in PostgreSQL, where every write of
the owner checks it (:meth:`~onduty.server.store.pg.PostgresStore.take_routing`), so a late write
of a deposed owner is refused even when Redis lost the key or two nodes believed they held it.

The holder also keeps a local bound, :meth:`Lease.sure`: after a renewal it is sure of the lease
for a little less than ``lease_s`` (monotonic time). Past that bound (the process was stopped,
Redis did not answer) it makes no routing decision until a renewal succeeds again.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

SAFETY = 0.8
"""Share of the lease time after a renewal during which the holder counts itself sure of it
(clock drift between Redis and this host, and the renewal's own round trip, eat the rest)."""

_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Renewal(Enum):
    HELD = "held"
    RETAKEN = "retaken"
    """The key was gone (Redis restarted without its data) and this node set it again."""
    LOST = "lost"
    """Another node holds the lease."""
    UNREACHABLE = "unreachable"


KEY_PREFIX = "onduty:"
"""Every key the cluster keeps in Redis starts with this."""


@dataclass(frozen=True, slots=True)
class LeaseKey:
    prefix: str = KEY_PREFIX

    @property
    def owner(self) -> str:
        return f"{self.prefix}routing-owner"


class Lease:
    """One node's view of the routing lease on ``redis``."""

    def __init__(self, redis: Redis, node: str, lease_s: float, *, key: LeaseKey = LeaseKey(),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.redis = redis
        self.node = node
        self._token = f"{node}#{secrets.token_hex(6)}"
        """What the key holds: the node's name and this process's own mark, so that a node started
        again under the same name never takes its dead predecessor's lease for its own."""
        self.lease_s = lease_s
        self._key = key.owner
        self._monotonic = monotonic
        self._sure_until = 0.0

    @property
    def _ms(self) -> int:
        return max(1, int(self.lease_s * 1000))

    def sure(self) -> bool:
        """Is this node sure it still holds the lease (renewed less than ``SAFETY * lease_s`` ago)?"""
        return self._monotonic() < self._sure_until

    def _renewed(self, started: float) -> None:
        # measured from before the request: the key's expiry started no earlier than that
        self._sure_until = started + SAFETY * self.lease_s

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this node holds it now."""
        started = self._monotonic()
        if await self.redis.set(self._key, self._token, nx=True, px=self._ms):
            self._renewed(started)
            return True
        return False

    async def renew(self) -> Renewal:
        """Extend the lease; never raises (Redis errors are :attr:`Renewal.UNREACHABLE`)."""
        started = self._monotonic()
        try:
            result = int(await self.redis.eval(_RENEW, 1, self._key, self._token, str(self._ms)))
        except (RedisError, OSError) as exc:
            log.warning("renewing the routing lease failed: %s", exc)
            return Renewal.UNREACHABLE
        if result == 0:
            self._sure_until = 0.0
            return Renewal.LOST
        self._renewed(started)
        return Renewal.HELD if result == 1 else Renewal.RETAKEN

    async def release(self) -> None:
        """Give the lease up now (a clean shutdown), so a gateway need not wait for it to expire."""
        self._sure_until = 0.0
        try:
            await self.redis.eval(_RELEASE, 1, self._key, self._token)
        except (RedisError, OSError) as exc:
            log.warning("releasing the routing lease failed: %s", exc)

    async def holder(self) -> str | None:
        """The name of the node holding the lease now, if any."""
        token = await self._holding()
        return None if token is None else token.rsplit("#", 1)[0]

    async def mine(self) -> bool:
        """Does this process hold the lease now (as Redis has it)?"""
        return await self._holding() == self._token

    async def _holding(self) -> str | None:
        value = await self.redis.get(self._key)
        return None if value is None else value.decode() if isinstance(value, bytes) else str(value)
