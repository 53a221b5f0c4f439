-- Signatures are random bytes, and a transfer's audit leaf is mostly its signature in base64:
-- trying to compress them only costs CPU (pglz was 3 % of the database's CPU under load). Keep
-- them uncompressed, and keep rows of up to a page's worth inline: a transfer row (about 4 KB
-- with a composite signature) or its audit leaf (about 5 KB) is then one heap write, without a
-- second write to the TOAST table and its index.
ALTER TABLE transfers ALTER COLUMN signature SET STORAGE EXTERNAL;
ALTER TABLE transfers ALTER COLUMN approval_signature SET STORAGE EXTERNAL;
ALTER TABLE transfers SET (toast_tuple_target = 8160);
ALTER TABLE audit_events ALTER COLUMN leaf SET STORAGE EXTERNAL;
ALTER TABLE audit_events SET (toast_tuple_target = 8160);
