CREATE TABLE IF NOT EXISTS operator_positions (
    office_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    state TEXT NOT NULL,
    pause_reason TEXT,
    staff_username TEXT,
    state_since BIGINT NOT NULL,
    idle_since BIGINT,
    wrap_up_until BIGINT,
    missed_rings BIGINT NOT NULL DEFAULT 0,
    ticket_id BIGINT,
    PRIMARY KEY (office_id, station_id)
);
CREATE TABLE IF NOT EXISTS operator_state_changes (
    id BIGSERIAL PRIMARY KEY,
    office_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    ticket_id BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS operator_state_changes_by_time
    ON operator_state_changes (office_id, at);
CREATE TABLE IF NOT EXISTS phone_calls (
    ticket_id BIGINT PRIMARY KEY,
    office_id TEXT NOT NULL,
    line_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    contact TEXT NOT NULL,
    context TEXT NOT NULL,
    offered_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    callback BIGINT NOT NULL DEFAULT 0,
    callback_started_at BIGINT,
    callback_result TEXT,
    ring_attempts BIGINT NOT NULL DEFAULT 0,
    station_id TEXT,
    answered_at BIGINT,
    ended_at BIGINT,
    ended_by TEXT,
    after_call_ms BIGINT,
    abandoned_at BIGINT,
    wrap_up_code TEXT,
    wrap_up_note TEXT
);
CREATE INDEX IF NOT EXISTS phone_calls_by_offer ON phone_calls (office_id, offered_at);
CREATE TABLE IF NOT EXISTS dialog_outcomes (
    id BIGSERIAL PRIMARY KEY,
    office_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS dialog_outcomes_by_time ON dialog_outcomes (office_id, at);
