-- The country becomes `text` (still two capital letters, by the same CHECK). As
-- char(2) it matched no type a client binds: a parameter sent as text (as sqlx sends
-- a Rust string) turned `country = $1` into `country::text = $1`, and under a
-- prepared statement's generic plan no index on country could serve that, so a
-- country filter walked every visible row. Rewrites the table once (about 3 s per
-- 200,000 rows here).
ALTER TABLE listings ALTER COLUMN country TYPE text;
