"""What each agent of a warm handover reads in its ``discussion_update``: the sender and the receiver are
told the same change in their own words (the receiver is never told to transfer the chat to itself)."""

from __future__ import annotations

from onduty.shared.types import DiscussionInfo, DiscussionState

S = DiscussionState


def sender_text(d: DiscussionInfo) -> str:
    who = d.receiver_name or "the colleague"
    where = f" in {d.queue}" if d.queue else ""
    return {
        S.OFFERED: f"Waiting for {who} to accept.",
        S.ACCEPTED: f"{who} accepted: you can transfer the chat now.",
        S.TRANSFERRED: f"The chat was transferred to {who}.",
        S.DECLINED: f"{who} declined. Try another queue or colleague.",
        S.EXPIRED: f"Nobody available: {who} did not accept in time. Try another queue.",
        S.NOBODY_AVAILABLE: f"Nobody available{where} right now. Try another queue or colleague.",
        S.CANCELLED: "You withdrew the request.",
        S.RECEIVER_LEFT: f"{who} went offline.",
        S.CHAT_ENDED: "The chat ended.",
    }[d.state]


def receiver_text(d: DiscussionInfo) -> str:
    who = d.sender_name
    return {
        S.OFFERED: f"{who} asks you to take over this chat. Accept or decline.",
        S.ACCEPTED: f"You accepted. {who} can transfer the chat to you now.",
        S.TRANSFERRED: f"{who} transferred the chat to you.",
        S.DECLINED: "You declined the request.",
        S.EXPIRED: f"You did not accept in time; the request went back to {who}.",
        S.NOBODY_AVAILABLE: "Nobody was available.",
        S.CANCELLED: f"{who} withdrew the request.",
        S.RECEIVER_LEFT: f"You went offline; the request went back to {who}.",
        S.CHAT_ENDED: "The chat ended.",
    }[d.state]
