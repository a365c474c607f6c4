"""Monitor and whisper: a supervisor watches a live chat of its queues read-only and whispers to its agent.

The supervisor's console connection is a watcher of the chat's session (``Delivery.watch``): it gets the
chat's messages in ``seq`` order like an attached party, but it cannot send into the chat. A whisper is
stored, then sent to the chat's agent and to the supervisors watching the chat; never to the requestor.
The account is read from the store on every request, and ``may_supervise`` decides.
"""

from __future__ import annotations

from onduty.server.core.roles import may_supervise
from onduty.server.shell.peer import Peer
from onduty.server.shell.sessions import whisper_frame
from onduty.server.shell.wiring import Shell
from onduty.server.store import AgentRecord
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import Monitoring
from onduty.shared.types import ChatState, Role


class Monitor:
    """One console connection's watched chats."""

    def __init__(self, shell: Shell, peer: Peer, username: str) -> None:
        self.shell = shell
        self.peer = peer
        self.username = username
        self.watching: set[str] = set()

    async def _allowed(self, chat_id: str) -> tuple[AgentRecord, str]:
        """The account and the chat's queue, or a typed refusal: unknown chat, not supervised, ended."""
        view = self.shell.routing.chat(chat_id)
        session = self.shell.delivery.session(chat_id)
        if view is None or session is None:
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, f"no live chat {chat_id!r}")
        agent = await self.shell.store.get_agent(self.username)
        if agent is None or not may_supervise(agent.role, agent.supervises, view.queue):
            self.peer.log.warning("monitor refused: queue not supervised",
                                  extra={"user": self.username, "chat": chat_id, "queue": view.queue})
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"you do not supervise queue {view.queue!r}")
        if view.state in (ChatState.ENDED, ChatState.CLOSED):
            raise ProtocolError(ErrorCode.CHAT_ENDED, "this chat has ended")
        return agent, view.queue

    async def monitor(self, chat_id: str) -> None:
        await self._allowed(chat_id)
        session = self.shell.delivery.session(chat_id)
        if session is None:  # closed while the account was read
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, f"no live chat {chat_id!r}")
        # the replay sends the transcript with the stored whispers in place (sessions.py)
        if not self.shell.delivery.watch(chat_id, self.peer, Monitoring(chat=self.shell.chat_info(session))):
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, f"no live chat {chat_id!r}")
        self.watching.add(chat_id)
        self.peer.log.info("monitoring chat", extra={"user": self.username, "chat": chat_id})

    def stop(self, chat_id: str) -> None:
        self.watching.discard(chat_id)
        self.shell.delivery.unwatch(chat_id, self.peer)

    async def whisper(self, chat_id: str, text: str) -> None:
        agent, _queue = await self._allowed(chat_id)
        view = self.shell.routing.chat(chat_id)
        if view is None or view.agent is None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "no agent holds this chat yet: nobody to whisper to")
        if not text.strip():
            raise ProtocolError(ErrorCode.INVALID_VALUE, "a whisper needs some text")
        w = await self.shell.store.add_whisper(chat_id, agent.username, agent.display_name, text, self.shell.clock())
        if (session := self.shell.delivery.session(chat_id)) is not None:
            session.whispered = True  # replays from now on read the chat's whispers
        frame = whisper_frame(w)
        self.shell.delivery.to_party(chat_id, Role.AGENT, frame)
        self.shell.delivery.to_watchers(chat_id, frame)
        if chat_id not in self.watching:
            self.peer.send(frame)  # the reply to send_whisper, when the whisperer does not watch the chat
        self.peer.log.info("whisper stored", extra={"user": self.username, "chat": chat_id, "agent": view.agent})

    def gone(self) -> None:
        for chat_id in list(self.watching):
            self.stop(chat_id)
