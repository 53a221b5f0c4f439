-- pqbank PostgreSQL schema, migration 5: the ledger. Amounts are integer minor units, times are
-- microseconds since the Unix epoch (UTC). Transfers are immutable once decided; postings are
-- append-only (two legs per posted transfer, summing to zero).
CREATE TABLE accounts (
    id               TEXT PRIMARY KEY CHECK (length(id) = 36),
    owner_id         TEXT REFERENCES users(id),
    kind             TEXT NOT NULL CHECK (kind IN ('current', 'savings', 'cash', 'suspense')),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    status           TEXT NOT NULL CHECK (status IN ('open', 'frozen', 'closed')),
    overdraft_minor  BIGINT NOT NULL DEFAULT 0 CHECK (overdraft_minor >= 0),
    posted           BIGINT NOT NULL DEFAULT 0,
    pending_debits   BIGINT NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
    pending_credits  BIGINT NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
    created_us       BIGINT NOT NULL,
    updated_us       BIGINT NOT NULL,
    version          BIGINT NOT NULL,
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
    amount_minor          BIGINT NOT NULL CHECK (amount_minor > 0),
    currency              TEXT NOT NULL CHECK (length(currency) = 3),
    reference             TEXT NOT NULL CHECK (length(reference) <= 280),
    initiator_id          TEXT NOT NULL REFERENCES users(id),
    initiator_cert_serial TEXT NOT NULL CHECK (length(initiator_cert_serial) <= 64),
    payload               BYTEA NOT NULL CHECK (length(payload) <= 4096),
    payload_sha256        TEXT NOT NULL CHECK (length(payload_sha256) = 64),
    signature             BYTEA NOT NULL CHECK (length(signature) <= 8192),
    signature_alg         TEXT NOT NULL CHECK (length(signature_alg) <= 64),
    approval_required     BOOLEAN NOT NULL,
    created_us            BIGINT NOT NULL,
    expires_us            BIGINT,
    decided_us            BIGINT,
    decided_by            TEXT REFERENCES users(id),
    approval_payload      BYTEA CHECK (approval_payload IS NULL OR length(approval_payload) <= 4096),
    approval_signature    BYTEA CHECK (approval_signature IS NULL OR length(approval_signature) <= 8192),
    approval_cert_serial  TEXT CHECK (approval_cert_serial IS NULL OR length(approval_cert_serial) <= 64),
    reason                TEXT CHECK (reason IS NULL OR length(reason) <= 500),
    CHECK (from_account <> to_account)
);
CREATE INDEX transfers_by_from ON transfers(from_account, created_us);
CREATE INDEX transfers_by_to ON transfers(to_account, created_us);
CREATE INDEX transfers_by_time ON transfers(created_us, id);
CREATE INDEX transfers_pending ON transfers(expires_us) WHERE status = 'pending_approval';

CREATE TABLE postings (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id    TEXT NOT NULL REFERENCES transfers(id),
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    amount_minor   BIGINT NOT NULL CHECK (amount_minor <> 0),
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    balance_after  BIGINT NOT NULL,
    time_us        BIGINT NOT NULL,
    UNIQUE (transfer_id, account_id)
);
CREATE INDEX postings_by_account ON postings(account_id, seq);
CREATE INDEX postings_by_account_time ON postings(account_id, time_us);

-- Postings and decided transfers never change.
CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is immutable', TG_TABLE_NAME;
END $$;
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER transfers_decided_immutable BEFORE UPDATE ON transfers
    FOR EACH ROW WHEN (OLD.status <> 'pending_approval') EXECUTE FUNCTION ledger_immutable();
