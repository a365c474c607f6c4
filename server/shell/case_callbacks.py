"""Callback and e-mail requests left in the widget become New cases of their queue (seed 004)."""

from __future__ import annotations

import logging

from onduty.server.auth import new_token, token_hash
from onduty.server.core import cases as rules
from onduty.server.core.cases import (
    Case,
    Priority,
    Requestor,
)
from onduty.server.store import Store, StoreError
from onduty.server.store.base import case_store
from onduty.server.store.records import NewCase
from onduty.shared.types import CallbackInfo

log = logging.getLogger(__name__)


# ---- callbacks become cases -------------------------------------------------------------------------


async def case_from_callback(store: Store, callback: CallbackInfo, callback_id: int, now: float) -> Case | None:
    """Turn a callback / e-mail request left in the widget into a New case of its queue (seed 004).

    Never raises: the request is already stored, and the conversion at startup retries what failed.
    """
    try:
        cases = case_store(store)
        kind = "Call-back request" if callback.phone else "E-mail request"
        first_line = callback.text.strip().splitlines()[0][:120] if callback.text.strip() else ""
        context = "".join(f"\n{c.kind} {c.id} {c.title}".rstrip() for c in callback.context)
        chat_id = callback.chat_id
        if chat_id is not None and await cases.case_of_chat(chat_id) is not None:
            chat_id = None
        case = await cases.create_case(NewCase(
            title=f"{kind}: {first_line}" if first_line else f"{kind} from {callback.name}",
            description=callback.text + context, queue=callback.queue, priority=Priority.MEDIUM,
            requestor=Requestor(callback.name, callback.email, callback.phone, callback.verified_id),
            created_by=rules.SYSTEM, at=now, source=f"callback:{callback_id}", chat_id=chat_id,
            callback_id=callback_id, site=await cases.callback_site(callback_id),
        ), token_hash(new_token()))
    except (StoreError, TypeError) as exc:
        log.error("callback request not turned into a case", extra={"callback_id": callback_id, "error": str(exc)})
        return None
    log.info("callback request became a case", extra={"callback_id": callback_id, "case": case.number})
    return case


async def convert_callbacks(store: Store, now: float) -> int:
    """Cases for every callback request that has none yet (those stored before cases existed)."""
    made = 0
    for callback_id, callback in await case_store(store).callbacks_without_case():
        made += await case_from_callback(store, callback, callback_id, now) is not None
    return made


