-- pqbank PostgreSQL schema, migration 1. Migrations are append-only: never edit a released file.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 128),
    value       TEXT NOT NULL CHECK (length(value) <= 65536),
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
