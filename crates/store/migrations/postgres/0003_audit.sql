-- pqbank PostgreSQL schema, migration 3: the tamper-evident audit log. Append-only.
-- Events: the canonical RFC 8785 leaf bytes plus columns for filtering (copies of leaf fields).
CREATE TABLE audit_events (
    idx             BIGINT PRIMARY KEY CHECK (idx >= 0),
    leaf            BYTEA NOT NULL CHECK (length(leaf) BETWEEN 1 AND 16384),
    leaf_hash       BYTEA NOT NULL CHECK (length(leaf_hash) = 32),
    time_us         BIGINT NOT NULL,
    action          TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    actor_user_id   TEXT CHECK (length(actor_user_id) BETWEEN 1 AND 128),
    resource_kind   TEXT NOT NULL CHECK (length(resource_kind) BETWEEN 1 AND 128),
    resource_id     TEXT NOT NULL CHECK (length(resource_id) BETWEEN 1 AND 128),
    outcome         TEXT NOT NULL CHECK (outcome IN ('success', 'failure'))
);
CREATE INDEX audit_events_by_action ON audit_events(action, idx);
CREATE INDEX audit_events_by_user ON audit_events(actor_user_id, idx);
CREATE INDEX audit_events_by_time ON audit_events(time_us, idx);

-- Perfect-subtree hashes of the RFC 9162 tree: (level, index) covers leaves
-- [index * 2^level, (index + 1) * 2^level). Written once, never changed.
CREATE TABLE audit_nodes (
    level           SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx             BIGINT NOT NULL CHECK (idx >= 0),
    hash            BYTEA NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

-- The log head: size and frontier (popcount(size) concatenated 32-byte subtree hashes,
-- largest subtree first). Appenders lock this row (SELECT ... FOR UPDATE) as the LAST lock
-- of their transaction, which serialises appends without deadlocks.
CREATE TABLE audit_head (
    id              SMALLINT PRIMARY KEY CHECK (id = 1),
    size            BIGINT NOT NULL CHECK (size >= 0),
    frontier        BYTEA NOT NULL CHECK (length(frontier) <= 2048)
);
INSERT INTO audit_head (id, size, frontier) VALUES (1, 0, '\x'::bytea);

-- Signed checkpoints (C2SP signed notes), one per tree size.
CREATE TABLE audit_checkpoints (
    size            BIGINT PRIMARY KEY CHECK (size >= 0),
    time_us         BIGINT NOT NULL,
    note            TEXT NOT NULL CHECK (length(note) BETWEEN 1 AND 262144)
);

-- The audit signing key: certificate and private key encrypted with the key ring.
CREATE TABLE audit_keys (
    id              TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    algorithm       TEXT NOT NULL CHECK (length(algorithm) BETWEEN 1 AND 64),
    cert_der        BYTEA NOT NULL CHECK (length(cert_der) <= 32768),
    key_encrypted   BYTEA NOT NULL CHECK (length(key_encrypted) <= 65536),
    not_after       TIMESTAMPTZ NOT NULL,
    active          BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX audit_keys_one_active ON audit_keys(active) WHERE active;
