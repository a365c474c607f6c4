"""The clocks as shown (pure) and the SLA poller: one tray warning per case, clock and kind (injected sleep, clock)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from onduty.client.desk.sla_watch import Level, SlaPoller, clock_view, duration_text
from onduty.client.net.cases import (
    CaseErrorCode,
    CaseList,
    CaseRefused,
    CaseRequestor,
    CaseState,
    CaseSummary,
    ClockKind,
    ClockStatus,
    Priority,
    Scope,
    SlaClock,
    SlaFilter,
)

from .test_case_support import START, CaseServer, agent, case_server, service_for

H = 3600.0


def clock(kind: ClockKind = ClockKind.IRT, status: ClockStatus = ClockStatus.RUNNING, remaining: float = H,
          due_at: float | None = START + H, breached_at: float | None = None, warning: bool = False) -> SlaClock:
    return SlaClock(kind, status, H, H - remaining, remaining, due_at, breached_at, warning)


def case(number: int, irt: SlaClock, ort: SlaClock | None = None, owner: str | None = None,
         state: CaseState = CaseState.NEW) -> CaseSummary:
    return CaseSummary(number, f"Case {number} title", "", "cim-emea", Priority.VERY_HIGH, state, owner,
                       CaseRequestor("Rita", None, None, None), START, "ann", START, None, irt,
                       ort or clock(ClockKind.ORT, due_at=START + 4 * H, remaining=4 * H), irt.due_at,
                       irt.warning, irt.breached_at is not None)


def test_durations() -> None:
    assert [duration_text(s) for s in (-5, 0, 45, 60, 599, 3600, 3660 + 59, 86400 * 3 + 7200)] == [
        "0 s", "0 s", "45 s", "1 min", "9 min", "1 h 00 min", "1 h 01 min", "3 d 2 h"]


def test_a_running_clock_counts_down_to_its_due_instant_and_breaches_locally() -> None:
    running = clock()
    assert clock_view(running, START).text.startswith("due in 1 h 00 min (")
    assert clock_view(running, START).level is Level.OK
    assert clock_view(running, START + 50 * 60).text.startswith("due in 10 min")
    assert clock_view(dataclasses.replace(running, warning=True), START + 50 * 60).level is Level.WARNING
    late = clock_view(running, START + 61 * 60)
    assert (late.level, late.text) == (Level.BREACHED, "breached 1 min ago")
    recorded = clock(remaining=-60, breached_at=START + H, due_at=START + H)
    assert clock_view(recorded, START + 2 * H).text == "breached 1 h 00 min ago"


def test_paused_and_stopped_clocks() -> None:
    paused = clock(ClockKind.ORT, ClockStatus.PAUSED, remaining=1800, due_at=None)
    assert (clock_view(paused, START).level, clock_view(paused, START).text) == (
        Level.IDLE, "paused (awaiting the customer), 30 min left")
    met = clock(status=ClockStatus.STOPPED, remaining=H - 600, due_at=None)
    assert clock_view(met, START).text == "met after 10 min"
    late = clock(status=ClockStatus.STOPPED, remaining=-60, due_at=None, breached_at=START + H)
    assert (clock_view(late, START).level, clock_view(late, START).text) == (Level.BREACHED, "stopped, breached")
    assert "business time" in clock_view(met, START).detail


class FakeLister:
    def __init__(self) -> None:
        self.answers: list[CaseList | Exception] = []
        self.asked: list[tuple[Scope, SlaFilter | None, int]] = []

    async def list_cases(self, *, scope: Scope = Scope.QUEUES, sla: SlaFilter | None = None,
                         limit: int = 100) -> CaseList:
        self.asked.append((scope, sla, limit))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_one_notification_per_case_clock_and_kind() -> None:
    lister = FakeLister()
    notes: list[tuple[str, str]] = []
    now = [START + 50 * 60]
    poller = SlaPoller(lister, lambda: "ann", lambda t, x: notes.append((t, x)), clock=lambda: now[0],
                       queue_title={"cim-emea": "CIM EMEA"}.__getitem__)
    warned = case(1, clock(remaining=600, warning=True), owner="ann")
    other = case(2, clock(remaining=300, warning=True, due_at=START + 55 * 60))
    lister.answers = [CaseList((warned, other), START)]
    await poller.poll_once()
    assert notes == [("Case 1: IRT breach soon", "Case 1 title\nIRT due in 10 min · your case"),
                     ("Case 2: IRT breach soon", "Case 2 title\nIRT due in 5 min · queue CIM EMEA, no owner")]
    await poller.poll_once()
    assert len(notes) == 2  # once per case and clock

    now[0] = START + 70 * 60
    breached = case(1, clock(remaining=-600, due_at=START + H, breached_at=START + H), owner="ann")
    ort_warned = dataclasses.replace(breached, ort=clock(ClockKind.ORT, remaining=60, due_at=START + 71 * 60,
                                                         warning=True))
    lister.answers = [CaseList((ort_warned,), now[0])]
    await poller.poll_once()
    await poller.poll_once()
    assert notes[2:] == [("Case 1: IRT breached", "Case 1 title\nIRT target passed 10 min ago · your case"),
                         ("Case 1: ORT breach soon", "Case 1 title\nORT due in 1 min · your case")]
    assert lister.asked[0] == (Scope.QUEUES, SlaFilter.ANY, 500)


async def test_a_failing_poll_notifies_nothing_and_the_loop_goes_on_at_the_interval() -> None:
    lister = FakeLister()
    notes: list[str] = []
    slept: list[float] = []
    third = asyncio.get_running_loop().create_future()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            third.set_result(None)
        await asyncio.sleep(0)

    lister.answers = [CaseRefused(401, CaseErrorCode.NOT_AUTHENTICATED, "sign in again"),
                      CaseList((case(1, clock(remaining=600, warning=True)),), START)]
    poller = SlaPoller(lister, lambda: "ann", lambda t, _x: notes.append(t), interval_s=60.0, clock=lambda: START,
                       sleep=sleep)
    poller.start()
    assert poller.running
    await asyncio.wait_for(third, 5.0)
    await poller.stop()
    assert not poller.running
    assert slept[:3] == [60.0, 60.0, 60.0]
    assert notes == ["Case 1: IRT breach soon"]
    assert poller.last_error == ""


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[CaseServer]:
    async with case_server(tmp_path) as s:
        yield s


async def test_against_the_server_only_my_queues_warn_once_then_breach_once(server: CaseServer) -> None:
    async with agent(server, "ann") as ann, agent(server, "carl") as carl:
        mine = await service_for(server, ann).cases.create("cim-emea", "Line down", "Rita", priority=Priority.VERY_HIGH)
        await service_for(server, carl).cases.create("cic", "Elsewhere", "Zed", priority=Priority.VERY_HIGH)
        notes: list[str] = []
        poller = SlaPoller(service_for(server, ann).cases, lambda: "ann", lambda t, _x: notes.append(t),
                           clock=server.clock)
        assert await poller.poll_once() == []
        server.clock.advance(50 * 60)
        await poller.poll_once()
        await poller.poll_once()
        assert notes == [f"Case {mine.number}: IRT breach soon"]
        server.clock.advance(11 * 60)
        await poller.poll_once()
        await poller.poll_once()
        assert notes == [f"Case {mine.number}: IRT breach soon", f"Case {mine.number}: IRT breached"]
