"""``onduty-server callback list | claim | done``: callback / e-mail requests from the command line.

The same rules as the tray app's (``server/core/callbacks.py``), applied by the store. A server that is running
learns of a change made here with its next sweep (``SWEEP_S`` in ``server/shell/callback_work.py``): its agents'
open counts follow then. Refusals are reported as :class:`ConfigError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

from onduty.server.config import ConfigError, ServerConfig
from onduty.server.core import callbacks as rules
from onduty.server.inbound import argument
from onduty.server.store import Store
from onduty.shared.types import CALLBACK_NOTE_MAX, CallbackInfo, CallbackOutcome

_NOTE = argument(one_line=False, max_len=CALLBACK_NOTE_MAX)


def add_callback_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser,
                        name: Callable[[str], str]) -> None:
    callbacks = sub.add_parser("callback", parents=[common],
                               help="callback / e-mail requests left by requestors").add_subparsers(
                                   dest="action", required=True)
    cblist = callbacks.add_parser("list", parents=[common],
                                  help="list callback requests that are not done (with --all: also done), newest first")
    cblist.add_argument("--queue", type=name, action="append", help="only these queues")
    cblist.add_argument("--limit", type=int, default=50)
    cblist.add_argument("--all", action="store_true", help="also the done ones")
    claim = callbacks.add_parser("claim", parents=[common], help="claim a callback request for an agent")
    claim.add_argument("callback_id", type=int, metavar="ID")
    claim.add_argument("--agent", type=name, required=True, help="username of an agent of the request's queue")
    done = callbacks.add_parser("done", parents=[common], help="mark a callback request done with its outcome")
    done.add_argument("callback_id", type=int, metavar="ID")
    done.add_argument("--outcome", required=True, choices=[o.value for o in CallbackOutcome])
    done.add_argument("--note", type=_NOTE, default=None, help=f"at most {CALLBACK_NOTE_MAX} characters")
    done.add_argument("--agent", type=name, default=None,
                      help="who did it (default: the agent who claimed it; required when nobody has)")


def line(cb: CallbackInfo, now: float) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(cb.created_at))
    contact = " ".join(x for x in (cb.phone, cb.email) if x)
    state = rules.state_text(cb, now)
    if cb.note:
        state += f" ({' '.join(cb.note.split())})"
    return f"#{cb.callback_id}\t{when}\t{cb.queue}\t{state}\t{cb.name}\t{contact}\t{' '.join(cb.text.split())}"


async def callback_command(args: argparse.Namespace, store: Store, config: ServerConfig) -> None:
    now = time.time()
    if args.action == "list":
        queues = args.queue or [q.name for q in await store.list_queues()]
        for cb in await store.list_callbacks(queues, limit=max(1, args.limit), done=args.all):
            print(line(cb, now))
        return
    current = await store.get_callback(args.callback_id)
    if current is None:
        raise ConfigError(f"no callback request #{args.callback_id}")
    agent = args.agent or rules.live_claim(current, now) or current.done_by  # a done one is refused below
    if agent is None:
        raise ConfigError(f"#{args.callback_id} is not claimed: say who did it with --agent")
    record = await store.get_agent(agent)
    if record is None:
        raise ConfigError(f"no agent {agent}")
    if current.queue not in record.queues:
        raise ConfigError(f"{agent} is not an agent of {current.queue}")
    change = (partial(rules.claim, agent=agent, now=now, claim_s=config.callback_claim_s) if args.action == "claim"
              else partial(rules.finish, agent=agent, outcome=CallbackOutcome(args.outcome), note=args.note, now=now))
    try:
        changed = await store.change_callback(args.callback_id, change)
    except rules.CallbackRefused as exc:
        raise ConfigError(str(exc)) from exc
    if changed is None:
        raise ConfigError(f"no callback request #{args.callback_id}")
    print(line(changed, now))
