-- pqbank SQLite schema, migration 2: the certificate authority. Append-only.
CREATE TABLE ca_keys (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    kind            TEXT NOT NULL CHECK (kind IN ('root', 'issuing')),
    parent_id       TEXT REFERENCES ca_keys(id),
    algorithm       TEXT NOT NULL CHECK (length(algorithm) BETWEEN 1 AND 64),
    cert_der        BLOB NOT NULL CHECK (length(cert_der) <= 32768),
    key_encrypted   BLOB NOT NULL CHECK (length(key_encrypted) <= 65536),
    not_after       TEXT NOT NULL,
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at      TEXT NOT NULL
) STRICT;
-- At most one active CA of each kind.
CREATE UNIQUE INDEX ca_keys_one_active ON ca_keys(kind) WHERE active = 1;

CREATE TABLE certificates (
    serial          TEXT PRIMARY KEY NOT NULL CHECK (length(serial) BETWEEN 2 AND 42),
    ca_id           TEXT NOT NULL REFERENCES ca_keys(id),
    user_id         TEXT NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    device_id       TEXT NOT NULL CHECK (length(device_id) BETWEEN 1 AND 64),
    usage           TEXT NOT NULL CHECK (usage IN ('signature', 'kem')),
    cert_der        BLOB NOT NULL CHECK (length(cert_der) <= 32768),
    not_after       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    superseded_by   TEXT,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX certificates_by_user ON certificates(user_id, created_at);

CREATE TABLE revocations (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    serial          TEXT NOT NULL UNIQUE REFERENCES certificates(serial),
    ca_id           TEXT NOT NULL REFERENCES ca_keys(id),
    reason          INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 10),
    revoked_at      TEXT NOT NULL
) STRICT;

CREATE TABLE crls (
    ca_id           TEXT PRIMARY KEY NOT NULL REFERENCES ca_keys(id),
    number          INTEGER NOT NULL CHECK (number >= 1),
    this_update     TEXT NOT NULL,
    next_update     TEXT NOT NULL,
    der             BLOB NOT NULL
) STRICT;

CREATE TABLE crl_numbers (
    ca_id           TEXT PRIMARY KEY NOT NULL REFERENCES ca_keys(id),
    last_number     INTEGER NOT NULL CHECK (last_number >= 1)
) STRICT;
