-- pqbank SQLite schema, migration 4: identity (users, devices, login challenges, sessions) and
-- security events. Append-only. Personal data is stored only encrypted (pii_encrypted).
CREATE TABLE users (
    id                    TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    username              TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
    password_hash         TEXT CHECK (password_hash IS NULL OR length(password_hash) <= 256),
    roles                 TEXT NOT NULL CHECK (length(roles) <= 128),
    branch                TEXT CHECK (branch IS NULL OR length(branch) <= 16),
    status                TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    pii_encrypted         BLOB NOT NULL CHECK (length(pii_encrypted) <= 16384),
    activation_hash       TEXT CHECK (activation_hash IS NULL OR length(activation_hash) <= 256),
    activation_expires_at TEXT,
    failed_logins         INTEGER NOT NULL DEFAULT 0,
    locked_until          TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    version               INTEGER NOT NULL
);

CREATE TABLE devices (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    user_id     TEXT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    status      TEXT NOT NULL CHECK (status IN ('active', 'removed')),
    created_at  TEXT NOT NULL,
    removed_at  TEXT
);
CREATE INDEX devices_by_user ON devices(user_id, created_at);

CREATE TABLE login_challenges (
    nonce        TEXT PRIMARY KEY CHECK (length(nonce) BETWEEN 32 AND 128),
    username     TEXT NOT NULL CHECK (length(username) <= 64),
    cert_serial  TEXT NOT NULL CHECK (length(cert_serial) <= 64),
    origin       TEXT NOT NULL CHECK (length(origin) <= 256),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY CHECK (length(id) = 64),
    public_id       TEXT NOT NULL UNIQUE CHECK (length(public_id) BETWEEN 1 AND 64),
    user_id         TEXT NOT NULL REFERENCES users(id),
    device_id       TEXT NOT NULL REFERENCES devices(id),
    cert_serial     TEXT NOT NULL,
    key_encrypted   BLOB NOT NULL CHECK (length(key_encrypted) <= 8192),
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    idle_secs       INTEGER NOT NULL,
    last_counter    INTEGER NOT NULL DEFAULT 0,
    revoked_at      TEXT,
    client_addr     TEXT CHECK (client_addr IS NULL OR length(client_addr) <= 64),
    user_agent      TEXT CHECK (user_agent IS NULL OR length(user_agent) <= 256)
);
CREATE INDEX sessions_by_user ON sessions(user_id, created_at);

CREATE TABLE security_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    time         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    severity     TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    user_id      TEXT CHECK (user_id IS NULL OR length(user_id) <= 64),
    client_addr  TEXT CHECK (client_addr IS NULL OR length(client_addr) <= 64),
    details      TEXT NOT NULL CHECK (length(details) <= 4096),
    status       TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved'))
);
CREATE INDEX security_events_by_user ON security_events(user_id, id);
