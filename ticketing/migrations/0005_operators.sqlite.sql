CREATE TABLE IF NOT EXISTS operator_positions (
    office_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    state TEXT NOT NULL,
    pause_reason TEXT,
    staff_username TEXT,
    state_since INTEGER NOT NULL,
    idle_since INTEGER,
    wrap_up_until INTEGER,
    missed_rings INTEGER NOT NULL DEFAULT 0,
    ticket_id INTEGER,
    PRIMARY KEY (office_id, station_id)
);
CREATE TABLE IF NOT EXISTS operator_state_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    ticket_id INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS operator_state_changes_by_time
    ON operator_state_changes (office_id, at);
CREATE TABLE IF NOT EXISTS phone_calls (
    ticket_id INTEGER PRIMARY KEY,
    office_id TEXT NOT NULL,
    line_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    contact TEXT NOT NULL,
    context TEXT NOT NULL,
    offered_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    callback INTEGER NOT NULL DEFAULT 0,
    callback_started_at INTEGER,
    callback_result TEXT,
    ring_attempts INTEGER NOT NULL DEFAULT 0,
    station_id TEXT,
    answered_at INTEGER,
    ended_at INTEGER,
    ended_by TEXT,
    after_call_ms INTEGER,
    abandoned_at INTEGER,
    wrap_up_code TEXT,
    wrap_up_note TEXT
);
CREATE INDEX IF NOT EXISTS phone_calls_by_offer ON phone_calls (office_id, offered_at);
CREATE TABLE IF NOT EXISTS dialog_outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dialog_outcomes_by_time ON dialog_outcomes (office_id, at);
