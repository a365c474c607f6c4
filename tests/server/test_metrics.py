"""/metrics on loopback: the figures Prometheus scrapes follow what happens on the server."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from onduty.server.config import ConfigError, ServerConfig
from onduty.server.metrics import metrics_allowed
from onduty.shared.messages import ChatAssigned, ChatEnded, EndChat, Send, SetDuty

from .conftest import agent_on_duty, request
from .harness import Harness


async def scrape(h: Harness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert h.session is not None
    async with h.session.get(h.url("/metrics")) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def q(queue: str, **labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"queue": queue, **labels}.items()))


async def test_metrics_follow_the_line_agents_and_chats(harness: Harness) -> None:
    h = harness
    first = await scrape(h)
    assert first[("onduty_queue_waiting", q("cim-emea"))] == 0
    assert first[("onduty_agents", q("cim-emea", state="available"))] == 0
    assert first[("onduty_messages_total", ())] == 0

    rita, requested = await request(h)  # nobody on duty: she waits
    h.clock.advance(42)
    waiting = await scrape(h)
    assert waiting[("onduty_queue_waiting", q("cim-emea"))] == 1
    assert waiting[("onduty_queue_longest_wait_seconds", q("cim-emea"))] == pytest.approx(42)
    assert waiting[("onduty_connections", (("endpoint", "requestor"),))] == 1
    assert waiting[("onduty_messages_total", ())] == 1

    ann, _ = await agent_on_duty(h, "ann")  # takes Rita's chat at once
    await ann.until(ChatAssigned)
    busy = await scrape(h)
    assert busy[("onduty_queue_waiting", q("cim-emea"))] == 0
    assert busy[("onduty_queue_longest_wait_seconds", q("cim-emea"))] == 0
    assert busy[("onduty_agents", q("cim-emea", state="in_chat"))] == 1
    assert busy[("onduty_agents", q("shop-b2b", state="in_chat"))] == 1
    assert busy[("onduty_connections", (("endpoint", "agent"),))] == 1
    assert busy[("onduty_wait_seconds_count", q("cim-emea"))] == 1
    assert busy[("onduty_wait_seconds_sum", q("cim-emea"))] == pytest.approx(42)
    assert busy[("onduty_wait_seconds_bucket", q("cim-emea", le="30.0"))] == 0
    assert busy[("onduty_wait_seconds_bucket", q("cim-emea", le="60.0"))] == 1

    await ann.send(Send(chat_id=requested.chat_id, text="Hello Rita", client_msg_id="a1"))
    await ann.send(EndChat(chat_id=requested.chat_id))
    await ann.until(ChatEnded)
    await ann.send(SetDuty(on_duty=False))
    await rita.until(ChatEnded)
    done = await scrape(h)
    assert done[("onduty_chats_total", q("cim-emea", outcome="answered"))] == 1
    assert done[("onduty_chats_total", q("cim-emea", outcome="timeout"))] == 0
    assert done[("onduty_messages_total", ())] == 2


async def test_a_chat_nobody_takes_counts_as_timeout(harness: Harness) -> None:
    h = harness
    rita, _ = await request(h, queue="cic")
    await h.advance(121)
    await rita.until(ChatEnded)
    found = await scrape(h)
    assert found[("onduty_chats_total", q("cic", outcome="timeout"))] == 1
    assert found[("onduty_wait_seconds_count", q("cic"))] == 0


def test_only_loopback_and_the_configured_networks_may_scrape() -> None:
    assert metrics_allowed("127.0.0.1", ())
    assert metrics_allowed("::1", ())
    assert metrics_allowed("::ffff:127.0.0.1", ())
    assert not metrics_allowed("10.0.5.7", ())
    assert not metrics_allowed(None, ())
    assert not metrics_allowed("not an address", ())
    assert metrics_allowed("10.0.5.7", ("10.0.5.0/24",))
    assert metrics_allowed("10.0.5.7", ("10.0.5.7",))
    assert not metrics_allowed("10.0.6.7", ("10.0.5.0/24",))


def test_a_bad_network_stops_the_server_with_its_name() -> None:
    with pytest.raises(ConfigError, match=r"metrics_allow: 'prometheus\.example' is not an IP"):
        ServerConfig(metrics_allow=("prometheus.example",))
