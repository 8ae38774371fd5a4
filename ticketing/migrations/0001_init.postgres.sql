CREATE TABLE IF NOT EXISTS tickets (
    id BIGSERIAL PRIMARY KEY,
    office_id TEXT NOT NULL,
    service_day TEXT NOT NULL,
    line_id TEXT NOT NULL,
    original_line_id TEXT NOT NULL,
    prefix TEXT NOT NULL,
    number BIGINT NOT NULL,
    channel TEXT NOT NULL,
    priority_class TEXT,
    status TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    called_at BIGINT,
    service_started_at BIGINT,
    finished_at BIGINT,
    station_id TEXT,
    recall_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (office_id, service_day, original_line_id, number)
);
CREATE INDEX IF NOT EXISTS tickets_by_status ON tickets (office_id, service_day, status, line_id);
CREATE INDEX IF NOT EXISTS tickets_by_station ON tickets (office_id, station_id, status);
CREATE TABLE IF NOT EXISTS ticket_numbers (
    office_id TEXT NOT NULL,
    service_day TEXT NOT NULL,
    line_id TEXT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (office_id, service_day, line_id)
);
CREATE TABLE IF NOT EXISTS office_queue_state (
    office_id TEXT PRIMARY KEY,
    consecutive_priority BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS stations (
    office_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    state TEXT NOT NULL,
    active_lines TEXT NOT NULL,
    staff_username TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (office_id, station_id)
);
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
