"""Warm handover (seed 001) in the shell: what the two agents and the requestor see of it.

The router decides (:mod:`onduty.server.core.handover`); this module performs its
``DiscussionChanged`` and ``Transferred`` decisions, stores each step (discussions table and
audit trail) and relays the agents' talk during the discussion. Each agent's wording: :mod:`.handover_texts`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from onduty.server.core import events as ev
from onduty.server.core.decisions import DiscussionChanged, Transferred
from onduty.server.shell.collab import Collaboration
from onduty.server.shell.handover_texts import receiver_text, sender_text
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.shell.views import open_chat_info
from onduty.server.shell.writes import Writes
from onduty.server.store import Store
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

S = DiscussionState
log = logging.getLogger(__name__)


class Handovers:
    def __init__(self, routing: Routing, delivery: Delivery, presence: Presence, store: Store, writes: Writes,
                 collab: Collaboration, clock: Callable[[], float]) -> None:
        self.routing = routing
        self.delivery = delivery
        self.presence = presence
        self.store = store
        self.writes = writes
        self.collab = collab
        self.clock = clock

    # --- requests from agents ----------------------------------------------------------

    def discuss(self, sender: str, chat_id: str, queue: str | None, colleague: str | None) -> str:
        discussion_id = uuid.uuid4().hex[:16]
        self.routing.submit(ev.DiscussionRequested(self.clock(), discussion_id, chat_id, sender, queue, colleague))
        return discussion_id

    async def say(self, username: str, name: str, discussion_id: str, client_msg_id: str, text: str) -> None:
        d = self.routing.discussion(discussion_id)
        if d is None or username not in (d.sender, d.receiver):
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"no open discussion {discussion_id} of yours")
        seq, at, _new = await self.store.add_discussion_message(discussion_id, username, name, text,
                                                                self.clock(), client_msg_id)
        message = DiscussionMessage(discussion_id=discussion_id, seq=seq, sender=username, sender_name=name,
                                    text=text, at=at, client_msg_id=client_msg_id)
        self.delivery.to_agents((d.sender, d.receiver), message)

    async def partners(self, username: str) -> Partners:
        queues = []
        for q in await self.store.list_queues():
            if self.routing.has_queue(q.name):
                s = self.routing.queue_status(q.name)
                queues.append(QueueAvailability(queue=q.name, title=q.title or q.name, region=q.region,
                                                routable=s.routable, on_duty=s.on_duty))
        contacts = await self.collab.colleagues(await self.store.contacts_of(username))
        return Partners(queues=queues[:200], contacts=contacts)

    def resend(self, username: str) -> None:
        """After a reconnect: the agent's open discussions again."""
        for d in self.routing.discussions_of(username):
            self._tell(d.discussion_id, d.chat_id, d.sender, d.receiver, d.queue, d.state, d.expires_at,
                       only=username)

    # --- decisions ---------------------------------------------------------------------

    def changed(self, c: DiscussionChanged) -> None:
        now = self.clock()
        self.writes.background(
            self.store.save_discussion(c.discussion_id, c.chat_id, c.sender, c.receiver, c.queue, c.state, now),
            "discussion",
        )
        self.writes.audit(now, f"discussion_{c.state.value}", c.chat_id, c.sender, discussion=c.discussion_id,
                       receiver=c.receiver or "", queue=c.queue or "")
        self._tell(c.discussion_id, c.chat_id, c.sender, c.receiver, c.queue, c.state, c.expires_at)

    def transferred(self, t: Transferred) -> None:
        now = self.clock()
        if (old := self.delivery.detach(t.chat_id, Role.AGENT)) is not None:
            old.send(ChatClosed(chat_id=t.chat_id))
        self.writes.audit(now, "transferred", t.chat_id, t.from_agent, to=t.to_agent or "", queue=t.queue)
        log.info("chat transferred", extra={"chat": t.chat_id, "queue": t.queue, "agent": t.from_agent,
                                            "to": t.to_agent, "kind": "warm" if t.to_agent else "cold"})
        if t.to_agent is None:  # cold: back to a line; Assign or Position follows
            self.writes.background(self.store.update_chat(t.chat_id, state=ChatState.WAITING, queue=t.queue),
                                   "cold")
            return
        view = self.routing.chat(t.chat_id)
        state = view.state if view is not None else ChatState.ACTIVE
        self.writes.background(self.store.update_chat(t.chat_id, state=state, agent=t.to_agent, queue=t.queue),
                               "transfer")
        session = self.delivery.session(t.chat_id)
        if session is not None and self.presence.is_connected(t.to_agent):
            info = open_chat_info(self.routing, self.presence, session)
            assigned = ChatAssigned(chat=info, waited_s=0.0, transferred_from=self.presence.name(t.from_agent))
            self.delivery.attach_agent(t.chat_id, t.to_agent, assigned)
        self.delivery.to_party(t.chat_id, Role.REQUESTOR,
                               AgentJoined(chat_id=t.chat_id, agent_name=self.presence.name(t.to_agent),
                                           transferred=True))

    # --- helpers -----------------------------------------------------------------------

    def _tell(self, discussion_id: str, chat_id: str, sender: str, receiver: str | None, queue: str | None,
              state: DiscussionState, expires_at: float | None, only: str | None = None) -> None:
        names = self.presence
        info = DiscussionInfo(
            discussion_id=discussion_id, chat_id=chat_id, sender=sender, sender_name=names.name(sender),
            state=state, receiver=receiver, receiver_name=names.name(receiver) if receiver else None,
            queue=queue, expires_at=expires_at,
        )
        for party in (sender, receiver):
            if party is None or (only is not None and party != only):
                continue
            session = self.delivery.session(chat_id)
            if party == receiver and state is S.OFFERED and session is not None:
                offer = DiscussionOffer(discussion=info, chat=open_chat_info(self.routing, self.presence, session))
                self.delivery.to_agent(party, offer)
            else:
                text = sender_text(info) if party == sender else receiver_text(info)
                self.delivery.to_agent(party, DiscussionUpdate(discussion=info, text=text))
