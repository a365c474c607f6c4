"""Co-browsing (seed 004): the relay between the requestor's recording widget and the agent's viewer pages.

The rules are in :mod:`onduty.server.core.cobrowse`; this shell keeps each chat's co-browse in memory (it is
live only, never stored: co-browse data is not archived), tells the requestor, the agent and the viewers each
change, records start and stop in the transcript, relays recording chunks to the viewers without waiting for
any of them, carries the agent's pointer to the requestor, and hands out the viewer's one-time links.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass

from onduty.server.auth import new_token, token_hash
from onduty.server.config import ServerConfig
from onduty.server.core.cobrowse import TEXT, Budget, Chunks, CobrowseSession, ViewerLag, step
from onduty.server.core.decisions import Close, Decision, End, Requeue, Transferred
from onduty.server.core.model import ChatView
from onduty.server.shell.peer import Peer
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.shell.sessions import to_wire
from onduty.server.shell.writes import Writes
from onduty.server.store import Store
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.messages import (
    CobrowseChunk,
    CobrowseData,
    CobrowseLink,
    CobrowsePoint,
    CobrowseSnapshot,
    CobrowseStatus,
    CobrowseUpdate,
)
from onduty.shared.types import Role

log = logging.getLogger(__name__)
LINK_TTL_S = 60.0
"""A one-time link to the viewer must be opened within this time."""


@dataclass(frozen=True, slots=True)
class ViewerGrant:
    """Who may open the viewer of which chat (a one-time link, or the viewer page's cookie)."""

    username: str
    chat_id: str
    expires_at: float


class Cobrowse:
    def __init__(self, config: ServerConfig, store: Store, routing: Routing, delivery: Delivery, presence: Presence,
                 writes: Writes, clock: Callable[[], float]) -> None:
        self.config = config
        self.store = store
        self.routing = routing
        self.delivery = delivery
        self.presence = presence
        self.writes = writes
        self.clock = clock
        self.sessions: dict[str, CobrowseSession] = {}
        self.viewers: dict[str, dict[Peer, ViewerLag]] = {}
        self._links: dict[str, ViewerGrant] = {}
        """One-time links not yet used, by the hash of their token."""
        self._grants: dict[str, ViewerGrant] = {}
        """Viewer cookies, by the hash of their token; dropped when the chat ends or leaves the agent."""

    # --- the parties' steps -------------------------------------------------------------------

    def live_chat(self, chat_id: str) -> ChatView:
        """The chat, if it may be co-browsed now (rule 1): an agent holds it, it has not ended, its queue allows it."""
        view = self.routing.check_writable(chat_id)
        if view.agent is None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "co-browsing needs an agent in the chat")
        if view.queue in self.config.cobrowse_off_queues or "*" in self.config.cobrowse_off_queues:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "co-browsing is off for this queue")
        return view

    def invite(self, chat_id: str, username: str) -> None:
        """The agent asks the requestor to share the page."""
        self.routing.held(chat_id, username)
        self._change(chat_id, "invite", Role.AGENT)

    def start(self, chat_id: str) -> None:
        self._change(chat_id, "start", Role.REQUESTOR)

    def decline(self, chat_id: str) -> None:
        self._change(chat_id, "decline", Role.REQUESTOR)

    def stop(self, chat_id: str, who: Role) -> None:
        self.routing.check_writable(chat_id)
        self._change(chat_id, "stop", who)

    def _change(self, chat_id: str, name: str, who: Role | None) -> None:
        view = self.live_chat(chat_id) if name != "end" else self.routing.chat(chat_id)
        session = self.sessions.setdefault(chat_id, CobrowseSession(
            budget=Budget(self.config.cobrowse_chars_per_s, self.config.cobrowse_burst_chars)))
        before = session.status
        session.status, session.by = step(name, before, who), who
        agent = view.agent if view is not None else None
        agent_name = self.presence.name(agent) if agent is not None else ""
        update = CobrowseUpdate(chat_id=chat_id, status=session.status, agent_name=agent_name,
                                text=TEXT[session.status].format(agent=agent_name or "the agent"), by=who,
                                viewers=len(self.viewers.get(chat_id, {})))
        self._tell(chat_id, update)
        if session.status is before:
            return
        log.info("co-browse %s", session.status.value, extra={"chat": chat_id, "by": who.value if who else None})
        now = self.clock()
        if session.status is CobrowseStatus.ACTIVE:
            session.chunks = Chunks()  # a new start may come from a new page, which numbers its batches from 1
            self.writes.audit(now, "cobrowse_started", chat_id, agent)
            self._record(chat_id, Role.REQUESTOR, f"Co-browsing started: {agent_name or 'the agent'} sees this page.")
        elif before is CobrowseStatus.ACTIVE:
            self.writes.audit(now, "cobrowse_stopped", chat_id, agent, by=who.value if who else "chat_end")
            if who is not None:
                self._record(chat_id, who, "Co-browsing stopped.")

    def _tell(self, chat_id: str, update: CobrowseUpdate) -> None:
        self.delivery.to_party(chat_id, Role.REQUESTOR, update)
        self.delivery.to_party(chat_id, Role.AGENT, update)
        for peer in self.viewers.get(chat_id, {}):
            peer.send(update)

    def _record(self, chat_id: str, who: Role, text: str) -> None:
        """Start and stop go into the transcript as a message of the party who did it."""
        session = self.delivery.session(chat_id)
        view = self.routing.chat(chat_id)
        if session is None:
            return
        if who is Role.REQUESTOR:
            name = session.record.requestor_name
        else:
            name = self.presence.name(view.agent) if view is not None and view.agent else "Agent"

        async def post() -> None:
            message, new = await self.store.append_message(chat_id, who, name, text, self.clock(), None)
            if new:
                self.delivery.stored(message)  # to the other party
                # and to its author, which did not send it (no ``sent``): it knows every seq of the chat
                self.delivery.to_party(chat_id, who, to_wire(message))

        self.writes.background(post(), "cobrowse transcript")

    def resumed(self, chat_id: str) -> None:
        """The requestor's widget came back (e.g. on the next page of the shop): tell it the co-browse now, so it
        records again (a new full snapshot, the same session)."""
        session = self.sessions.get(chat_id)
        view = self.routing.chat(chat_id)
        if session is None or session.status not in (CobrowseStatus.ACTIVE, CobrowseStatus.INVITED):
            return
        session.chunks = Chunks()  # the new page numbers its batches from 1
        name = self.presence.name(view.agent) if view is not None and view.agent else "the agent"
        self.delivery.to_party(chat_id, Role.REQUESTOR, CobrowseUpdate(
            chat_id=chat_id, status=session.status, agent_name=name, text=TEXT[session.status].format(agent=name),
            by=session.by, viewers=len(self.viewers.get(chat_id, {}))))

    # --- the recording ------------------------------------------------------------------------

    def data(self, chat_id: str, chunk: CobrowseData) -> None:
        """Relay one chunk to the chat's viewers (rules 3 to 5); nothing is kept."""
        session = self.sessions.get(chat_id)
        if session is None or session.status is not CobrowseStatus.ACTIVE:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "co-browsing is not active")
        if not session.chunks.accept(chunk.batch, chunk.part, chunk.parts):
            return
        if not session.budget.take(len(chunk.data), self.clock()):
            session.chunks.dropped = True
            raise ProtocolError(ErrorCode.RATE_LIMITED, "co-browse budget used up: send a full snapshot later")
        frame: bytes | None = None
        ask = False
        for peer, lag in self.viewers.get(chat_id, {}).items():
            if chunk.part == 0:
                _deliver, lagging = lag.batch_starts(chunk.full, peer.backlog)
                ask = ask or lagging
            if lag.current:
                frame = frame or peer.codec.encode(CobrowseChunk(
                    chat_id=chat_id, batch=chunk.batch, part=chunk.part, parts=chunk.parts, data=chunk.data,
                    full=chunk.full))
                peer.send_frame(frame)
        if ask:
            log.info("co-browse viewer lags: skipping to the next full snapshot", extra={"chat": chat_id})
            self.delivery.to_party(chat_id, Role.REQUESTOR, CobrowseSnapshot(chat_id=chat_id))

    def point(self, chat_id: str, point: CobrowsePoint) -> None:
        """The agent's pointer, to the requestor's page (only while the page is shared)."""
        session = self.sessions.get(chat_id)
        if session is None or session.status is not CobrowseStatus.ACTIVE:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "co-browsing is not active")
        self.delivery.to_party(chat_id, Role.REQUESTOR, dataclasses.replace(point, req=None))

    # --- viewers ------------------------------------------------------------------------------

    def link(self, chat_id: str, username: str, base: str) -> CobrowseLink:
        """A one-time link to the viewer of a chat the agent holds."""
        self.routing.held(chat_id, username)
        self.live_chat(chat_id)
        token = new_token()
        expires_at = self.clock() + LINK_TTL_S
        now = self.clock()
        self._links = {h: g for h, g in self._links.items() if g.expires_at > now}
        self._links[token_hash(f"cobrowse-link:{token}")] = ViewerGrant(username, chat_id, expires_at)
        root = self.config.public_url.rstrip("/") if self.config.public_url else base
        return CobrowseLink(chat_id=chat_id, url=f"{root}/cobrowse/link/{token}", expires_at=expires_at)

    def use_link(self, token: str) -> tuple[str, ViewerGrant] | None:
        """Use up a one-time link: (the viewer cookie's token, its grant), or None (unknown, used, expired, or
        the agent no longer holds the chat)."""
        grant = self._links.pop(token_hash(f"cobrowse-link:{token}"), None)
        if grant is None or grant.expires_at <= self.clock() or not self._holds(grant):
            return None
        cookie = new_token()
        self._grants[token_hash(f"cobrowse:{cookie}")] = grant
        return cookie, grant

    def grant(self, cookie: str, chat_id: str) -> ViewerGrant | None:
        """The viewer cookie's grant, if it is for ``chat_id`` and the agent still holds the chat."""
        grant = self._grants.get(token_hash(f"cobrowse:{cookie}"))
        return grant if grant is not None and grant.chat_id == chat_id and self._holds(grant) else None

    def _holds(self, grant: ViewerGrant) -> bool:
        try:
            self.routing.held(grant.chat_id, grant.username)
            self.routing.check_writable(grant.chat_id)
        except ProtocolError:
            return False
        return True

    def add_viewer(self, chat_id: str, peer: Peer) -> None:
        """A viewer page joined: it gets the status now; if the page is shared, the requestor sends a snapshot."""
        viewers = self.viewers.setdefault(chat_id, {})
        viewers[peer] = ViewerLag(self.config.cobrowse_viewer_backlog, skipping=True)
        session = self.sessions.get(chat_id)
        view = self.routing.chat(chat_id)
        name = self.presence.name(view.agent) if view is not None and view.agent else "the agent"
        status = session.status if session is not None and session.status is not None else CobrowseStatus.STOPPED
        update = CobrowseUpdate(chat_id=chat_id, status=status, agent_name=name, text=TEXT[status].format(agent=name),
                                by=session.by if session is not None else None, viewers=len(viewers))
        peer.send(update)
        if status is CobrowseStatus.ACTIVE:
            self.delivery.to_party(chat_id, Role.REQUESTOR, CobrowseSnapshot(chat_id=chat_id))

    def remove_viewer(self, chat_id: str, peer: Peer) -> None:
        viewers = self.viewers.get(chat_id)
        if viewers is not None:
            viewers.pop(peer, None)
            if not viewers:
                del self.viewers[chat_id]

    # --- the chat's end -----------------------------------------------------------------------

    def observe(self, d: Decision) -> None:
        """A routing decision was performed: the chat's end, a requeue or a transfer stops its co-browse."""
        match d:
            case End(chat_id=chat_id) | Requeue(chat_id=chat_id) | Transferred(chat_id=chat_id):
                self._end(chat_id)
            case Close(chat_id=chat_id):
                self._end(chat_id)
                self.sessions.pop(chat_id, None)
            case _:
                pass

    def _end(self, chat_id: str) -> None:
        session = self.sessions.get(chat_id)
        if session is not None and session.status in (CobrowseStatus.ACTIVE, CobrowseStatus.INVITED):
            self._change(chat_id, "end", None)
        self._grants = {h: g for h, g in self._grants.items() if g.chat_id != chat_id}
        for peer in list(self.viewers.pop(chat_id, {})):
            peer.error(ErrorCode.CHAT_ENDED, "the chat is over or no longer yours")
            peer.close(CloseCode.NORMAL, ErrorCode.CHAT_ENDED.value)
