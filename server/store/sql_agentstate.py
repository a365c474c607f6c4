"""SQL for agents' duty and presence (migration 5), so a restart restores what each agent chose."""

from __future__ import annotations

import sqlite3

from onduty.server.store.errors import StoreRefused
from onduty.server.store.records import AgentState
from onduty.server.store.sql import exists
from onduty.shared.types import Presence


def save_agent_state(conn: sqlite3.Connection, username: str, on_duty: bool, presence: Presence, at: float) -> None:
    if not exists(conn, "SELECT 1 FROM agents WHERE username = ?", username):
        raise StoreRefused(f"unknown agent {username!r}")
    conn.execute(
        "INSERT INTO agent_state (username, on_duty, presence, changed_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (username) DO UPDATE SET on_duty = excluded.on_duty, presence = excluded.presence,"
        " changed_at = excluded.changed_at",
        (username, int(on_duty), Presence(presence).value, at),
    )


def agent_states(conn: sqlite3.Connection) -> dict[str, AgentState]:
    rows = conn.execute("SELECT username, on_duty, presence, changed_at FROM agent_state ORDER BY username")
    return {
        r["username"]: AgentState(r["username"], bool(r["on_duty"]), Presence(r["presence"]), r["changed_at"])
        for r in rows
    }
