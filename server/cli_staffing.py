"""``onduty-server staffing``: Erlang C advice for planning, from the command line (no server, no store).

Hooked into :mod:`onduty.server.cli`; bad figures are UsageErrors there (one line, exit 2).
"""

from __future__ import annotations

import argparse
import json
import math

from onduty.server.core.staffing import Prediction, agents_needed


def add_staffing_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                        common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("staffing", parents=[common],
                       help="Erlang C: agents needed for a service level (planning; reads no data)")
    p.add_argument("--arrivals-per-hour", type=float, required=True, metavar="N", help="chats requested per hour")
    p.add_argument("--handle-s", type=float, required=True, metavar="S", help="mean handle time in seconds")
    p.add_argument("--target-s", type=float, default=20.0, metavar="T",
                   help="answer within this many seconds (default 20)")
    p.add_argument("--service-level", type=float, default=0.8, metavar="L",
                   help="share to answer within the target, a fraction (default 0.8 for 80 %%)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def staffing_text(args: argparse.Namespace) -> str:
    """What the command prints; ValueError for figures outside the model."""
    best = agents_needed(args.arrivals_per_hour, args.handle_s, args.target_s, args.service_level)
    if args.json:
        return json.dumps({**best.as_dict(), "target_s": args.target_s, "goal": args.service_level})
    return _describe(best, args.target_s, args.service_level)


def _describe(p: Prediction, target_s: float, goal: float) -> str:
    wait = f"{p.mean_wait_s:.1f} s" if math.isfinite(p.mean_wait_s) else "without end"
    return (f"agents needed: {p.agents} (one chat at a time each)\n"
            f"traffic: {p.traffic_erlangs:.2f} Erlangs, occupancy {p.occupancy:.0%}\n"
            f"service level: {p.service_level:.1%} answered within {target_s:g} s (goal {goal:.0%})\n"
            f"P(wait): {p.p_wait:.1%}, mean wait {wait}")
