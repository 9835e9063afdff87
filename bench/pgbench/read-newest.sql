-- GET /api/listings (first page, newest first): the query of backend/src/listings/repo.rs
-- list() (None, None), with the parameters the server binds for a cursor-less page of 30
-- (after_at = 9999-12-31T23:59:59Z is passed with -D, as a bound parameter like sqlx's).
\set fetch 31
\set after_id 9223372036854775807
SELECT id, body, created_at, country::text AS country FROM listings
 WHERE NOT is_hidden AND (created_at, id) < (:after_at, :after_id)
 ORDER BY created_at DESC, id DESC LIMIT :fetch;
