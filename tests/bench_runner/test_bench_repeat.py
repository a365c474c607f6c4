"""``python -m bench --repeat N``: several runs of a pair reported as one (medians; the worst run for losses)."""

from __future__ import annotations

import pytest

from bench.__main__ import main
from bench.repeat import combine
from bench.report import markdown
from bench.scenarios import failed, lost_and_duplicated, scenarios


def test_numbers_are_medians_and_every_run_is_kept() -> None:
    runs = [{"target": "onduty", "msgs_per_s": v, "relay_ms_p99": p, "lost": 0, "wait_s_p50": None}
            for v, p in ((900.0, 9.0), (1000.0, 2.0), (1100.0, 3.0))]
    report = combine(runs)
    assert (report["msgs_per_s"], report["relay_ms_p99"]) == (1000.0, 3.0)
    assert (report["target"], report["wait_s_p50"], report["repeat"]) == ("onduty", None, 3)
    assert report["runs"] == runs
    assert combine(runs[:1]) is runs[0]


def test_one_run_that_lost_a_message_fails_the_whole() -> None:
    runs = [{"lost": 0, "duplicated": 0, "timed_out": False}, {"lost": 2, "duplicated": 0, "timed_out": True},
            {"lost": 0, "duplicated": 1, "timed_out": False}]
    report = combine(runs)
    assert (report["lost"], report["duplicated"], report["timed_out"]) == (2, 1, True)
    assert failed(report)
    assert not failed(combine([runs[0], runs[0]]))


def test_errors_are_all_kept_and_per_kill_lists_joined() -> None:
    report = combine([{"error": "node a did not start", "takeover_s": [3.9, 4.2]},
                      {"takeover_s": [4.4]}, {"error": "node a did not start", "takeover_s": [3.6]}])
    assert report["error"] == "node a did not start"
    assert report["takeover_s"] == [3.9, 4.2, 4.4, 3.6]
    assert failed(report)


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_repeat_must_be_a_whole_number_of_runs(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--repeat", value, "--scenarios", "nothing"])
    assert exit_.value.code == 2
    assert "--repeat" in capsys.readouterr().err


def test_the_report_says_its_figures_are_medians() -> None:
    host = {"cpus": 2, "cpu_model": "test cpu", "python": "3.11", "platform": "linux", "load_avg_1m_at_start": 1.0}
    relay = [{"msgs_per_s": v, "server_cpu_us_per_msg": c} for v, c in ((600.0, 70.0), (500.0, 50.0), (700.0, 60.0))]
    results = {"relay-saturation": {"onduty": combine(relay), "relay": combine([{"msgs_per_s": 1000.0}] * 3)}}
    text = markdown("python -m bench --repeat 3", "today", 1.0, host, scenarios(), results, repeat=3)
    assert "Each figure is the median of 3 runs" in text
    assert "| at least 0.5 | 600 / 1,000 msgs/s = 0.60 | met |" in text
    assert "median" not in markdown("python -m bench", "today", 1.0, host, scenarios(), results)


def test_the_loss_goal_counts_every_repeated_run() -> None:
    runs = [{"lost": 1, "duplicated": 0}, {"lost": 1, "duplicated": 0}, {"lost": 0, "duplicated": 0}]
    results = {"relay-2000": {"onduty": combine(runs), "relay": combine([{"lost": 0, "duplicated": 0}] * 3)}}
    assert lost_and_duplicated(results) == ("lost 2, duplicated 0 over 6 runs", False)
