"""The shell's parts wired together: the ports, the store, and the few steps that span them.

:func:`build_shell` is the one place that knows the in-process implementations. A
:class:`Shell` holds no state of its own: chat state is routing's, connections are
presence's and delivery's, everything durable is the store's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from onduty.server.config import ServerConfig
from onduty.server.core import RouterConfig
from onduty.server.core import events as ev
from onduty.server.shell.cobrowse import Cobrowse
from onduty.server.shell.collab import Collaboration
from onduty.server.shell.delivery import LocalDelivery
from onduty.server.shell.handover import Handovers
from onduty.server.shell.peer import Peer
from onduty.server.shell.performer import Performer
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.shell.presence import LocalPresence
from onduty.server.shell.queues import Queues
from onduty.server.shell.routing import Guard, LocalRouting
from onduty.server.shell.sessions import ChatSession
from onduty.server.shell.supervision import Supervision
from onduty.server.shell.views import agent_status, ended_frame, open_chat_info
from onduty.server.shell.voice import VoiceCalls
from onduty.server.shell.writes import Writes
from onduty.server.store import AgentRecord, Store, StoredMessage
from onduty.shared.codec import Codec
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.messages import ChatAssigned, ChatEnded, PeerTyping
from onduty.shared.types import AgentProfile, ChatInfo, FileRef, Role

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Shell:
    config: ServerConfig
    store: Store
    clock: Clock
    routing: Routing
    delivery: Delivery
    presence: Presence
    writes: Writes
    queues: Queues
    collab: Collaboration
    handovers: Handovers
    performer: Performer
    supervision: Supervision
    voice: VoiceCalls
    cobrowse: Cobrowse

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Configure every queue, restore every open chat and who was On Duty, start the timers."""
        now = self.clock()
        await self.queues.load()
        agents: dict[str, AgentRecord | None] = {}

        async def agent_of(username: str) -> AgentRecord | None:
            """Each agent read from the store once, however many open chats it holds."""
            if username not in agents:
                agent = agents[username] = await self.store.get_agent(username)
                if agent is not None:
                    self.presence.learn(agent.username, agent.display_name)
            return agents[username]

        restored = 0
        for record in await self.store.open_chats():
            first_of_agent = record.agent is not None and record.agent not in agents
            if first_of_agent and record.agent and (agent := await agent_of(record.agent)) is not None:
                self.routing.submit(ev.AgentConfigured(now, agent.username, agent.queues, agent.capacity))
            self.delivery.open(record, record.last_seq)
            self.routing.submit(ev.ChatRestored(now, record.chat_id, record.queue, record.state, record.agent,
                                                record.requested_at, record.assigned_at, record.ended_at,
                                                record.end_reason))
            restored += 1
        for state in (await self.store.agent_states()).values():
            agent = await agent_of(state.username) if state.on_duty else None
            if agent is not None:
                self.performer.saved_state[agent.username] = (state.on_duty, state.presence)
                self.routing.submit(ev.AgentRestored(now, agent.username, agent.queues, agent.capacity,
                                                     state.on_duty, state.presence))
        log.info("shell started", extra={"restored_chats": restored})
        await self.routing.start()

    async def stop(self) -> None:
        self.queues.stop()
        await self.routing.stop()
        await self.writes.drain()

    # --- agents ----------------------------------------------------------------------------

    def agent_online(self, profile: AgentProfile, peer: Peer, cursors: dict[str, int]) -> None:
        """A signed-in agent connection: replaces an older one, resumes its chats."""
        username, now = profile.username, self.clock()
        # configured before the new connection is known, so that it is told its status once, below
        self.routing.submit(ev.AgentConfigured(now, username, tuple(profile.queues), profile.capacity))
        peer.party_name = profile.display_name
        old = self.presence.connect(profile, peer)
        if old is not None:
            self._detach_chats(username, old)
            old.error(ErrorCode.REPLACED, "signed in on another connection")
            old.close(CloseCode.NORMAL, ErrorCode.REPLACED.value)
        told = self.performer.statuses_told.get(username, 0)
        self.routing.submit(ev.AgentConnected(now, username))
        if self.performer.statuses_told.get(username, 0) == told:  # nothing changed for routing: say it anyway
            peer.send(agent_status(self.routing.agent_status(username)))
        for chat_id in self.routing.agent_chats(username):
            session = self.delivery.session(chat_id)
            if session is None or session.peer(Role.AGENT) is peer:
                continue
            info = self.chat_info(session)
            waited = max(0.0, (info.assigned_at or info.created_at) - info.created_at)
            assigned = ChatAssigned(chat=info, waited_s=waited, resumed=True)
            self.delivery.attach(chat_id, Role.AGENT, peer, cursors.get(chat_id, 0), assigned)
        for queue in profile.queues:
            peer.send(self.queues.status(queue))
        self.handovers.resend(username)

    def agent_offline(self, username: str, peer: Peer, signed_out: bool) -> None:
        """The agent's connection ended; nothing changes when a newer one replaced it already."""
        if not self.presence.disconnect(username, peer):
            return
        self._detach_chats(username, peer)
        self.routing.submit(ev.AgentDisconnected(self.clock(), username, signed_out))

    def _detach_chats(self, username: str, peer: Peer) -> None:
        for chat_id in self.routing.agent_chats(username):
            self.delivery.detach(chat_id, Role.AGENT, peer)

    # --- chats -----------------------------------------------------------------------------

    async def post(self, session: ChatSession, sender: Role, sender_name: str, text: str,
                   client_msg_id: str | None, file: FileRef | None = None) -> tuple[StoredMessage, bool]:
        """Store a message (durably), then deliver it; a resent client_msg_id is not stored twice."""
        message, new = await self.store.append_message(
            session.chat_id, sender, sender_name, text, self.clock(), client_msg_id, file
        )
        self.deliver(message, new)
        return message, new

    def deliver(self, message: StoredMessage, new: bool) -> None:
        """A message is stored: deliver it, unless it was stored before (a resent client_msg_id)."""
        if new:
            self.delivery.stored(message)
            self.supervision.messages += 1

    def arrived(self, message: StoredMessage) -> None:
        """A relaying gateway stored ``message`` (a new one) for its client: deliver it here, count it."""
        self.delivery.arrived(message)
        self.supervision.messages += 1

    def typing(self, session: ChatSession, sender: Role, name: str, active: bool) -> None:
        """Relay a typing indicator to the other side, if attached; never stored."""
        other = Role.REQUESTOR if sender is Role.AGENT else Role.AGENT
        self.delivery.to_party(session.chat_id, other,
                               PeerTyping(chat_id=session.chat_id, sender=sender, name=name, active=active))

    def ack(self, session: ChatSession, party: Role, seq: int) -> None:
        """Record a delivery cursor. An ack beyond the chat's last message is refused: a later
        resume would skip what it claims."""
        if seq > session.last_seq:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"ack of seq {seq}: the chat's last is {session.last_seq}")
        self.writes.ack(session.chat_id, party, seq)

    def chat_info(self, session: ChatSession) -> ChatInfo:
        return open_chat_info(self.routing, self.presence, session)

    def ended_frame(self, chat_id: str) -> ChatEnded | None:
        return ended_frame(self.routing, chat_id)


