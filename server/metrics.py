"""``GET /metrics``: the server's figures for Prometheus, read from the shell when it is scraped.

One custom collector asks the ports and :class:`~onduty.server.shell.supervision.Supervision` at
scrape time, so nothing is counted in the per-message path beyond one integer. Each app has its own
registry (no process-wide state). Only loopback may scrape, plus the networks in ``metrics_allow``
(docs/it-rollout.md, "Monitoring").
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from onduty.server.config import ServerConfig
from onduty.server.core.supervision import Activity, Outcome
from onduty.server.shell.peer import Peer
from onduty.server.shell.wiring import Shell

log = logging.getLogger(__name__)

ENDPOINTS = ("agent", "requestor", "console")


def metrics_allowed(remote: str | None, allow: Iterable[str]) -> bool:
    """May a scraper at address ``remote`` read /metrics? Loopback always; else one of the ``allow`` networks."""
    if remote is None:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or any(address in ipaddress.ip_network(net, strict=False) for net in allow)


class ShellCollector(Collector):
    """Every ``onduty_*`` metric, from the shell's state at the moment of the scrape."""

    def __init__(self, shell: Callable[[], Shell], peers: Callable[[], Iterable[Peer]]) -> None:
        self._shell = shell
        self._peers = peers

    def collect(self) -> Iterator[Metric]:
        shell = self._shell()
        queues = [q.name for q in shell.queues.records()]
        sup = shell.supervision
        waiting = GaugeMetricFamily("onduty_queue_waiting", "Requests waiting in the queue's line now",
                                    labels=["queue"])
        longest = GaugeMetricFamily("onduty_queue_longest_wait_seconds",
                                    "How long the longest-waiting request of the queue has waited so far",
                                    labels=["queue"])
        agents = GaugeMetricFamily("onduty_agents", "Signed-in agents of the queue by what they are doing",
                                   labels=["queue", "state"])
        chats = CounterMetricFamily("onduty_chats", "Chats ended since the server started, by outcome",
                                    labels=["queue", "outcome"])
        waits = HistogramMetricFamily("onduty_wait_seconds",
                                      "Wait of each answered chat, from its request to its first agent",
                                      labels=["queue"])
        for queue in queues:
            waiting.add_metric([queue], shell.routing.queue_status(queue).waiting)
            longest.add_metric([queue], sup.longest_wait(queue))
            states = Counter(view.activity for view in sup.agents(queue))
            for state in Activity:
                agents.add_metric([queue, state.value], states[state])
            for result in Outcome:
                chats.add_metric([queue, result.value], sup.chats.get((queue, result), 0))
            tally = sup.waits.get(queue)
            if tally is not None:
                waits.add_metric([queue], tally.cumulative(), tally.total)
            else:
                waits.add_metric([queue], [("+Inf", 0)], 0.0)
        yield from (waiting, longest, agents, chats, waits)
        yield CounterMetricFamily("onduty_messages", "Chat messages stored since the server started",
                                  value=sup.messages)
        connections = GaugeMetricFamily("onduty_connections", "Open WebSocket connections by endpoint",
                                        labels=["endpoint"])
        kinds = Counter(peer.kind for peer in self._peers())
        for endpoint in ENDPOINTS:
            connections.add_metric([endpoint], kinds[endpoint])
        yield connections
        yield GaugeMetricFamily("onduty_open_chats", "Chats open now (waiting, running or ended, not closed)",
                                value=shell.delivery.count())


def add_metrics_routes(app: web.Application, config: ServerConfig, shell: Callable[[web.Request], Shell],
                       peers: Callable[[web.Request], Iterable[Peer]]) -> None:
    async def metrics(request: web.Request) -> web.Response:
        if not metrics_allowed(request.remote, config.metrics_allow):
            log.warning("metrics scrape refused", extra={"remote": request.remote})
            return web.Response(status=403, text="metrics are served to loopback and metrics_allow only\n")
        registry = CollectorRegistry(auto_describe=False)
        registry.register(ShellCollector(lambda: shell(request), lambda: peers(request)))
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", metrics)
