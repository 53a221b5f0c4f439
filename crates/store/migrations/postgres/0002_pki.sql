-- pqbank PostgreSQL schema, migration 2: the certificate authority. Append-only.
CREATE TABLE ca_keys (
    id              TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    kind            TEXT NOT NULL CHECK (kind IN ('root', 'issuing')),
    parent_id       TEXT REFERENCES ca_keys(id),
    algorithm       TEXT NOT NULL CHECK (length(algorithm) BETWEEN 1 AND 64),
    cert_der        BYTEA NOT NULL CHECK (length(cert_der) <= 32768),
    key_encrypted   BYTEA NOT NULL CHECK (length(key_encrypted) <= 65536),
    not_after       TIMESTAMPTZ NOT NULL,
    active          BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
-- At most one active CA of each kind.
CREATE UNIQUE INDEX ca_keys_one_active ON ca_keys(kind) WHERE active;

CREATE TABLE certificates (
    serial          TEXT PRIMARY KEY CHECK (length(serial) BETWEEN 2 AND 42),
    ca_id           TEXT NOT NULL REFERENCES ca_keys(id),
    user_id         TEXT NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    device_id       TEXT NOT NULL CHECK (length(device_id) BETWEEN 1 AND 64),
    usage           TEXT NOT NULL CHECK (usage IN ('signature', 'kem')),
    cert_der        BYTEA NOT NULL CHECK (length(cert_der) <= 32768),
    not_after       TIMESTAMPTZ NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    superseded_by   TEXT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX certificates_by_user ON certificates(user_id, created_at);

-- The revocation feed: other instances fetch rows with seq > the last one they saw. Writers
-- take an advisory lock first, so seq order is commit order.
CREATE TABLE revocations (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial          TEXT NOT NULL UNIQUE REFERENCES certificates(serial),
    ca_id           TEXT NOT NULL REFERENCES ca_keys(id),
    reason          SMALLINT NOT NULL CHECK (reason BETWEEN 0 AND 10),
    revoked_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE crls (
    ca_id           TEXT PRIMARY KEY REFERENCES ca_keys(id),
    number          BIGINT NOT NULL CHECK (number >= 1),
    this_update     TIMESTAMPTZ NOT NULL,
    next_update     TIMESTAMPTZ NOT NULL,
    der             BYTEA NOT NULL
);

CREATE TABLE crl_numbers (
    ca_id           TEXT PRIMARY KEY REFERENCES ca_keys(id),
    last_number     BIGINT NOT NULL CHECK (last_number >= 1)
);
