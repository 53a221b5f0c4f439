-- Alerts: the audit log indexes an alert rests on, and who changed its status, when and why.
ALTER TABLE security_events ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'
    CHECK (length(evidence) <= 4096);
ALTER TABLE security_events ADD COLUMN status_by TEXT
    CHECK (status_by IS NULL OR length(status_by) <= 64);
ALTER TABLE security_events ADD COLUMN status_note TEXT
    CHECK (status_note IS NULL OR length(status_note) <= 2000);
ALTER TABLE security_events ADD COLUMN status_time TEXT;
CREATE INDEX security_events_by_kind ON security_events(kind, id);
