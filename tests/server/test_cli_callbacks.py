"""``onduty-server callback list | claim | done``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from onduty.server.config import ServerConfig
from onduty.server.store import AgentRecord, QueueRecord, open_store
from onduty.server.store.url import default_url
from onduty.shared.types import CallbackInfo, RequestType

from .test_cli import run


async def _seed(data: Path) -> int:
    config = ServerConfig(data_dir=data)
    store = open_store(default_url(config), config)
    await store.open()
    try:
        await store.add_queue(QueueRecord("cim-emea", "CIM EMEA"))
        await store.add_queue(QueueRecord("cic", "CIC"))
        await store.add_agent(AgentRecord("ann", "Ann", "EMEA", "CIM", ("cim-emea",), "h"))
        await store.add_agent(AgentRecord("carl", "Carl", "AMER", "CIC", ("cic",), "h"))
        return await store.add_callback(CallbackInfo(
            callback_id=0, queue="cim-emea", name="Rita", phone="+49 1234 5678", email=None, text="Call me\nplease",
            request_type=RequestType.OTHER, created_at=1_800_000_000.0), None)
    finally:
        await store.close()


def test_claim_done_and_list_show_state_and_claimer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    data.mkdir(parents=True)
    number = asyncio.run(_seed(data))
    d = ["--data", str(data)]
    assert run(monkeypatch, *d, "callback", "list") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"#{number}\t") and "\tcim-emea\topen\tRita\t+49 1234 5678\tCall me please" in out

    assert run(monkeypatch, *d, "callback", "claim", str(number), "--agent", "carl") == 2
    assert "carl is not an agent of cim-emea" in capsys.readouterr().err
    assert run(monkeypatch, *d, "callback", "claim", str(number), "--agent", "ann") == 0
    assert run(monkeypatch, *d, "callback", "list") == 0
    assert "\tclaimed by ann\t" in capsys.readouterr().out

    assert run(monkeypatch, *d, "callback", "done", str(number), "--outcome", "no_answer", "--note", "rang twice") == 0
    assert "\tdone: no_answer by ann (rang twice)\t" in capsys.readouterr().out
    assert run(monkeypatch, *d, "callback", "list") == 0
    assert capsys.readouterr().out == ""  # done: off the open list
    assert run(monkeypatch, *d, "callback", "list", "--all") == 0
    assert "\tdone: no_answer by ann (rang twice)\t" in capsys.readouterr().out

    assert run(monkeypatch, *d, "callback", "done", str(number), "--outcome", "reached") == 2
    assert f"callback {number} is done" in capsys.readouterr().err
    assert run(monkeypatch, *d, "callback", "claim", "999", "--agent", "ann") == 2
    assert "no callback request #999" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:  # argparse: usage and the outcomes to choose from
        run(monkeypatch, *d, "callback", "done", str(number), "--outcome", "maybe")
    assert bad.value.code == 2
    assert "choose from 'reached', 'no_answer', 'wrong_number', 'mailed'" in capsys.readouterr().err
