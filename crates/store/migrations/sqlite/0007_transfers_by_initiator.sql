-- The velocity monitoring rules read one customer's transfers in a recent window, oldest first:
-- this index makes that read proportional to the window, not to the customer's history.
CREATE INDEX transfers_by_initiator ON transfers(initiator_id, created_us, id);
