CREATE TABLE IF NOT EXISTS appointments (
    id BIGSERIAL PRIMARY KEY,
    office_id TEXT NOT NULL,
    code TEXT NOT NULL,
    meeting_point_id TEXT NOT NULL,
    line_id TEXT NOT NULL,
    slot_start BIGINT NOT NULL,
    slot_end BIGINT NOT NULL,
    local_start TEXT NOT NULL,
    contact TEXT NOT NULL,
    procedure_id TEXT,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    reminded_at BIGINT,
    ticket_id BIGINT
);
CREATE UNIQUE INDEX IF NOT EXISTS appointments_code ON appointments (office_id, code);
CREATE UNIQUE INDEX IF NOT EXISTS appointments_one_per_slot
    ON appointments (office_id, meeting_point_id, slot_start) WHERE status <> 'cancelled';
CREATE INDEX IF NOT EXISTS appointments_by_start ON appointments (office_id, local_start);
CREATE TABLE IF NOT EXISTS escalation_requests (
    id BIGSERIAL PRIMARY KEY,
    office_id TEXT NOT NULL,
    line_id TEXT NOT NULL,
    contact TEXT NOT NULL,
    reason TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS escalations_open ON escalation_requests (office_id, status);
