CREATE INDEX IF NOT EXISTS tickets_recent_done
    ON tickets (office_id, service_day, line_id, status, finished_at);
