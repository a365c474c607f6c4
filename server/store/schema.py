"""SQLite schema as an ordered list of migrations, applied by ``PRAGMA user_version``.

Migration *n* (1-based) brings a database from ``user_version = n - 1`` to ``n``. Each one
runs in its own transaction together with the version bump, so a crash mid-migration leaves
the file at the previous version. Append new migrations; never edit a released one.
"""

from __future__ import annotations

import logging
import sqlite3

from onduty.server.store.errors import StoreError, StoreUnavailable
from onduty.server.store.schema_cases import CASES

log = logging.getLogger(__name__)

_INITIAL = """
CREATE TABLE queues (
    name        TEXT PRIMARY KEY,
    title       TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    max_wait_s  REAL NOT NULL,
    anonymous   INTEGER NOT NULL CHECK (anonymous IN (0, 1))
);

CREATE TABLE agents (
    username       TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    region         TEXT NOT NULL,
    lob            TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    capacity       INTEGER NOT NULL,
    created_at     REAL NOT NULL
);

-- position keeps the order of AgentRecord.queues
CREATE TABLE agent_queues (
    username  TEXT NOT NULL REFERENCES agents(username) ON DELETE CASCADE,
    queue     TEXT NOT NULL REFERENCES queues(name),
    position  INTEGER NOT NULL,
    PRIMARY KEY (username, queue)
);
CREATE INDEX agent_queues_queue ON agent_queues(queue);

CREATE TABLE sites (
    name    TEXT PRIMARY KEY,
    secret  TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL REFERENCES agents(username) ON DELETE CASCADE,
    expires_at  REAL NOT NULL
);
CREATE INDEX sessions_username ON sessions(username);

CREATE TABLE chats (
    chat_id            TEXT PRIMARY KEY,
    queue              TEXT NOT NULL REFERENCES queues(name),
    state              TEXT NOT NULL,
    requestor_name     TEXT NOT NULL,
    request_type       TEXT NOT NULL,
    requested_at       REAL NOT NULL,
    resume_token_hash  TEXT NOT NULL,
    requestor_email    TEXT,
    requestor_id       TEXT,
    site               TEXT REFERENCES sites(name),
    context            TEXT NOT NULL DEFAULT '[]',  -- JSON list of BusinessContext
    agent              TEXT REFERENCES agents(username),
    assigned_at        REAL,
    ended_at           REAL,
    closed_at          REAL,
    end_reason         TEXT,
    last_seq           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chats_queue_requested ON chats(queue, requested_at);
CREATE INDEX chats_state ON chats(state);

CREATE TABLE messages (
    chat_id        TEXT NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    sender         TEXT NOT NULL,
    sender_name    TEXT NOT NULL,
    text           TEXT NOT NULL,
    at             REAL NOT NULL,
    client_msg_id  TEXT,
    PRIMARY KEY (chat_id, seq),
    UNIQUE (chat_id, sender, client_msg_id)
) WITHOUT ROWID;

CREATE TABLE cursors (
    chat_id    TEXT NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
    party      TEXT NOT NULL,
    acked_seq  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, party)
) WITHOUT ROWID;

-- no foreign keys: the trail must accept entries about anything, and outlive it
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       REAL NOT NULL,
    kind     TEXT NOT NULL,
    chat_id  TEXT,
    agent    TEXT,
    detail   TEXT NOT NULL DEFAULT '{}'  -- JSON object of strings
);
CREATE INDEX audit_chat ON audit(chat_id, id);
"""

_TEAM_DATA = """
-- canned messages per queue (seed 001), editable by an admin
CREATE TABLE canned (
    queue     TEXT NOT NULL REFERENCES queues(name) ON DELETE CASCADE,
    shortcut  TEXT NOT NULL,
    text      TEXT NOT NULL,
    PRIMARY KEY (queue, shortcut)
);

-- internal memos stored with a chat record (seed 000)
CREATE TABLE memos (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id  TEXT NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
    author   TEXT NOT NULL,
    text     TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX memos_chat ON memos(chat_id, id);

-- "call me back / write to me" left by requestors nobody could serve
CREATE TABLE callbacks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    queue         TEXT NOT NULL REFERENCES queues(name),
    name          TEXT NOT NULL,
    phone         TEXT,
    email         TEXT,
    text          TEXT NOT NULL,
    request_type  TEXT NOT NULL,
    context       TEXT NOT NULL DEFAULT '[]',
    chat_id       TEXT REFERENCES chats(chat_id),
    requestor_id  TEXT,
    site          TEXT,
    created_at    REAL NOT NULL,
    CHECK (phone IS NOT NULL OR email IS NOT NULL)
);
CREATE INDEX callbacks_queue ON callbacks(queue, id);

-- files exchanged in chats; the bytes live in the data folder under files/<file_id>
CREATE TABLE files (
    file_id       TEXT PRIMARY KEY,
    chat_id       TEXT NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    at            REAL NOT NULL
);
CREATE INDEX files_chat ON files(chat_id);
ALTER TABLE messages ADD COLUMN file_id TEXT REFERENCES files(file_id);
"""

