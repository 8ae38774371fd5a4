CREATE TABLE IF NOT EXISTS callback_requests (
    id BIGSERIAL PRIMARY KEY,
    office_id TEXT NOT NULL,
    contact TEXT NOT NULL,
    topic TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS callbacks_open ON callback_requests (office_id, status);
