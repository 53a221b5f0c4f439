-- A user's events since a time (an alert's evidence: a customer's transfer events in the
-- velocity window) are read through the user's index in log order. With the time in the
-- index, the time is filtered from the index alone; without it, every earlier event of the
-- user was looked up in the table, through the overflow pages of its leaf (the leaf, with a
-- transfer's signature, comes before the time column). Same leading columns: every other
-- query keeps its plan, and the index count stays the same.
DROP INDEX audit_events_by_user;
CREATE INDEX audit_events_by_user ON audit_events(actor_user_id, idx, time_us);
