"""The simulated workload: distributions, options, naming."""

from __future__ import annotations

import argparse
import logging
import random
from dataclasses import dataclass

log = logging.getLogger("onduty.loadgen")


# --- workload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dist:
    """A fixed value or an exponential distribution with that mean (``"2.5"`` / ``"exp:2.5"``)."""

    mean: float
    exponential: bool = False

    @classmethod
    def parse(cls, text: str) -> Dist:
        kind, _, value = text.rpartition(":")
        if kind not in ("", "fixed", "exp"):
            raise argparse.ArgumentTypeError(f"{text!r}: use N, fixed:N or exp:N")
        try:
            mean = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: not a number") from None
        if mean < 0:
            raise argparse.ArgumentTypeError(f"{text!r}: must not be negative")
        return cls(mean, kind == "exp")

    def sample(self, rng: random.Random) -> float:
        if self.exponential and self.mean > 0:
            return rng.expovariate(1.0 / self.mean)
        return self.mean

    def count(self, rng: random.Random) -> int:
        """A whole number of at least 1 (a chat's length in messages)."""
        return max(1, round(self.sample(rng))) if self.mean > 0 else 0

    def __str__(self) -> str:
        return f"exp:{self.mean:g}" if self.exponential else f"{self.mean:g}"


@dataclass(frozen=True)
class Options:
    url: str
    """The server's base URL (the first of ``urls``)."""
    agents: int = 1
    requestors: int = 0
    messages: Dist = Dist(1)
    queue: str = "loadtest"
    password: str = "loadgen-password"
    agent_prefix: str = "loadgen-"
    concurrency: int = 0
    timeout: float = 120.0
    mode: str = "chat"
    target: str = "onduty"
    queues: int = 1
    rate: float = 0.0
    """Chat mode: requests per simulated second (0: all at once). Relay mode: messages/s (0: saturate)."""
    poisson: bool = False
    think: Dist = Dist(0)
    agent_think: Dist = Dist(0)
    time_scale: float = 1.0
    message_size: int = 0
    duration: float = 0.0
    warmup: float = 0.0
    pairs: int = 10
    window: int = 8
    drain: float = 10.0
    server_pids: tuple[int, ...] = ()
    """The server's processes (every node of a cluster): RSS and CPU are read from /proc, summed."""
    seed: int | None = None
    urls: tuple[str, ...] = ()
    """Several nodes of a cluster (``--url`` given more than once): agents and requestors are spread
    over them round robin; empty: ``url`` alone."""

    def url_for(self, index: int) -> str:
        """The URL the ``index``-th agent or requestor connects to."""
        return self.urls[index % len(self.urls)] if self.urls else self.url


def queue_of_agent(index: int, queue: str, queues: int) -> str:
    """Agent ``index`` (1-based) serves one queue: ``queue`` alone, or ``queue-1..Q`` round robin."""
    return queue if queues <= 1 else f"{queue}-{(index - 1) % queues + 1}"


def pad(text: str, size: int) -> str:
    """``text`` filled up with dots to ``size`` characters (never cut)."""
    return text.ljust(size, ".")


