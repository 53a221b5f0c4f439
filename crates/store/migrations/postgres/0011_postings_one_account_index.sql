-- One index per account's postings instead of two, as on SQLite (its migration 0009): every
-- posting paid for both, and the time-keyed one served only reads that the seq-keyed one serves
-- as well once it carries the time and amount: the statement page (an account's postings,
-- newest first, optionally within a period) and a period's opening balance (the sum of the
-- account's amounts before a time, from the index alone).
DROP INDEX postings_by_account_time;
DROP INDEX postings_by_account;
CREATE INDEX postings_by_account ON postings(account_id, seq) INCLUDE (time_us, amount_minor);
