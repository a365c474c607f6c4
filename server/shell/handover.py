"""Warm handover (seed 001) in the shell: what the two agents and the requestor see of it.

The router decides (:mod:`onduty.server.core.handover`); this module performs its
``DiscussionChanged`` and ``Transferred`` decisions, stores each step (discussions table and
audit trail) and relays the agents' talk during the discussion.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from onduty.server.core import events as ev
from onduty.server.core.decisions import DiscussionChanged, Transferred
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import (
    AgentJoined,
    ChatAssigned,
    ChatClosed,
    DiscussionMessage,
    DiscussionOffer,
    DiscussionUpdate,
    Partners,
)
from onduty.shared.types import ChatState, DiscussionInfo, DiscussionState, QueueAvailability, Role

if TYPE_CHECKING:
    from onduty.server.shell.hub import Hub

S = DiscussionState
log = logging.getLogger(__name__)


class Handovers:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    # --- requests from agents ----------------------------------------------------------

    def discuss(self, sender: str, chat_id: str, queue: str | None, colleague: str | None) -> str:
        discussion_id = uuid.uuid4().hex[:16]
        self.hub.apply(ev.DiscussionRequested(self.hub.clock(), discussion_id, chat_id, sender, queue, colleague))
        return discussion_id

    async def say(self, username: str, name: str, discussion_id: str, client_msg_id: str, text: str) -> None:
        d = self.hub.router.discussion(discussion_id)
        if d is None or username not in (d.sender, d.receiver):
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"no open discussion {discussion_id} of yours")
        seq, at, _new = await self.hub.store.add_discussion_message(discussion_id, username, name, text,
                                                                    self.hub.clock(), client_msg_id)
        message = DiscussionMessage(discussion_id=discussion_id, seq=seq, sender=username, sender_name=name,
                                    text=text, at=at, client_msg_id=client_msg_id)
        for party in (d.sender, d.receiver):
            if (conn := self.hub.agents.get(party)) is not None:
                conn.peer.send(message)

    async def partners(self, username: str) -> Partners:
        hub = self.hub
        queues = []
        for q in await hub.store.list_queues():
            if hub.router.has_queue(q.name):
                s = hub.router.queue_status(q.name)
                queues.append(QueueAvailability(queue=q.name, title=q.title or q.name, region=q.region,
                                                routable=s.routable, on_duty=s.on_duty))
        contacts = await hub.collab.colleagues(await hub.store.contacts_of(username))
        return Partners(queues=queues[:200], contacts=contacts)

    def resend(self, username: str) -> None:
        """After a reconnect: the agent's open discussions again."""
        for d in self.hub.router.discussions_of(username):
            self._tell(d.discussion_id, d.chat_id, d.sender, d.receiver, d.queue, d.state, d.expires_at,
                       only=username)

    # --- decisions ---------------------------------------------------------------------

    def changed(self, c: DiscussionChanged) -> None:
        now = self.hub.clock()
        self.hub.background(
            self.hub.store.save_discussion(c.discussion_id, c.chat_id, c.sender, c.receiver, c.queue, c.state, now),
            "discussion",
        )
        self.hub.audit(now, f"discussion_{c.state.value}", c.chat_id, c.sender, discussion=c.discussion_id,
                       receiver=c.receiver or "", queue=c.queue or "")
        self._tell(c.discussion_id, c.chat_id, c.sender, c.receiver, c.queue, c.state, c.expires_at)

    def transferred(self, t: Transferred) -> None:
        hub, now = self.hub, self.hub.clock()
        session = hub.sessions[t.chat_id]
        from_name = hub.names.get(t.from_agent, t.from_agent)
        if (old := session.peer(Role.AGENT)) is not None:
            session.detach(Role.AGENT)
            old.send(ChatClosed(chat_id=t.chat_id))
        hub.audit(now, "transferred", t.chat_id, t.from_agent, to=t.to_agent or "", queue=t.queue)
        log.info("chat transferred", extra={"chat": t.chat_id, "queue": t.queue, "agent": t.from_agent,
                                            "to": t.to_agent, "kind": "warm" if t.to_agent else "cold"})
        if t.to_agent is None:  # cold: back to a line; Assign or Position follows
            hub.background(hub.store.update_chat(t.chat_id, state=ChatState.WAITING, queue=t.queue), "cold")
            return
        view = hub.router.chat(t.chat_id)
        state = view.state if view is not None else ChatState.ACTIVE
        hub.background(hub.store.update_chat(t.chat_id, state=state, agent=t.to_agent, queue=t.queue), "transfer")
        if (conn := hub.agents.get(t.to_agent)) is not None:
            assigned = ChatAssigned(chat=hub.chat_info(session), waited_s=0.0, transferred_from=from_name)
            hub.attach(session, Role.AGENT, conn.peer, 0, assigned)
        if (peer := session.peer(Role.REQUESTOR)) is not None:
            peer.send(AgentJoined(chat_id=t.chat_id, agent_name=hub.names.get(t.to_agent, t.to_agent),
                                  transferred=True))

    # --- helpers -----------------------------------------------------------------------

    def _tell(self, discussion_id: str, chat_id: str, sender: str, receiver: str | None, queue: str | None,
              state: DiscussionState, expires_at: float | None, only: str | None = None) -> None:
        hub = self.hub
        info = DiscussionInfo(
            discussion_id=discussion_id, chat_id=chat_id, sender=sender, sender_name=hub.names.get(sender, sender),
            state=state, receiver=receiver, receiver_name=hub.names.get(receiver, receiver) if receiver else None,
            queue=queue, expires_at=expires_at,
        )
        text = self._text(info)
        for party in (sender, receiver):
            if party is None or (only is not None and party != only) or (conn := hub.agents.get(party)) is None:
                continue
            session = hub.sessions.get(chat_id)
            if party == receiver and state is S.OFFERED and session is not None:
                conn.peer.send(DiscussionOffer(discussion=info, chat=hub.chat_info(session)))
            else:
                conn.peer.send(DiscussionUpdate(discussion=info, text=text))

    def _text(self, d: DiscussionInfo) -> str:
        who = d.receiver_name or "the colleague"
        where = f" in {d.queue}" if d.queue else ""
        return {
            S.OFFERED: f"Waiting for {who} to accept.",
            S.ACCEPTED: f"{who} accepted: you can transfer the chat now.",
            S.TRANSFERRED: f"The chat was transferred to {who}.",
            S.DECLINED: f"{who} declined. Try another queue or colleague.",
            S.EXPIRED: f"Nobody available: {who} did not accept in time. Try another queue.",
            S.NOBODY_AVAILABLE: f"Nobody available{where} right now. Try another queue or colleague.",
            S.CANCELLED: f"{d.sender_name} withdrew the request.",
            S.RECEIVER_LEFT: f"{who} went offline.",
            S.CHAT_ENDED: "The chat ended.",
        }[d.state]
