"""Agents acting on callback requests: claim, done with an outcome, and lapsed claims going back to open.

The rules are :mod:`onduty.server.core.callbacks`, applied by the store in one transaction. This shell
tells the queue's agents (``callback_update``, and ``queue_status`` with the new open count) and runs
the sweep that releases lapsed claims (every ``SWEEP_S``; a test calls :meth:`CallbackWatch.sweep`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import partial

from aiohttp import web

from onduty.server.core import callbacks as rules
from onduty.server.shell.wiring import Shell
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import CallbackUpdate
from onduty.shared.types import CallbackInfo, CallbackOutcome

log = logging.getLogger(__name__)

SWEEP_S = 15.0
"""How often lapsed claims are looked for: a claim goes back to open at most this long after it lapsed."""

CLAIM_FIELDS_SINCE = 3
"""Connections of an older protocol get ``callback_list`` items without the claim fields (their decoders refuse
unknown fields); a ``callback_update`` they cannot decode is skipped by them like any unknown frame."""


def for_protocol(item: CallbackInfo, protocol: int) -> CallbackInfo:
    """``item`` as a connection of ``protocol`` can decode it (older ones refuse unknown fields)."""
    if protocol >= CLAIM_FIELDS_SINCE:
        return item
    return CallbackInfo(item.callback_id, item.queue, item.name, item.phone, item.email, item.text,
                        item.request_type, item.created_at, item.context, item.chat_id, item.verified_id)


async def claim(shell: Shell, agent: str, queues: Sequence[str], callback_id: int) -> CallbackInfo:
    """``agent`` claims the callback (a ProtocolError says why not); its queue's agents are told."""
    now = shell.clock()
    return await _change(shell, agent, queues, callback_id,
                         partial(rules.claim, agent=agent, now=now, claim_s=shell.config.callback_claim_s), "claimed")


async def finish(shell: Shell, agent: str, queues: Sequence[str], callback_id: int, outcome: CallbackOutcome,
                 note: str | None) -> CallbackInfo:
    """``agent`` marks the callback done with ``outcome``; its queue's agents are told."""
    now = shell.clock()
    return await _change(shell, agent, queues, callback_id,
                         partial(rules.finish, agent=agent, outcome=outcome, note=note, now=now), "done")


async def _change(shell: Shell, agent: str, queues: Sequence[str], callback_id: int,
                  change: partial[CallbackInfo], what: str) -> CallbackInfo:
    current = await shell.store.get_callback(callback_id)
    if current is None:
        raise ProtocolError(ErrorCode.UNKNOWN_CALLBACK, f"no callback request {callback_id}")
    if current.queue not in queues:
        raise ProtocolError(ErrorCode.NOT_ALLOWED, f"callback request {callback_id} is not of your queues")
    try:
        changed = await shell.store.change_callback(callback_id, change)
    except rules.CallbackRefused as exc:
        code = ErrorCode.CALLBACK_DONE if exc.refusal is rules.Refusal.DONE else ErrorCode.CALLBACK_CLAIMED
        raise ProtocolError(code, str(exc)) from exc
    if changed is None:  # gone between the two reads: callbacks are never deleted, so this is not expected
        raise ProtocolError(ErrorCode.UNKNOWN_CALLBACK, f"no callback request {callback_id}")
    log.info("callback request changed", extra={"callback_id": callback_id, "change": what, "agent": agent,
                                                 "queue": changed.queue,
                                                 "outcome": changed.outcome.value if changed.outcome else None})
    await tell(shell, [changed])
    return changed


async def tell(shell: Shell, items: Sequence[CallbackInfo]) -> None:
    """Each changed callback to the signed-in agents of its queue, then the queues' new open counts."""
    for item in items:
        shell.delivery.to_queue(item.queue, CallbackUpdate(item=item))
    await shell.queues.recount_callbacks({item.queue for item in items})


class CallbackWatch:
    """Releases claims that lapsed (``callback_claim_s`` after the claim, the callback not done)."""

    def __init__(self, shell: Shell) -> None:
        self._shell = shell

    async def sweep(self) -> list[CallbackInfo]:
        """Release what lapsed by the shell's clock now; returns the released callbacks."""
        shell = self._shell
        released = await shell.store.release_lapsed_callbacks(shell.clock())
        for item in released:
            log.info("callback claim lapsed", extra={"callback_id": item.callback_id, "queue": item.queue})
        await tell(shell, released)  # also recounts: a change made by the command line shows up now
        return released

    async def run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # a failing store or our bug; the watch must outlive it
                log.exception("callback sweep failed")
            await asyncio.sleep(SWEEP_S)


CALLBACK_WATCH = web.AppKey("callback_watch", CallbackWatch)
