"""``onduty-server staffing``: the planning figures on the command line."""

from __future__ import annotations

import heapq
import json
import random

import pytest

from onduty.server.cli import main
from onduty.server.core.staffing import predict


def test_json_prints_one_object_with_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staffing", "--arrivals-per-hour", "200", "--handle-s", "180", "--target-s", "20",
                 "--service-level", "0.8", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    figures = json.loads(out)
    assert figures["agents"] == 14
    assert figures["p_wait"] == pytest.approx(0.1741, abs=5e-5)
    assert figures["mean_wait_s"] == pytest.approx(7.84, abs=5e-3)
    assert figures["service_level"] == pytest.approx(0.8884, abs=5e-5)


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staffing", "--arrivals-per-hour", "200", "--handle-s", "180"]) == 0
    out = capsys.readouterr().out
    assert "agents needed: 14" in out
    assert "88.8% answered within 20 s (goal 80%)" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--arrivals-per-hour", "10", "--handle-s", "0"], "handle time"),
    (["--arrivals-per-hour", "10", "--handle-s", "60", "--service-level", "80"], "fraction"),
])
def test_bad_figures_get_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                                             message: str) -> None:
    assert main(["staffing", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def simulate(agents: int, arrivals_per_hour: float, handle_s: float, target_s: float, chats: int,
             seed: int) -> tuple[float, float, float]:
    """An M/M/N line, event by event: (share that waited, mean wait, share answered within target)."""
    rng = random.Random(seed)
    free_at = [0.0] * agents  # when each agent is next free (a heap)
    now = waited = within = 0
    total_wait = 0.0
    t = 0.0
    for _ in range(chats):
        t += rng.expovariate(arrivals_per_hour / 3600)
        start = max(t, heapq.heappop(free_at))
        wait = start - t
        waited += wait > 0
        within += wait <= target_s
        total_wait += wait
        heapq.heappush(free_at, start + rng.expovariate(1 / handle_s))
        now += 1
    return waited / now, total_wait / now, within / now


def test_a_simulated_line_waits_as_predicted() -> None:
    """200 chats an hour of 180 s with 14 agents: 60 000 simulated chats (some 300 hours) land within a
    few points of the prediction (P(wait) 17.4 %, mean wait 7.8 s, 88.8 % within 20 s)."""
    p = predict(14, 200, 180, 20)
    share_waited, mean_wait, service_level = simulate(14, 200, 180, 20, 60_000, seed=17)
    assert share_waited == pytest.approx(p.p_wait, abs=0.02)
    assert mean_wait == pytest.approx(p.mean_wait_s, rel=0.15)
    assert service_level == pytest.approx(p.service_level, abs=0.015)
