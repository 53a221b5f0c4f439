-- One index per account's postings instead of two: every index keyed by account takes a
-- different leaf page per account in every commit (the busiest pages the writer copies into the
-- WAL), and the time-keyed one served only reads that the seq-keyed one serves as well once it
-- carries the time and amount: the statement page (account, newest first, optional period) and
-- the opening balance of a period (the sum of the account's amounts before a time, read from the
-- index alone).
DROP INDEX postings_by_account_time;
DROP INDEX postings_by_account;
CREATE INDEX postings_by_account ON postings(account_id, seq, time_us, amount_minor);
