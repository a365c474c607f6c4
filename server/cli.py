"""``onduty-server``: run the server and administer queues, agents and sites.

Every subcommand takes ``--data DIR`` (default: the per-user data folder),
``--store URL`` (``sqlite:///PATH`` or ``postgresql://USER@HOST:PORT/DB``; default: the data
folder's SQLite file) and ``--config FILE``; ``store copy`` takes its two stores as ``--from`` / ``--to``.
Passwords are read from standard input, never from arguments.
Bad input gets one clear line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import logging
import re
import secrets
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from aiohttp import web

from onduty.server import inbound
from onduty.server.auth import Passwords
from onduty.server.cli_callbacks import add_callback_parser, callback_command
from onduty.server.cli_cases import add_sla_parser, sla_command
from onduty.server.cli_report import add_report_parser, report_rows, report_text
from onduty.server.cli_staffing import add_staffing_parser, staffing_text
from onduty.server.cli_store import add_store_parser, store_command
from onduty.server.collector import FullCollections
from onduty.server.config import ConfigError, ServerConfig, load_config
from onduty.server.core.roles import StaffRole, check_role
from onduty.server.core.service_goal import DEFAULT_LEVEL, DEFAULT_TARGET_S, ServiceGoal, service_goal
from onduty.server.core.staffed_hours import HoursError, parse_hours
from onduty.server.shell.app import make_app
from onduty.server.shell.logs import configure_logging
from onduty.server.store import AgentRecord, QueueRecord, SiteRecord, Store, StoreError, open_store
from onduty.server.store.url import default_url
from onduty.shared.types import CannedMessage

NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
DEMO_QUEUES = (
    QueueRecord("cim-emea", "CIM EMEA", "EMEA"),
    QueueRecord("cim-apj", "CIM APJ", "APJ"),
    QueueRecord("cim-amer", "CIM AMER", "AMER"),
    QueueRecord("cic", "Customer Interaction Center", "GLOBAL"),
)
DEMO_CANNED = (
    ("ps-lookingforexpert", "Your question belongs to another expert area. Let me check if someone is available."),
    ("ps-gotocic", "Your question is best answered by our Customer Interaction Center. "
                   "Let me check if a colleague there is available to take over."),
    ("ps-moment", "Thank you for waiting, I am still looking into this for you."),
    ("ps-closing", "Is there anything else I can help you with today?"),
)
DEMO_AGENTS = (
    AgentRecord("demo", "Demo Agent", "EMEA", "CIM", ("cim-emea", "cic"), "", 1, 0.0,
                "+49 6227 0000 100", "demo@example.com"),
    AgentRecord("expert", "Erin Expert", "GLOBAL", "CIC", ("cic",), "", 1, 0.0,
                "+49 6227 0000 200", "expert@example.com"),
)
LOADGEN_PASSWORD = "loadgen-password"
LINE = inbound.argument()
TEXT = inbound.argument(one_line=False, max_len=1_000_000)  # the 8000 limit is checked with stdin text


class UsageError(Exception):
    """Bad input from the command line: printed without a traceback."""


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r}: use 1-64 of a-z 0-9 . _ - (starting with a letter or digit)")
    return value


def _shortcut(value: str) -> str:
    return _name(value.removeprefix("/"))


def _role_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--role", type=StaffRole, choices=list(StaffRole), required=required,
                        default=None if required else StaffRole.AGENT,
                        help="agent (default), supervisor (of the --supervises queues) or admin (of every queue)")
    parser.add_argument("--supervises", action="append", default=[], type=_name, metavar="QUEUE",
                        help="a queue a supervisor watches in the console; repeat for several")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: the flags may stand before or after the subcommand without one resetting the other.
    common.add_argument("--data", type=Path, default=argparse.SUPPRESS,
                        help="data folder (SQLite database); default: per-user data folder")
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="TOML configuration file")
    common.add_argument("--store", default=argparse.SUPPRESS, metavar="URL",
                        help="where data is kept: sqlite:///PATH or postgresql://USER@HOST:PORT/DB (env ONDUTY_STORE);"
                             " default: the data folder's SQLite file")
    parser = argparse.ArgumentParser(prog="onduty-server", description=__doc__.split("\n")[0], parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", parents=[common], help="run the routing server")
    run.add_argument("--host", help="address to bind (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default 8765)")
    run.add_argument("--demo", action="store_true",
                     help="create the demo queues and a demo agent (printing its password) before starting")
    run.add_argument("--cluster", metavar="URL",
                     help="join the cluster on this Redis (redis://HOST:PORT/DB, env ONDUTY_CLUSTER); needs --store"
                          " postgresql://... shared by the nodes; default: one process on its own")
    run.add_argument("--node-id", metavar="NAME", help="this node's name in the cluster (default HOSTNAME:PORT)")
    run.add_argument("--node-url", metavar="URL",
                     help="how the other nodes reach this one, e.g. http://10.0.0.11:8765 (default http://HOST:PORT)")
    run.add_argument("--log-level", default="INFO")

    queue = sub.add_parser("queue", parents=[common], help="manage queues").add_subparsers(dest="action", required=True)
    qadd = queue.add_parser("add", parents=[common], help="add a queue")
    qadd.add_argument("name", type=_name)
    qadd.add_argument("--title", default="", type=LINE)
    qadd.add_argument("--region", default="", type=LINE)
    qadd.add_argument("--max-wait", type=float, default=None, help="seconds in line before 'try again later'")
    qadd.add_argument("--b2b", action="store_true", help="requestors need a token signed by a site")
    queue.add_parser("list", parents=[common], help="list queues")
    qhours = queue.add_parser("hours", parents=[common],
                              help="when the queue must be staffed (staffing alerts); default 24x7")
    qhours.add_argument("name", type=_name)
    qhours.add_argument("spec", type=LINE, help='24x7, off, or e.g. "mon-fri 08:00-20:00; sat 09:00-13:00"')
    qhours.add_argument("--tz", default="UTC", type=LINE, help="IANA time zone of the hours, e.g. Asia/Singapore")

    qgoal = queue.add_parser("goal", parents=[common],
                             help="the queue's service-level goal (console, reports, staffing advice); default 80%% "
                                  "within 20 s")
    qgoal.add_argument("name", type=_name)
    qgoal.add_argument("--target-s", type=float, required=True, help="answered within this many seconds counts")
    qgoal.add_argument("--service-level", type=float, required=True,
                       help="the share to answer in time, a fraction (0.8 for 80%%)")

    agent = sub.add_parser("agent", parents=[common], help="manage agents").add_subparsers(dest="action", required=True)
    aadd = agent.add_parser("add", parents=[common], help="add an agent (password from standard input)")
    aadd.add_argument("username", type=_name)
    aadd.add_argument("--queue", action="append", required=True, type=_name, help="repeat for several queues")
    aadd.add_argument("--display-name", required=True, type=LINE)
    aadd.add_argument("--region", required=True, type=LINE)
    aadd.add_argument("--lob", required=True, type=LINE, help="line of business, e.g. CIM")
    aadd.add_argument("--capacity", type=int, default=1)
    aadd.add_argument("--phone", default="", type=LINE, help="shown to colleagues in the directory (tel: link)")
    aadd.add_argument("--email", default="", type=LINE, help="shown to colleagues in the directory (mailto: link)")
    _role_arguments(aadd, required=False)
    agent.add_parser("list", parents=[common], help="list agents")
    arole = agent.add_parser("role", parents=[common], help="make an agent an agent, a supervisor or an admin")
    arole.add_argument("username", type=_name)
    _role_arguments(arole, required=True)
    apw = agent.add_parser("passwd", parents=[common], help="set an agent's password (from standard input)")
    apw.add_argument("username", type=_name)

    site = sub.add_parser("site", parents=[common], help="B2B sites").add_subparsers(dest="action", required=True)
    sadd = site.add_parser("add", parents=[common], help="add a site and print its signing secret")
    sadd.add_argument("name", type=_name)

    canned = sub.add_parser("canned", parents=[common],
                            help="canned messages per queue (agents type /shortcut)").add_subparsers(
                                dest="action", required=True)
    cadd = canned.add_parser("add", parents=[common], help="add or replace a canned message")
    cadd.add_argument("queue", type=_name)
    cadd.add_argument("shortcut", type=_shortcut, help="e.g. ps-lookingforexpert (a leading / is dropped)")
    cadd.add_argument("text", type=TEXT, help="the message; '-' reads it from standard input")
    clist = canned.add_parser("list", parents=[common], help="list canned messages")
    clist.add_argument("--queue", type=_name, action="append", help="only these queues")
    crm = canned.add_parser("remove", parents=[common], help="remove a canned message")
    crm.add_argument("queue", type=_name)
    crm.add_argument("shortcut", type=_shortcut)

    add_callback_parser(sub, common, _name)

    add_sla_parser(sub, common)
    add_staffing_parser(sub, common)
    add_report_parser(sub, common, _name)
    add_store_parser(sub, common)
    lg = sub.add_parser("loadgen-setup", parents=[common],
                        help=f"create loadgen-1..N agents (password {LOADGEN_PASSWORD!r}) for onduty-loadgen")
    lg.add_argument("--agents", type=int, required=True)
    lg.add_argument("--queue", type=_name, default="loadtest")
    return parser


def _config(args: argparse.Namespace) -> ServerConfig:
    overrides = {"data_dir": getattr(args, "data", None), "host": getattr(args, "host", None),
                 "port": getattr(args, "port", None), "store": getattr(args, "store", None),
                 "cluster": getattr(args, "cluster", None), "node_id": getattr(args, "node_id", None),
                 "node_url": getattr(args, "node_url", None)}
    return load_config(getattr(args, "config", None), overrides=overrides)


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat: ") != first:
            raise UsageError("the passwords differ")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    first = inbound.text(first, "password", max_len=1024, required=False, strip=False)
    if len(first) < 8:
        raise UsageError("a password needs at least 8 characters")
    return first


async def _admin(args: argparse.Namespace, config: ServerConfig) -> None:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(default_url(config), config)
    await store.open()
    passwords = Passwords(config.argon2_time_cost, config.argon2_memory_kib)
    try:
        match args.command, getattr(args, "action", None):
            case "queue", "add":
                max_wait = args.max_wait if args.max_wait is not None else config.default_max_wait_s
                if max_wait <= 0:
                    raise UsageError("--max-wait must be positive")
                await store.add_queue(QueueRecord(args.name, args.title, args.region, max_wait, not args.b2b))
                print(f"queue {args.name} added")
            case "queue", "list":
                hours, goals = await store.staffed_hours(), await store.service_goals()
                for q in await store.list_queues():
                    kind = "anonymous" if q.anonymous else "b2b"
                    staffed = parse_hours(*hours[q.name]).describe() if q.name in hours else "24x7"
                    aim = ServiceGoal(*goals.get(q.name, (DEFAULT_TARGET_S, DEFAULT_LEVEL))).describe()
                    print(f"{q.name}\t{q.title}\t{q.region}\tmax_wait={q.max_wait_s:g}s\t{kind}\tstaffed={staffed}"
                          f"\tgoal={aim}")
            case "queue", "hours":
                try:
                    hours_set = parse_hours(args.spec, args.tz)
                except HoursError as exc:
                    raise UsageError(str(exc)) from None
                await store.set_staffed_hours(args.name, hours_set.spec, hours_set.tz)
                print(f"{args.name} staffed: {hours_set.describe()} (a running server uses it within a minute)")
            case "queue", "goal":
                try:
                    goal = service_goal(args.target_s, args.service_level)
                except ValueError as exc:
                    raise UsageError(str(exc)) from None
                await store.set_service_goal(args.name, goal.target_s, goal.level)
                print(f"{args.name} goal: {goal.describe()}")
            case "agent", "add":
                if args.capacity < 1:
                    raise UsageError("--capacity must be at least 1")
                supervises = _checked_role(args.role, args.supervises)
                password = _read_password(f"Password for {args.username}: ")
                await store.add_agent(AgentRecord(
                    args.username, args.display_name, args.region, args.lob, tuple(args.queue),
                    passwords.hash(password), args.capacity, time.time(), args.phone.strip(), args.email.strip(),
                    args.role, supervises,
                ))
                print(f"agent {args.username} added to {', '.join(args.queue)}{_role_text(args.role, supervises)}")
            case "agent", "list":
                for a in await store.list_agents():
                    print(f"{a.username}\t{a.display_name}\t{a.region}\t{a.lob}\t{','.join(a.queues)}\t"
                          f"capacity={a.capacity}\trole={a.role.value}"
                          + (f"\tsupervises={','.join(a.supervises)}" if a.supervises else ""))
            case "agent", "role":
                supervises = _checked_role(args.role, args.supervises)
                if await store.get_agent(args.username) is None:
                    raise UsageError(f"no agent {args.username}")
                await store.set_role(args.username, args.role, supervises)
                print(f"{args.username} is now{_role_text(args.role, supervises) or ' an agent'}")
            case "agent", "passwd":
                if await store.get_agent(args.username) is None:
                    raise UsageError(f"no agent {args.username}")
                await store.set_password(args.username, passwords.hash(_read_password("New password: ")))
                print(f"password of {args.username} changed")
            case "site", "add":
                secret = secrets.token_urlsafe(32)
                await store.add_site(SiteRecord(args.name, secret))
                print(f"site {args.name} added; its signing secret (keep it on the shop's server):\n{secret}")
            case "canned", "add":
                text = args.text if args.text != "-" else inbound.text(sys.stdin.read(), "standard input",
                                                                       max_len=1_000_000, required=False)
                if not text or len(text) > 8000:
                    raise UsageError("the text must have 1 to 8000 characters")
                await store.set_canned(CannedMessage(args.queue, args.shortcut, text))
                print(f"/{args.shortcut} saved for {args.queue}")
            case "canned", "list":
                queues = args.queue or [q.name for q in await store.list_queues()]
                for c in await store.list_canned(queues):
                    print(f"{c.queue}\t/{c.shortcut}\t{c.text}")
            case "canned", "remove":
                if not await store.remove_canned(args.queue, args.shortcut):
                    raise UsageError(f"no /{args.shortcut} in {args.queue}")
                print(f"/{args.shortcut} removed from {args.queue}")
            case "callback", _:
                await callback_command(args, store, config)
            case "sla", _:
                await sla_command(args, store)
            case "report", _:
                try:
                    rows, tz = await report_rows(args, store)
                except ValueError as exc:
                    raise UsageError(str(exc)) from None
                print(report_text(rows, args.csv, args.queue, tz))
            case "loadgen-setup", _:
                await _loadgen_setup(store, passwords, args.queue, args.agents)
            case _:
                raise UsageError(f"unknown command {args.command}")
    finally:
        await store.close()


def _checked_role(role: StaffRole, supervises: Sequence[str]) -> tuple[str, ...]:
    try:
        return check_role(role, supervises)
    except ValueError as exc:
        hint = ", --supervises QUEUE" if role is StaffRole.SUPERVISOR else ", no --supervises"
        raise UsageError(f"{exc} (--role {role.value}{hint})") from None


def _role_text(role: StaffRole, supervises: Sequence[str]) -> str:
    if role is StaffRole.SUPERVISOR:
        return f", supervisor of {', '.join(supervises)}"
    return ", admin (supervises every queue)" if role is StaffRole.ADMIN else ""


async def _loadgen_setup(store: Store, passwords: Passwords, queue: str, count: int) -> None:
    if count < 1:
        raise UsageError("--agents must be at least 1")
    if await store.get_queue(queue) is None:
        await store.add_queue(QueueRecord(queue, "Load test", "TEST"))
    password_hash = passwords.hash(LOADGEN_PASSWORD)
    created = 0
    for i in range(1, count + 1):
        if await store.get_agent(f"loadgen-{i}") is None:
            await store.add_agent(AgentRecord(f"loadgen-{i}", f"Load Agent {i}", "TEST", "LOAD", (queue,),
                                              password_hash, 1, time.time()))
            created += 1
    print(f"{count} load-generator agents in queue {queue} ({created} new), password {LOADGEN_PASSWORD!r}")


async def _demo(config: ServerConfig) -> None:
    """Demo queues and an agent ``demo`` with a fresh password, printed for the first-time user."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(default_url(config), config)
    await store.open()
    passwords = Passwords(config.argon2_time_cost, config.argon2_memory_kib)
    try:
        for q in DEMO_QUEUES:
            if await store.get_queue(q.name) is None:
                await store.add_queue(q)
                for shortcut, text in DEMO_CANNED:
                    await store.set_canned(CannedMessage(q.name, shortcut, text))
        password = secrets.token_urlsafe(9)
        for agent in DEMO_AGENTS:
            if await store.get_agent(agent.username) is None:
                await store.add_agent(dataclasses.replace(agent, password_hash=passwords.hash(password),
                                                          created_at=time.time()))
            else:
                await store.set_password(agent.username, passwords.hash(password))
        if "expert" not in await store.contacts_of("demo"):
            await store.add_contact("demo", "expert", time.time())
    finally:
        await store.close()
    url = f"ws://{config.host}:{config.port}"
    bin_dir = Path(sys.executable).parent  # the commands sit beside this interpreter (.venv/bin), maybe off PATH
    print(
        "OnDuty demo\n"
        f"  data folder : {config.data_dir}\n"
        f"  queues      : {', '.join(q.name for q in DEMO_QUEUES)}\n"
        f"  agents      : demo / {password}   (queues cim-emea, cic)\n"
        f"                expert / {password}   (queue cic: to try a warm handover from a second app)\n"
        f"  agent URL   : {url}/ws/agent\n"
        f"  widget      : http://{config.host}:{config.port}/widget/\n"
        f"  health      : http://{config.host}:{config.port}/healthz\n"
        "  try a load run in another terminal:\n"
        f"    {bin_dir / 'onduty-server'} --data {config.data_dir} loadgen-setup --agents 5\n"
        f"    {bin_dir / 'onduty-loadgen'} --url {url} --agents 5 --requestors 20 --messages 5\n",
        flush=True,
    )


