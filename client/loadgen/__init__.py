"""``onduty-loadgen``: the load generator and benchmark driver (see :mod:`onduty.client.loadgen.cli`).

Modules: ``workload`` (options, distributions), ``wire`` (raw msgpack WebSockets), ``chats`` /
``relay`` / ``idle`` (the three modes), ``stats`` (figures and the report), ``probe`` (the server
processes' RSS and CPU), ``cli`` (arguments and the run).
"""

from onduty.client.loadgen.cli import main, main_async, parse_args, summary
from onduty.client.loadgen.stats import Stats, failed, percentile
from onduty.client.loadgen.workload import Dist, Options, pad, queue_of_agent

__all__ = [
    "Dist", "Options", "Stats", "failed", "main", "main_async", "pad", "parse_args", "percentile", "queue_of_agent",
    "summary",
]
