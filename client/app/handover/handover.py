"""The warm handover as the app drives it: the discussions I send and receive, and the requests for them.

Fed by the session with the server's ``discussion_offer`` / ``discussion_update`` / ``discussion_message``;
widgets (partner picker, discussion panels, the chat window's handover bar) read the models and call
the methods here, which run the requests as tasks (never awaited by a widget).
"""

from __future__ import annotations

from onduty.client.app.handover.discussion import DiscussionModel
from onduty.client.app.qt.core import QObject, Signal
from onduty.client.desk.backend import Backend
from onduty.shared.messages import DiscussionMessage, DiscussionOffer, DiscussionUpdate, Partners

HandoverEvent = DiscussionOffer | DiscussionUpdate | DiscussionMessage


class Handovers(QObject):
    offered = Signal(str)
    """A discussion was offered to me (receiver): open its panel and notify. Carries its id."""
    updated = Signal(str)
    """A discussion changed (state or talk); carries its id."""
    partners_changed = Signal(object)
    """The latest :class:`Partners` (queues with availability, my contacts)."""

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self.discussions: dict[str, DiscussionModel] = {}
        self.partners: Partners | None = None

    @property
    def me(self) -> str:
        return self._backend.client.username

    # --- reading -----------------------------------------------------------------------------

    def queue_title(self, queue: str) -> str:
        return self._backend.queue_title(queue)

    def for_chat(self, chat_id: str) -> DiscussionModel | None:
        """The discussion I started about ``chat_id``: the open one, else the latest."""
        mine = [d for d in self.discussions.values() if d.is_sender and d.info.chat_id == chat_id]
        return next((d for d in reversed(mine) if d.open), mine[-1] if mine else None)

    def accepted(self, chat_id: str) -> bool:
        d = self.for_chat(chat_id)
        return d is not None and d.can_transfer

    # --- events from the session -------------------------------------------------------------

    def apply(self, event: HandoverEvent) -> None:
        match event:
            case DiscussionOffer(discussion=info, chat=chat):
                model = self.discussions.get(info.discussion_id)
                if model is None:
                    model = DiscussionModel(info, self.me, chat, parent=self)
                    self.discussions[info.discussion_id] = model
                    self.load_transcript(info.discussion_id)
                    self.offered.emit(info.discussion_id)
                else:
                    model.update(info)
                self.updated.emit(info.discussion_id)
            case DiscussionUpdate(discussion=info, text=text):
                model = self.discussions.get(info.discussion_id)
                if model is None:
                    model = DiscussionModel(info, self.me, text=text, parent=self)
                    self.discussions[info.discussion_id] = model
                else:
                    model.update(info, text)
                self.updated.emit(info.discussion_id)
            case DiscussionMessage(discussion_id=discussion_id):
                if (model := self.discussions.get(discussion_id)) is not None:
                    model.add_talk(event)
                    self.updated.emit(discussion_id)

    # --- requests ----------------------------------------------------------------------------

    def refresh_partners(self) -> None:
        self._backend.run(self._backend.client.get_partners(), self._got_partners, "Partners")

    def _got_partners(self, partners: Partners) -> None:
        self.partners = partners
        self.partners_changed.emit(partners)

    def discuss(self, chat_id: str, *, queue: str | None = None, colleague: str | None = None) -> None:
        """Step 2: "Send request" to a queue's routable agent or to a colleague."""
        self._backend.run(self._backend.client.discuss(chat_id, queue=queue, colleague=colleague),
                          what="Discussion request")

    def say(self, discussion_id: str, text: str) -> None:
        if text.strip():
            self._backend.run(self._backend.client.discussion_say(discussion_id, text.strip()), what="Discussion")

    def answer(self, discussion_id: str, accept: bool) -> None:
        self._backend.run(self._backend.client.answer_discussion(discussion_id, accept),
                          what="Accept" if accept else "Decline")

    def cancel(self, discussion_id: str) -> None:
        self._backend.run(self._backend.client.cancel_discussion(discussion_id), what="Withdraw")

    def transfer(self, discussion_id: str) -> None:
        """Step 4; the button is only enabled once accepted (the server refuses it before, too)."""
        self._backend.run(self._backend.client.transfer(discussion_id), what="Transfer")

    def cold_transfer(self, chat_id: str, queue: str) -> None:
        self._backend.run(self._backend.client.cold_transfer(chat_id, queue), what="Cold transfer")

    def load_transcript(self, discussion_id: str) -> None:
        """The chat's history so far, for the receiver (allowed while the discussion is open)."""
        model = self.discussions.get(discussion_id)
        if model is not None:
            self._backend.run(self._backend.client.get_transcript(model.info.chat_id), model.set_transcript,
                              "Chat history")
