"""The Delivery port in one process: frames to the parties connected to this server.

Agents are found through :class:`~onduty.server.shell.presence.LocalPresence`; a chat's
requestor and agent through the chat's :class:`~onduty.server.shell.sessions.ChatSession`,
which also keeps each open chat's messages in ``seq`` order for its attached parties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from onduty.server.shell.feed import Feed
from onduty.server.shell.peer import Peer
from onduty.server.shell.presence import LocalPresence
from onduty.server.shell.sessions import ChatSession
from onduty.server.shell.writes import Writes
from onduty.server.store import Store
from onduty.server.store.records import ChatRecord, StoredMessage
from onduty.shared.codec import Codec
from onduty.shared.messages import Message
from onduty.shared.types import Role


class LocalDelivery:
    def __init__(self, presence: LocalPresence, codec: Codec, store: Store, writes: Writes) -> None:
        self._presence = presence
        self._codec = codec
        self._store = store
        self._writes = writes
        self._chats: dict[str, ChatSession] = {}
        self._feed = Feed(store, writes, self._chats.get, self.open_sessions)
        self.published: list[Callable[[StoredMessage], None]] = []
        """Told every message stored here (a cluster's routing owner publishes them to the other nodes)."""

    # --- agents ------------------------------------------------------------------------------

    def to_agent(self, username: str, message: Message) -> bool:
        peer = self._presence.peer(username)
        if peer is None:
            return False
        peer.send(message)
        return True

    def to_agents(self, usernames: Iterable[str], message: Message) -> None:
        frame: bytes | None = None
        for username in usernames:
            if (peer := self._presence.peer(username)) is not None:
                frame = frame or self._codec.encode(message)
                peer.send_shared(message, frame)

    def to_queue(self, queue: str, message: Message) -> None:
        self.to_agents(self._presence.members(queue), message)

    # --- chat parties ------------------------------------------------------------------------

    def to_party(self, chat_id: str, role: Role, message: Message) -> bool:
        session = self._chats.get(chat_id)
        peer = session.peer(role) if session is not None else None
        if peer is None:
            return False
        peer.send(message)
        return True

    def to_chat(self, chat_id: str, message: Message) -> None:
        session = self._chats.get(chat_id)
        if session is None or not (session.parties or session.watchers):
            return
        frame = self._codec.encode(message)
        for attached in [*session.parties.values(), *session.watchers.values()]:
            attached.peer.send_shared(message, frame)

    def to_watchers(self, chat_id: str, message: Message) -> None:
        session = self._chats.get(chat_id)
        if session is None or not session.watchers:
            return
        frame = self._codec.encode(message)
        for attached in list(session.watchers.values()):
            attached.peer.send_shared(message, frame)

    # --- open chats --------------------------------------------------------------------------

    def open(self, record: ChatRecord, last_seq: int = 0) -> ChatSession:
        session = self._chats[record.chat_id] = ChatSession(record=record, last_seq=last_seq)
        return session

    def close(self, chat_id: str) -> ChatSession | None:
        session = self._chats.pop(chat_id, None)
        if session is not None:
            session.detach_all()
        return session

    def session(self, chat_id: str) -> ChatSession | None:
        return self._chats.get(chat_id)

    def count(self) -> int:
        return len(self._chats)

    def open_sessions(self) -> list[ChatSession]:
        return list(self._chats.values())

    def attach(self, chat_id: str, role: Role, peer: Peer, after_seq: int, first: Message | None = None) -> None:
        session = self._chats[chat_id]
        if first is not None:
            peer.send(first)
        attached = session.attach(role, peer, after_seq)
        if not peer.relayed:  # a relaying gateway replays itself
            self._writes.background(session.replay(role, attached, self._store), "replay")

    def watch(self, chat_id: str, peer: Peer, first: Message) -> bool:
        session = self._chats.get(chat_id)
        if session is None:
            return False
        attached = session.watch(peer)
        peer.send(first)
        self._writes.background(session.replay(peer, attached, self._store), "replay")
        return True

    def unwatch(self, chat_id: str, peer: Peer) -> bool:
        session = self._chats.get(chat_id)
        return session is not None and session.unwatch(peer)

    def attach_agent(self, chat_id: str, username: str, first: Message) -> bool:
        peer = self._presence.peer(username)
        if peer is None:
            return False
        self.attach(chat_id, Role.AGENT, peer, 0, first)
        return True

    def detach(self, chat_id: str, role: Role, peer: Peer | None = None) -> Peer | None:
        session = self._chats.get(chat_id)
        if session is None:
            return None
        current = session.peer(role)
        if current is None or (peer is not None and current is not peer):
            return None
        session.detach(role)
        return current

    def stored(self, message: StoredMessage) -> None:
        self.arrived(message)
        for publish in self.published:
            publish(message)

    def arrived(self, message: StoredMessage) -> None:
        """A message another cluster node stored: delivered here, not published again."""
        self._feed.arrived(message)