_COLLAB = """
-- agents' phone and e-mail for the directory (tel: / mailto:, seed 002)
ALTER TABLE agents ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- warm handovers (seed 001): every step is kept for the chat's audit
CREATE TABLE discussions (
    discussion_id  TEXT PRIMARY KEY,
    chat_id        TEXT NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
    sender         TEXT NOT NULL,
    receiver       TEXT,
    queue          TEXT,
    state          TEXT NOT NULL,
    created_at     REAL NOT NULL,
    updated_at     REAL NOT NULL
);
CREATE INDEX discussions_chat ON discussions(chat_id);

CREATE TABLE discussion_messages (
    discussion_id  TEXT NOT NULL REFERENCES discussions(discussion_id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    sender         TEXT NOT NULL,
    sender_name    TEXT NOT NULL,
    text           TEXT NOT NULL,
    at             REAL NOT NULL,
    client_msg_id  TEXT,
    PRIMARY KEY (discussion_id, seq),
    UNIQUE (discussion_id, sender, client_msg_id)
) WITHOUT ROWID;

-- personal contacts (seed 002): always both rows, A->B and B->A
CREATE TABLE contacts (
    owner    TEXT NOT NULL REFERENCES agents(username) ON DELETE CASCADE,
    contact  TEXT NOT NULL REFERENCES agents(username) ON DELETE CASCADE,
    since    REAL NOT NULL,
    PRIMARY KEY (owner, contact)
) WITHOUT ROWID;

-- instant messages per pair of agents (a < b), one sequence per pair
CREATE TABLE im_messages (
    a              TEXT NOT NULL,
    b              TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    sender         TEXT NOT NULL,
    sender_name    TEXT NOT NULL,
    text           TEXT NOT NULL,
    context        TEXT,  -- JSON BusinessContext or NULL
    at             REAL NOT NULL,
    client_msg_id  TEXT,
    PRIMARY KEY (a, b, seq),
    UNIQUE (a, b, sender, client_msg_id)
) WITHOUT ROWID;

CREATE TABLE im_cursors (
    owner      TEXT NOT NULL,
    peer       TEXT NOT NULL,
    acked_seq  INTEGER NOT NULL,
    PRIMARY KEY (owner, peer)
) WITHOUT ROWID;

CREATE TABLE im_channels (
    owner      TEXT NOT NULL REFERENCES agents(username) ON DELETE CASCADE,
    peer       TEXT NOT NULL,
    opened_at  REAL NOT NULL,
    PRIMARY KEY (owner, peer)
) WITHOUT ROWID;
"""

_AGENT_STATE = """
-- what each agent last chose in the tray (duty and presence), so a restart restores it (issue 14)
CREATE TABLE agent_state (
    username    TEXT PRIMARY KEY REFERENCES agents(username) ON DELETE CASCADE,
    on_duty     INTEGER NOT NULL CHECK (on_duty IN (0, 1)),
    presence    TEXT NOT NULL CHECK (presence IN ('available', 'busy', 'away', 'offline')),
    changed_at  REAL NOT NULL
) WITHOUT ROWID;
"""

_CALLBACK_CLAIMS = """
-- callback requests agents act on (issue 21): who claimed one until when, and how it ended
ALTER TABLE callbacks ADD COLUMN claimed_by TEXT;
ALTER TABLE callbacks ADD COLUMN claimed_at REAL;
ALTER TABLE callbacks ADD COLUMN claimed_until REAL;
ALTER TABLE callbacks ADD COLUMN done_by TEXT;
ALTER TABLE callbacks ADD COLUMN done_at REAL;
ALTER TABLE callbacks ADD COLUMN outcome TEXT
    CHECK (outcome IS NULL OR outcome IN ('reached', 'no_answer', 'wrong_number', 'mailed'));
ALTER TABLE callbacks ADD COLUMN note TEXT;
CREATE INDEX callbacks_not_done ON callbacks(queue, id) WHERE done_at IS NULL;
"""