def build_shell(config: ServerConfig, store: Store, codec: Codec, clock: Clock, guard: Guard | None = None) -> Shell:
    """The in-process shell: one routing owner, presence and delivery for this process's connections.
    ``guard`` (a cluster's routing owner) may refuse routing events while the node is not sure it
    still owns routing."""
    routing = LocalRouting(
        RouterConfig(
            agent_grace_s=config.agent_grace_s,
            requestor_grace_s=config.requestor_grace_s,
            discussion_timeout_s=config.discussion_timeout_s,
        ),
        clock,
        guard,
    )
    presence = LocalPresence()
    writes = Writes(store, config.ack_delay_s)
    delivery = LocalDelivery(presence, codec, store, writes)
    queues = Queues(store, routing, delivery, presence, clock, config.queue_status_interval_s)
    collab = Collaboration(routing, delivery, presence, store, clock)
    handovers = Handovers(routing, delivery, presence, store, writes, collab, clock)
    performer = Performer(routing, delivery, presence, store, writes, queues, handovers, collab, clock)
    routing.bind(performer)
    supervision = Supervision(routing, presence, delivery, clock)
    performer.observers.append(supervision.observe)
    voice = VoiceCalls(config, routing, delivery, presence, store, writes, clock)
    performer.observers.append(voice.observe)
    cobrowse = Cobrowse(config, store, routing, delivery, presence, writes, clock)
    performer.observers.append(cobrowse.observe)
    return Shell(config, store, clock, routing, delivery, presence, writes, queues, collab, handovers, performer,
                 supervision, voice, cobrowse)
