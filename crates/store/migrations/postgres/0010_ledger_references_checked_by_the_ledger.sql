-- The ledger's hot tables keep no foreign keys on PostgreSQL. Each reference is proved by the
-- transaction that writes it: a batch locks the accounts it books on (`FOR UPDATE`, see
-- `postgres_ledger.rs`), inserts the transfers before their postings, and books only for an
-- authenticated initiator with an active signing device (shared-locked). Accounts, users and
-- transfers are never deleted (transfers by trigger). PostgreSQL's foreign-key triggers
-- re-proved every reference with a query and a row lock per row: about a third of a transfer
-- insert's time, and +10 % throughput without them (`pqbank bench transfers`, batches of 32).
-- The invariant check (`pqbank ledger check`) verifies that no posting or transfer refers to
-- a missing row. SQLite keeps its foreign keys: there they are a cheap index probe.
ALTER TABLE postings
    DROP CONSTRAINT postings_transfer_id_fkey,
    DROP CONSTRAINT postings_account_id_fkey;
ALTER TABLE transfers
    DROP CONSTRAINT transfers_from_account_fkey,
    DROP CONSTRAINT transfers_to_account_fkey,
    DROP CONSTRAINT transfers_initiator_id_fkey,
    DROP CONSTRAINT transfers_decided_by_fkey;
