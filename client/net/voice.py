"""Voice call signalling for a client of either endpoint: the requests of ``shared/messages/voice.py``.

Each request that has a reply waits for its ``call_update`` (matched by ``req``); a refusal raises
:class:`RequestFailed` with the server's code (``invalid_sdp``, ``unknown_call``, ``not_allowed``...).
Candidates have no reply: written if connected, dropped otherwise (a call does not outlive its connection).
"""

from __future__ import annotations

from onduty.client.net.base import ChatClient
from onduty.shared.messages import CallAnswer, CallCandidate, CallOffer, CallRequest, CallUpdate, HangUp
from onduty.shared.types import CallEndReason, CallInfo


class CallSignals:
    """The call requests, sent over ``client``'s connection."""

    def __init__(self, client: ChatClient) -> None:
        self._client = client

    async def request(self, chat_id: str) -> CallInfo:
        return (await self._client._request(CallRequest(chat_id=chat_id), CallUpdate)).call

    async def offer(self, chat_id: str, call_id: str, sdp: str) -> CallInfo:
        return (await self._client._request(CallOffer(chat_id=chat_id, call_id=call_id, sdp=sdp), CallUpdate)).call

    async def answer(self, chat_id: str, call_id: str, sdp: str) -> CallInfo:
        return (await self._client._request(CallAnswer(chat_id=chat_id, call_id=call_id, sdp=sdp), CallUpdate)).call

    async def candidate(self, chat_id: str, call_id: str, candidate: str, sdp_mid: str | None = None,
                        sdp_mline_index: int | None = None) -> None:
        await self._client._write(CallCandidate(chat_id=chat_id, call_id=call_id, candidate=candidate,
                                                sdp_mid=sdp_mid, sdp_mline_index=sdp_mline_index))

    async def hang_up(self, chat_id: str, call_id: str, reason: CallEndReason = CallEndReason.HUNG_UP) -> CallInfo:
        return (await self._client._request(HangUp(chat_id=chat_id, call_id=call_id, reason=reason), CallUpdate)).call
