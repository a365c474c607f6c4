"""Migration 3: case records (issue 6). Queries are in :mod:`onduty.server.store.sql_cases`.

A case links chats instead of copying them: its transcript, memos and files are read from the chat
tables, which keep them for good. Everything said to the customer (External Info) and every
documented phone call or e-mail (interactions) is stored with the case.
"""

CASES = """
-- the case number is the id
CREATE TABLE cases (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    queue              TEXT NOT NULL REFERENCES queues(name),
    priority           TEXT NOT NULL CHECK (priority IN ('very_high', 'high', 'medium', 'low')),
    state              TEXT NOT NULL
                       CHECK (state IN ('new', 'in_process', 'awaiting_info', 'solved', 'closed')),
    owner              TEXT REFERENCES agents(username),
    requestor_name     TEXT NOT NULL,
    requestor_email    TEXT,
    requestor_phone    TEXT,
    requestor_id       TEXT,
    site               TEXT,
    callback_id        INTEGER UNIQUE REFERENCES callbacks(id),
    created_at         REAL NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         REAL NOT NULL,
    first_response_at  REAL
);
CREATE INDEX cases_queue_state ON cases(queue, state);
CREATE INDEX cases_owner_state ON cases(owner, state);

-- links given to the customer (/case/<token>); only hashes are kept, one row per link sent
CREATE TABLE case_tokens (
    token_hash  TEXT PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    created_at  REAL NOT NULL
);
CREATE INDEX case_tokens_case ON case_tokens(case_id);

-- a chat belongs to at most one case
CREATE TABLE case_chats (
    chat_id    TEXT PRIMARY KEY REFERENCES chats(chat_id),
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    linked_at  REAL NOT NULL,
    linked_by  TEXT NOT NULL
);
CREATE INDEX case_chats_case ON case_chats(case_id, linked_at);

-- who changed what when (state, priority, owner, external_info, chat links...)
CREATE TABLE case_history (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at       REAL NOT NULL,
    actor    TEXT NOT NULL,
    what     TEXT NOT NULL,
    old      TEXT NOT NULL DEFAULT '',
    new      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_history_case ON case_history(case_id, id);

-- seed 003 option A: External Info sent with Save / Save Reply, and the customer's answers
CREATE TABLE external_infos (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('save', 'save_reply', 'answer')),
    author       TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    text         TEXT NOT NULL,
    at           REAL NOT NULL,
    mail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX external_infos_case ON external_infos(case_id, id);

-- seed 003 option B: phone calls and e-mails documented by the agent
CREATE TABLE interactions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    type        TEXT NOT NULL CHECK (type IN ('phone', 'email')),
    direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    contact     TEXT NOT NULL,
    summary     TEXT NOT NULL,
    started_at  REAL NOT NULL,
    ended_at    REAL NOT NULL,
    author      TEXT NOT NULL,
    at          REAL NOT NULL,
    CHECK (ended_at >= started_at)
);
CREATE INDEX interactions_case ON interactions(case_id, id);

-- internal notes on the case itself (the linked chats' memos stay with the chats)
CREATE TABLE case_memos (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    author   TEXT NOT NULL,
    text     TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX case_memos_case ON case_memos(case_id, id);

-- SLA warnings and breaches, each recorded once per case and clock
CREATE TABLE sla_events (
    case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    clock        TEXT NOT NULL CHECK (clock IN ('irt', 'ort')),
    kind         TEXT NOT NULL CHECK (kind IN ('warning', 'breach')),
    at           REAL NOT NULL,
    recorded_at  REAL NOT NULL,
    PRIMARY KEY (case_id, clock, kind)
) WITHOUT ROWID;

-- business hours per queue region; a region without a row uses the built-in default
CREATE TABLE sla_hours (
    region  TEXT PRIMARY KEY,
    tz      TEXT NOT NULL,
    weekly  TEXT NOT NULL,  -- JSON: seven lists of [start_minute, end_minute], Monday first
    always  INTEGER NOT NULL CHECK (always IN (0, 1))
);

CREATE TABLE sla_holidays (
    region  TEXT NOT NULL,
    day     TEXT NOT NULL,  -- YYYY-MM-DD, local to the region
    name    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (region, day)
) WITHOUT ROWID;

-- targets per queue ('*': every queue without its own) and priority
CREATE TABLE sla_targets (
    queue     TEXT NOT NULL,
    clock     TEXT NOT NULL CHECK (clock IN ('irt', 'ort')),
    priority  TEXT NOT NULL CHECK (priority IN ('very_high', 'high', 'medium', 'low')),
    amount    REAL NOT NULL CHECK (amount > 0),
    unit      TEXT NOT NULL CHECK (unit IN ('hours', 'business_days')),
    PRIMARY KEY (queue, clock, priority)
) WITHOUT ROWID;
"""
