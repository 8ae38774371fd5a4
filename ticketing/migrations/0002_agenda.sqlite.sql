CREATE TABLE IF NOT EXISTS appointments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id TEXT NOT NULL,
    code TEXT NOT NULL,
    meeting_point_id TEXT NOT NULL,
    line_id TEXT NOT NULL,
    slot_start INTEGER NOT NULL,
    slot_end INTEGER NOT NULL,
    local_start TEXT NOT NULL,
    contact TEXT NOT NULL,
    procedure_id TEXT,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    reminded_at INTEGER,
    ticket_id INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS appointments_code ON appointments (office_id, code);
CREATE UNIQUE INDEX IF NOT EXISTS appointments_one_per_slot
    ON appointments (office_id, meeting_point_id, slot_start) WHERE status <> 'cancelled';
CREATE INDEX IF NOT EXISTS appointments_by_start ON appointments (office_id, local_start);
CREATE TABLE IF NOT EXISTS escalation_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id TEXT NOT NULL,
    line_id TEXT NOT NULL,
    contact TEXT NOT NULL,
    reason TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS escalations_open ON escalation_requests (office_id, status);
