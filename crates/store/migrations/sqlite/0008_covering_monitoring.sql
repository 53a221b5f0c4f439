-- The monitoring read after every transfer (a customer's window and an account's usual amount,
-- `monitoring_facts`) reads only these two indexes, never the transfer rows: each row holds its
-- signed payload and signature (several KiB, spilling onto overflow pages), and a reader's page
-- cache starts cold after every write, so a row lookup per entry cost ~70 page reads a transfer.
-- The leading columns are unchanged, so every other query keeps its plan.
DROP INDEX transfers_by_initiator;
CREATE INDEX transfers_by_initiator
    ON transfers(initiator_id, created_us, id, kind, currency, amount_minor);
DROP INDEX transfers_by_from;
CREATE INDEX transfers_by_from
    ON transfers(from_account, created_us, currency, status, kind, amount_minor, id);
