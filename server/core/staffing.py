"""Erlang C staffing advice (pure): how many agents a queue needs to answer a share of its chats in time.

The model (M/M/N): chats arrive at random (Poisson, ``arrivals_per_hour``), each keeps one agent for an
exponentially distributed handle time with mean ``handle_s``, and a chat that finds every agent busy waits
in line (nobody gives up). With traffic ``A = arrivals_per_hour * handle_s / 3600`` Erlangs and ``N`` agents
(``N > A``; otherwise the line grows without end):

- Erlang B by its recursion ``B(0) = 1``, ``B(n) = A B(n-1) / (n + A B(n-1))``, which stays in [0, 1] for
  every ``n`` (no factorials, no powers: loads of thousands of Erlangs are fine);
- ``P(wait) = C(N, A) = N B(N) / (N - A (1 - B(N)))``;
- service level ``SL(T) = 1 - C exp(-(N - A) T / handle_s)``: the share answered within ``T`` seconds;
- mean wait (all chats, those answered at once included) ``C handle_s / (N - A)``.

A chat agent may hold several chats at once (``capacity``); the advice counts agent *seats* of one chat
each, the way the model is defined, and says so where it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

MAX_AGENTS = 1_000_000
"""The search gives up beyond this many agents (only reached with absurd inputs)."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """What Erlang C predicts for ``agents`` agents."""

    agents: int
    traffic_erlangs: float
    p_wait: float
    """Probability that a chat has to wait at all (1 when ``agents <= traffic``)."""
    mean_wait_s: float
    """Mean wait over all chats (infinite when ``agents <= traffic``)."""
    service_level: float
    """Share of chats answered within the target (0 when ``agents <= traffic``)."""
    occupancy: float
    """Share of the agents' time spent in chats (``traffic / agents``, at most 1)."""

    def as_dict(self) -> dict[str, float | int | None]:
        """For JSON: an infinite wait becomes ``None``."""
        return {
            "agents": self.agents,
            "traffic_erlangs": self.traffic_erlangs,
            "p_wait": self.p_wait,
            "mean_wait_s": self.mean_wait_s if math.isfinite(self.mean_wait_s) else None,
            "service_level": self.service_level,
            "occupancy": self.occupancy,
        }


def traffic(arrivals_per_hour: float, handle_s: float) -> float:
    """The offered load in Erlangs."""
    _check(arrivals_per_hour, handle_s, 0.0)
    return arrivals_per_hour * handle_s / 3600.0


def erlang_b(agents: int, erlangs: float) -> float:
    """Erlang B (blocking probability) by the stable recursion."""
    b = 1.0
    for n in range(1, agents + 1):
        b = erlangs * b / (n + erlangs * b)
    return b


def _erlang_b_series(erlangs: float, upto: int) -> Iterator[float]:
    """``B(1), B(2), ... B(upto)`` (``B(0) = 1`` alone when ``upto`` is 0)."""
    b = 1.0
    if upto <= 0:
        yield b
        return
    for n in range(1, upto + 1):
        b = erlangs * b / (n + erlangs * b)
        yield b


def _predict(agents: int, erlangs: float, b: float, handle_s: float, target_s: float) -> Prediction:
    if erlangs <= 0.0:
        return Prediction(agents, 0.0, 0.0, 0.0, 1.0, 0.0)
    if agents <= erlangs:
        return Prediction(agents, erlangs, 1.0, math.inf, 0.0, 1.0)
    spare = agents - erlangs
    c = agents * b / (agents - erlangs * (1.0 - b))
    c = min(1.0, max(0.0, c))
    service_level = 1.0 - c * math.exp(-spare * target_s / handle_s)
    return Prediction(agents, erlangs, c, c * handle_s / spare, min(1.0, max(0.0, service_level)), erlangs / agents)


def predict(agents: int, arrivals_per_hour: float, handle_s: float, target_s: float) -> Prediction:
    """Erlang C's figures for ``agents`` agents."""
    _check(arrivals_per_hour, handle_s, target_s)
    if agents < 0:
        raise ValueError("agents must be 0 or more")
    a = traffic(arrivals_per_hour, handle_s)
    return _predict(agents, a, erlang_b(agents, a), handle_s, target_s)


def agents_needed(arrivals_per_hour: float, handle_s: float, target_s: float, service_level: float) -> Prediction:
    """The smallest number of agents whose service level within ``target_s`` is at least ``service_level``,
    with its figures. No arrivals need no agent. ValueError for inputs outside the model."""
    _check(arrivals_per_hour, handle_s, target_s)
    if not 0.0 < service_level < 1.0:
        raise ValueError("the service level is a fraction between 0 and 1 (0.8 for 80 %); 1 is never reached")
    a = traffic(arrivals_per_hour, handle_s)
    if a <= 0.0:
        return _predict(0, 0.0, 1.0, handle_s, target_s)
    for n, b in enumerate(_erlang_b_series(a, MAX_AGENTS), start=1):
        if n > a:
            found = _predict(n, a, b, handle_s, target_s)
            if found.service_level >= service_level:
                return found
    raise ValueError(f"more than {MAX_AGENTS} agents would be needed")


def _check(arrivals_per_hour: float, handle_s: float, target_s: float) -> None:
    for name, value in (("arrivals per hour", arrivals_per_hour), ("handle time", handle_s), ("target", target_s)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"the {name} must be a finite number, 0 or more")
    if handle_s <= 0:
        raise ValueError("the handle time must be more than 0 seconds")
