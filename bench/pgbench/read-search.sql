-- GET /api/listings?q=WORD: repo.rs list() (Some(q), None). The server turns q=WORD into
-- the tsquery text 'WORD':* (last term as a prefix); the tsquery text is passed with -D tsq=...
\set fetch 31
\set after_id 9223372036854775807
SELECT id, body, created_at, country::text AS country FROM listings
 WHERE NOT is_hidden AND search @@ to_tsquery('simple', :tsq) AND (created_at, id) < (:after_at, :after_id)
 ORDER BY created_at DESC, id DESC LIMIT :fetch;
