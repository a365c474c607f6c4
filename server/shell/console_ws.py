"""The console's live feed, ``/console/ws``: msgpack frames like the other endpoints, pushed every second.

The browser sends ``hello``; after ``welcome`` the server sends, every ``console_interval_s``, one
``console_state`` and one ``console_queue`` per queue the signed-in supervisor may watch (read again from the
store each time: a revoked role closes the feed). The browser may then monitor a live chat and whisper to its
agent (``monitor_chat``, ``stop_monitoring``, ``send_whisper``: :mod:`.monitor`). The upgrade needs the
console's session cookie and the server's own ``Origin``; without them the upgrade is answered with one
``error`` and a 1008 close.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from onduty.server.config import ServerConfig
from onduty.server.core.roles import is_supervisor, supervised
from onduty.server.shell.console_auth import console_user, same_origin
from onduty.server.shell.console_figures import ConsoleFigures, QueueDay
from onduty.server.shell.endpoint import Endpoint, stored
from onduty.server.shell.monitor import Monitor
from onduty.server.shell.peer import Peer
from onduty.server.shell.staffing_watch import StaffingWatch
from onduty.server.shell.upgrade import refuse, run_endpoint
from onduty.server.shell.wiring import Shell
from onduty.shared.codec import Codec
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.messages import ConsoleQueue, ConsoleState, Message, MonitorChat, SendWhisper, StopMonitoring
from onduty.shared.types import ConsoleAgent, ConsoleAlert, ConsoleChat

log = logging.getLogger(__name__)


def queue_view(shell: Shell, watch: StaffingWatch, queue: str, title: str, day: QueueDay | None = None) -> ConsoleQueue:
    """What the console shows of one queue now (with today's figures when they have been read)."""
    status = shell.routing.queue_status(queue)
    answered = day.answered_by if day is not None else {}
    agents = [ConsoleAgent(username=v.username, display_name=v.display_name, activity=v.activity, since=v.since,
                           chats=len(v.chats), chats_today=answered.get(v.username, 0))
              for v in shell.supervision.agents(queue)][:256]
    alert = watch.open.get(queue)
    chats = []
    for view in shell.supervision.agents(queue):
        for chat_id in view.chats:
            chat, session = shell.routing.chat(chat_id), shell.delivery.session(chat_id)
            if chat is not None and session is not None and chat.queue == queue:
                chats.append(ConsoleChat(chat_id=chat_id, agent=view.username, agent_name=view.display_name,
                                         requestor_name=session.record.requestor_name,
                                         since=chat.assigned_at or chat.requested_at))
    chats.sort(key=lambda c: (c.since, c.chat_id))
    return ConsoleQueue(
        queue=queue, title=title, waiting=status.waiting, longest_wait_s=shell.supervision.longest_wait(queue),
        on_duty=status.on_duty, routable=status.routable, callbacks=shell.queues.callbacks(queue),
        staffed=watch.hours(queue).staffed(shell.clock()), agents=agents,
        alert=ConsoleAlert(alert_id=alert.alert_id, kind=alert.kind, started_at=alert.started_at, text=alert.text)
        if alert is not None else None,
        chats=chats[:256], today=day.today if day is not None else None,
    )


class ConsoleEndpoint(Endpoint):
    """One signed-in supervisor's feed."""

    def __init__(self, shell: Shell, peer: Peer, config: ServerConfig, watch: StaffingWatch, figures: ConsoleFigures,
                 username: str) -> None:
        super().__init__(shell, peer, config)
        self.watch = watch
        self.figures = figures
        self.username = username
        self._pusher: asyncio.Task[None] | None = None
        self.monitor = Monitor(shell, peer, username)

    async def dispatch(self, message: Message) -> None:
        """Monitor and whisper (the codec refuses every type but these and ``hello``)."""
        match message:
            case MonitorChat(chat_id=chat_id):
                await self.monitor.monitor(chat_id)
            case StopMonitoring(chat_id=chat_id):
                self.monitor.stop(chat_id)
            case SendWhisper(chat_id=chat_id, text=text):
                await stored(self.monitor.whisper(chat_id, text))
            case _:
                raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"{message.TYPE} is not for the console",
                                    ref=message.TYPE)

    def _hello(self, message: Message) -> None:
        """``hello`` is answered as on every endpoint; then the pictures begin."""
        super()._hello(message)
        if self._pusher is None:
            self._pusher = asyncio.get_running_loop().create_task(self._push(), name=f"console-{self.username}")

    async def _push(self) -> None:
        while not self.peer.closed:
            agent = await self.shell.store.get_agent(self.username)
            if agent is None or not is_supervisor(agent.role):
                self.peer.log.warning("console closed: no longer a supervisor", extra={"user": self.username})
                self.peer.error(ErrorCode.NOT_ALLOWED, "you are no longer a supervisor")
                self.peer.close(CloseCode.POLICY_VIOLATION, ErrorCode.NOT_ALLOWED.value)
                return
            records = {q.name: q for q in self.shell.queues.records()}
            queues = supervised(agent.role, agent.supervises, sorted(records, key=lambda n: records[n].title or n))
            days = {name: await self.figures.day(name) for name in queues[:256]}
            if self.peer.closed:
                return
            self.peer.send(ConsoleState(at=self.shell.clock(), username=agent.username,
                                        display_name=agent.display_name, queues=queues[:256]))
            for name in queues[:256]:
                self.peer.send(queue_view(self.shell, self.watch, name, records[name].title or name, days[name]))
            await asyncio.sleep(self.config.console_interval_s)

    def gone(self) -> None:
        self.monitor.gone()
        if self._pusher is not None:
            self._pusher.cancel()


def add_console_ws(app: web.Application, config: ServerConfig, codec: Codec, shell_of: Callable[[web.Request], Shell],
                   watch_of: Callable[[web.Request], StaffingWatch],
                   figures_of: Callable[[web.Request], ConsoleFigures],
                   peers: Callable[[web.Request], set[Peer]]) -> None:
    async def console_ws(request: web.Request) -> web.StreamResponse:
        shell = shell_of(request)
        agent = await console_user(request, shell) if same_origin(request, config) else None
        ws = web.WebSocketResponse(heartbeat=config.heartbeat_s, max_msg_size=config.max_frame)
        if not ws.can_prepare(request).ok:
            return web.json_response({"code": "bad_request", "detail": "a WebSocket upgrade"}, status=400)
        await ws.prepare(request)
        if agent is None:
            log.warning("console feed refused", extra={"origin": request.headers.get("Origin", "")[:200]})
            return await refuse(ws, codec, ErrorCode.NOT_AUTHENTICATED, "sign in to the console first (from its page)")
        watch, figures, username = watch_of(request), figures_of(request), agent.username
        return await run_endpoint(ws, codec, config, "console", peers(request),  # run() calls gone() at its end
                                  lambda peer: ConsoleEndpoint(shell, peer, config, watch, figures, username))

    app.router.add_get("/console/ws", console_ws)

