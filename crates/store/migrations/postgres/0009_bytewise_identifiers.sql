-- Identifiers, codes and statuses compare byte by byte (collation "C"), whatever the
-- database's default collation is:
-- - the same order on every server and on SQLite (BINARY): the ledger's lock order
--   (`ORDER BY id FOR UPDATE`) and cursor pagination do not depend on the server's locale;
-- - speed: a locale collation compares through strcoll, which showed in the profile of the
--   ledger under load (B-tree inserts and lookups on text keys); bulk-loading the transfers
--   table took half the time with "C".
-- Free text (names, references, reasons, notes) keeps the database's collation.
ALTER TABLE users
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN username TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C";
ALTER TABLE devices
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C";
ALTER TABLE login_challenges
    ALTER COLUMN nonce TYPE TEXT COLLATE "C",
    ALTER COLUMN username TYPE TEXT COLLATE "C",
    ALTER COLUMN cert_serial TYPE TEXT COLLATE "C";
ALTER TABLE sessions
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN public_id TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN device_id TYPE TEXT COLLATE "C",
    ALTER COLUMN cert_serial TYPE TEXT COLLATE "C";
ALTER TABLE ca_keys
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN parent_id TYPE TEXT COLLATE "C";
ALTER TABLE certificates
    ALTER COLUMN serial TYPE TEXT COLLATE "C",
    ALTER COLUMN ca_id TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN device_id TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C",
    ALTER COLUMN superseded_by TYPE TEXT COLLATE "C";
ALTER TABLE revocations
    ALTER COLUMN serial TYPE TEXT COLLATE "C",
    ALTER COLUMN ca_id TYPE TEXT COLLATE "C";
ALTER TABLE crls ALTER COLUMN ca_id TYPE TEXT COLLATE "C";
ALTER TABLE crl_numbers ALTER COLUMN ca_id TYPE TEXT COLLATE "C";
ALTER TABLE audit_keys ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE audit_events
    ALTER COLUMN action TYPE TEXT COLLATE "C",
    ALTER COLUMN actor_user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN resource_kind TYPE TEXT COLLATE "C",
    ALTER COLUMN resource_id TYPE TEXT COLLATE "C",
    ALTER COLUMN outcome TYPE TEXT COLLATE "C";
ALTER TABLE security_events
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C";
ALTER TABLE settings ALTER COLUMN key TYPE TEXT COLLATE "C";
ALTER TABLE accounts
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN owner_id TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN currency TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C";
-- (the trigger reads `status`; it is recreated unchanged below)
DROP TRIGGER transfers_decided_immutable ON transfers;
ALTER TABLE transfers
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C",
    ALTER COLUMN from_account TYPE TEXT COLLATE "C",
    ALTER COLUMN to_account TYPE TEXT COLLATE "C",
    ALTER COLUMN currency TYPE TEXT COLLATE "C",
    ALTER COLUMN initiator_id TYPE TEXT COLLATE "C",
    ALTER COLUMN initiator_cert_serial TYPE TEXT COLLATE "C",
    ALTER COLUMN decided_by TYPE TEXT COLLATE "C",
    ALTER COLUMN approval_cert_serial TYPE TEXT COLLATE "C";
CREATE TRIGGER transfers_decided_immutable BEFORE UPDATE ON transfers
    FOR EACH ROW WHEN (OLD.status <> 'pending_approval') EXECUTE FUNCTION ledger_immutable();
ALTER TABLE postings
    ALTER COLUMN transfer_id TYPE TEXT COLLATE "C",
    ALTER COLUMN account_id TYPE TEXT COLLATE "C",
    ALTER COLUMN currency TYPE TEXT COLLATE "C";
