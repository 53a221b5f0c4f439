-- pqbank SQLite schema, migration 1. Migrations are append-only: never edit a released file.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
    value       TEXT NOT NULL CHECK (length(value) <= 65536),
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;
