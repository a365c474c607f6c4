"""``onduty-server report``: a queue's day and hours from the store, as text or CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from onduty.server.cli import main
from onduty.server.config import ServerConfig
from onduty.server.store import QueueRecord, open_store
from onduty.server.store.url import default_url
from onduty.shared.types import ChatState, EndReason, RequestType
from tests.store.backends import make_chat


def at(hour: int, minute: int = 0, second: int = 0) -> float:
    return datetime(2026, 12, 2, hour, minute, second, tzinfo=UTC).timestamp()


async def seed(data: Path) -> None:
    config = ServerConfig(data_dir=data)
    store = open_store(default_url(config), config)
    await store.open()
    await store.add_queue(QueueRecord("cim-apj", "CIM APJ"))
    await store.create_chat(make_chat("c1", queue="cim-apj", requested_at=at(9), request_type=RequestType.OTHER))
    await store.update_chat("c1", state=ChatState.ENDED, agent=None, assigned_at=at(9, 0, 12),
                            ended_at=at(9, 4, 12), end_reason=EndReason.AGENT_ENDED)
    await store.create_chat(make_chat("c2", queue="cim-apj", requested_at=at(9, 30)))
    await store.update_chat("c2", state=ChatState.CLOSED, ended_at=at(9, 32), end_reason=EndReason.TIMEOUT)
    alert = await store.open_alert("cim-apj", "nobody_on_duty", at(9, 25))
    await store.close_alert(alert, at(9, 40))
    await store.close()


def test_csv_report_of_one_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    data.mkdir()
    asyncio.run(seed(data))
    assert main(["--data", str(data), "report", "--queue", "cim-apj", "--from", "2026-12-02", "--to", "2026-12-02",
                 "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    day, nine = rows
    assert (day["hour"], day["requests"], day["answered"], day["dropped"]) == ("all", "2", "1", "1")
    assert (day["wait_mean_s"], day["handle_mean_s"], day["service_level"]) == ("12.0", "240.0", "0.500")
    assert (nine["hour"], nine["alert_minutes"], nine["advised_agents"]) == ("09", "15.0", "1")


def test_text_report_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    data.mkdir()
    asyncio.run(seed(data))
    assert main(["--data", str(data), "report", "--queue", "cim-apj", "--from", "2026-12-01", "--to",
                 "2026-12-02"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("queue cim-apj, days and hours in UTC\nday\thour\trequests")
    assert "2026-12-01\tall\t0\t0\t0\t0" in out
    assert main(["--data", str(data), "report", "--queue", "nope", "--from", "2026-12-01", "--to", "2026-12-02"]) == 2
    assert "no queue nope" in capsys.readouterr().err
    assert main(["--data", str(data), "report", "--queue", "cim-apj", "--from", "2026-12-03", "--to",
                 "2026-12-02"]) == 2
    assert "--to is before --from" in capsys.readouterr().err


def test_the_report_measures_against_the_queues_goal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    data.mkdir()
    asyncio.run(seed(data))
    assert main(["--data", str(data), "queue", "goal", "cim-apj", "--target-s", "10", "--service-level", "0.9"]) == 0
    capsys.readouterr()
    day_of = ["--data", str(data), "report", "--queue", "cim-apj", "--from", "2026-12-02", "--to", "2026-12-02",
              "--csv"]
    assert main(day_of) == 0
    day = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert day["service_level"] == "0.000"  # waited 12 s: not within the queue's 10 s
    assert main([*day_of, "--target-s", "15"]) == 0  # the flag wins over the queue's goal
    assert next(csv.DictReader(io.StringIO(capsys.readouterr().out)))["service_level"] == "0.500"