def _collections_ctx(config: ServerConfig) -> Callable[[web.Application], AsyncIterator[None]]:
    """The server process's garbage-collection policy (:mod:`onduty.server.collector`) while it serves."""
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        collections = FullCollections(config.gc_full_interval_s) if config.gc_full_interval_s > 0 else None
        if collections is not None:
            collections.start()
        try:
            yield
        finally:
            if collections is not None:
                collections.stop()
    return ctx


async def _run_node(config: ServerConfig) -> None:
    try:
        from onduty.server.cluster.node import ClusterError, run_node
    except ImportError as exc:
        raise UsageError(f"--cluster needs the cluster extra (pip install 'onduty[cluster]'): {exc}") from exc
    collections = FullCollections(config.gc_full_interval_s) if config.gc_full_interval_s > 0 else None
    if collections is not None:
        collections.start()  # the node's modules are loaded; what it makes as gateway or owner is collected
    try:
        await run_node(config)
    except ClusterError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        if collections is not None:
            collections.stop()


def _event_loop(config: ServerConfig) -> asyncio.AbstractEventLoop | None:
    """The loop ``run`` serves on: uvloop's when configured (an optional package), else None (aiohttp makes
    asyncio's)."""
    if config.event_loop != "uvloop":
        return None
    try:
        import uvloop
    except ImportError:
        raise ConfigError("event_loop = uvloop needs the uvloop package: pip install 'onduty[uvloop]'") from None
    return uvloop.new_event_loop()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = _config(args)
        if args.command == "staffing":
            try:
                print(staffing_text(args))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        elif args.command == "store":
            asyncio.run(store_command(args))
        elif args.command == "run":
            configure_logging(args.log_level.upper())
            if args.demo:
                asyncio.run(_demo(config))
            logging.getLogger(__name__).info("starting", extra={"host": config.host, "port": config.port,
                                                               "data": str(config.data_dir)})
            if config.cluster:
                loop = _event_loop(config)
                with asyncio.Runner(loop_factory=None if loop is None else lambda: loop) as runner:
                    runner.run(_run_node(config))
            else:
                # a deep listen backlog: hundreds of agents reconnect at once after a network blip; no access
                # log (its lines were never shown, and aiohttp made a logger per connection for them)
                app = make_app(config)
                app.cleanup_ctx.append(_collections_ctx(config))  # last: once the shell has started
                web.run_app(app, host=config.host, port=config.port, print=None, backlog=1024,
                            loop=_event_loop(config), access_log=None)
        else:
            asyncio.run(_admin(args, config))
    except (UsageError, ConfigError, StoreError, inbound.InvalidValue) as exc:
        print(f"onduty-server: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print("onduty-server: standard input is not UTF-8", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"onduty-server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
