-- A user's events in a period (an alert's evidence: a customer's transfer events in the
-- velocity window; an auditor's search by user and time) read only that period of that user.
-- With only the user's index (in log order) and the time index, PostgreSQL read the user's
-- whole history, or intersected it with another index.
CREATE INDEX audit_events_by_user_time ON audit_events(actor_user_id, time_us);