_CHAT_RATINGS = """
-- how the requestor rated a chat once it ended, 1 to 5 with an optional comment, once per chat (issue 21)
CREATE TABLE chat_ratings (
    chat_id   TEXT PRIMARY KEY REFERENCES chats(chat_id),
    rating    INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment   TEXT,
    rated_at  REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX chat_ratings_at ON chat_ratings(rated_at);
"""

_ROLES = """
-- staff roles (issue 17): agent, supervisor of some queues, admin of all
ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'supervisor', 'admin'));

-- the queues a supervisor watches; position keeps the order given
CREATE TABLE agent_supervises (
    username  TEXT NOT NULL REFERENCES agents(username) ON DELETE CASCADE,
    queue     TEXT NOT NULL REFERENCES queues(name),
    position  INTEGER NOT NULL,
    PRIMARY KEY (username, queue)
) WITHOUT ROWID;
"""

_STAFFING = """
-- when each queue must be staffed (issue 17); no row: 24x7
CREATE TABLE queue_hours (
    queue  TEXT PRIMARY KEY REFERENCES queues(name) ON DELETE CASCADE,
    spec   TEXT NOT NULL,  -- '24x7', 'off' or 'mon-fri 08:00-20:00; ...' (core/staffed_hours.py)
    tz     TEXT NOT NULL
) WITHOUT ROWID;

-- every staffing alert: a queue inside its staffed hours with nobody on duty (or routable)
CREATE TABLE staffing_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    queue       TEXT NOT NULL REFERENCES queues(name),
    kind        TEXT NOT NULL CHECK (kind IN ('nobody_on_duty', 'nobody_routable')),
    started_at  REAL NOT NULL,
    ended_at    REAL,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX staffing_alerts_queue ON staffing_alerts(queue, started_at);
CREATE INDEX staffing_alerts_open ON staffing_alerts(ended_at) WHERE ended_at IS NULL;
"""

_WHISPERS = """
-- what supervisors whispered to a chat's agent (issue 17): shown to the agent only, never to the requestor
CREATE TABLE whispers (
    id           INTEGER PRIMARY KEY,
    chat_id      TEXT NOT NULL REFERENCES chats(chat_id),
    sender       TEXT NOT NULL,
    sender_name  TEXT NOT NULL,
    text         TEXT NOT NULL,
    at           REAL NOT NULL
);
CREATE INDEX whispers_chat ON whispers(chat_id, id);
"""

_QUEUE_FIGURES = """
-- each queue's service-level goal (issue 17); no row: 80 % within 20 s (core/service_goal.py)
CREATE TABLE queue_goals (
    queue     TEXT PRIMARY KEY REFERENCES queues(name) ON DELETE CASCADE,
    target_s  REAL NOT NULL CHECK (target_s > 0),
    level     REAL NOT NULL CHECK (level > 0 AND level < 1)
) WITHOUT ROWID;

-- the most agents On Duty (and routable) seen in each local clock hour of a queue, for the reports
CREATE TABLE duty_hours (
    queue       TEXT NOT NULL REFERENCES queues(name) ON DELETE CASCADE,
    hour_start  REAL NOT NULL,
    on_duty     INTEGER NOT NULL CHECK (on_duty >= 0),
    routable    INTEGER NOT NULL CHECK (routable >= 0),
    PRIMARY KEY (queue, hour_start)
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (
    _INITIAL, _TEAM_DATA, CASES, _COLLAB, _AGENT_STATE, _CALLBACK_CLAIMS, _CHAT_RATINGS, _ROLES, _STAFFING,
    _WHISPERS, _QUEUE_FIGURES,
)
"""Migration scripts in order; ``MIGRATIONS[i]`` takes ``user_version`` from i to i + 1."""

SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database file (0 for a new file)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, migrations: tuple[str, ...] = MIGRATIONS) -> int:
    """Bring the database up to ``len(migrations)``; return the version it started at.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each migration is
    wrapped in its own ``BEGIN IMMEDIATE ... COMMIT`` so that the script and the version
    bump land together. A database written by a newer release is refused rather than
    guessed at, since this code cannot know what the newer schema means.
    """
    start = user_version(conn)
    target = len(migrations)
    if start > target:
        raise StoreError(
            f"database schema version {start} is newer than this release supports ({target}); "
            "upgrade OnDuty or use a matching database file"
        )
    for version in range(start + 1, target + 1):
        log.info("applying store migration %d of %d", version, target)
        try:
            # executescript commits any open transaction first, so the BEGIN lives in the
            # script itself; PRAGMA user_version is transactional in SQLite.
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{migrations[version - 1]}\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.rollback()
            raise StoreUnavailable(f"store migration {version} failed: {exc}") from exc
    return start
