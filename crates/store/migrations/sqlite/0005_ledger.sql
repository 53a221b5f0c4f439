-- pqbank SQLite schema, migration 5: the ledger. Amounts are integer minor units, times are
-- microseconds since the Unix epoch (UTC). Transfers are immutable once decided; postings are
-- append-only (two legs per posted transfer, summing to zero).
CREATE TABLE accounts (
    id               TEXT PRIMARY KEY CHECK (length(id) = 36),
    owner_id         TEXT REFERENCES users(id),
    kind             TEXT NOT NULL CHECK (kind IN ('current', 'savings', 'cash', 'suspense')),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    status           TEXT NOT NULL CHECK (status IN ('open', 'frozen', 'closed')),
    overdraft_minor  INTEGER NOT NULL DEFAULT 0 CHECK (overdraft_minor >= 0),
    posted           INTEGER NOT NULL DEFAULT 0,
    pending_debits   INTEGER NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
    pending_credits  INTEGER NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
    created_us       INTEGER NOT NULL,
    updated_us       INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    CHECK ((owner_id IS NULL) = (kind IN ('cash', 'suspense')))
);
CREATE INDEX accounts_by_owner ON accounts(owner_id, created_us);
CREATE UNIQUE INDEX accounts_internal ON accounts(kind, currency) WHERE owner_id IS NULL;

CREATE TABLE transfers (
    id                    TEXT PRIMARY KEY CHECK (length(id) = 36),
    kind                  TEXT NOT NULL CHECK (kind IN ('transfer', 'cash_deposit', 'cash_withdrawal')),
    status                TEXT NOT NULL CHECK (status IN ('posted', 'pending_approval', 'rejected', 'expired', 'voided')),
    from_account          TEXT NOT NULL REFERENCES accounts(id),
    to_account            TEXT NOT NULL REFERENCES accounts(id),
    amount_minor          INTEGER NOT NULL CHECK (amount_minor > 0),
    currency              TEXT NOT NULL CHECK (length(currency) = 3),
    reference             TEXT NOT NULL CHECK (length(reference) <= 280),
    initiator_id          TEXT NOT NULL REFERENCES users(id),
    initiator_cert_serial TEXT NOT NULL CHECK (length(initiator_cert_serial) <= 64),
    payload               BLOB NOT NULL CHECK (length(payload) <= 4096),
    payload_sha256        TEXT NOT NULL CHECK (length(payload_sha256) = 64),
    signature             BLOB NOT NULL CHECK (length(signature) <= 8192),
    signature_alg         TEXT NOT NULL CHECK (length(signature_alg) <= 64),
    approval_required     INTEGER NOT NULL CHECK (approval_required IN (0, 1)),
    created_us            INTEGER NOT NULL,
    expires_us            INTEGER,
    decided_us            INTEGER,
    decided_by            TEXT REFERENCES users(id),
    approval_payload      BLOB CHECK (approval_payload IS NULL OR length(approval_payload) <= 4096),
    approval_signature    BLOB CHECK (approval_signature IS NULL OR length(approval_signature) <= 8192),
    approval_cert_serial  TEXT CHECK (approval_cert_serial IS NULL OR length(approval_cert_serial) <= 64),
    reason                TEXT CHECK (reason IS NULL OR length(reason) <= 500),
    CHECK (from_account <> to_account)
);
CREATE INDEX transfers_by_from ON transfers(from_account, created_us);
CREATE INDEX transfers_by_to ON transfers(to_account, created_us);
CREATE INDEX transfers_by_time ON transfers(created_us, id);
CREATE INDEX transfers_pending ON transfers(expires_us) WHERE status = 'pending_approval';

CREATE TABLE postings (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id    TEXT NOT NULL REFERENCES transfers(id),
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    amount_minor   INTEGER NOT NULL CHECK (amount_minor <> 0),
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    balance_after  INTEGER NOT NULL,
    time_us        INTEGER NOT NULL,
    UNIQUE (transfer_id, account_id)
);
CREATE INDEX postings_by_account ON postings(account_id, seq);
CREATE INDEX postings_by_account_time ON postings(account_id, time_us);

-- Postings and decided transfers never change.
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END;
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are immutable'); END;
CREATE TRIGGER transfers_decided_immutable BEFORE UPDATE ON transfers
WHEN OLD.status <> 'pending_approval'
BEGIN SELECT RAISE(ABORT, 'decided transfers are immutable'); END;
