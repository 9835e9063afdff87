-- GET /api/listings?q=WORD: repo.rs list_with_window() (Some(q), None), first step (the
-- keyset walk over at most SEARCH_WINDOW = 2048 rows). For a word as common as the
-- bench's, that step fills the page and is the whole request; the server turns q=WORD
-- into the tsquery text 'WORD':* (every term a prefix; a CJK word becomes its bigrams),
-- passed with -D tsq=...
\set fetch 31
\set after_id 9223372036854775807
\set window 2048
SELECT id, body, created_at, country FROM (
  SELECT id, body, created_at, country::text AS country, search FROM listings
   WHERE NOT is_hidden AND (created_at, id) < (:after_at, :after_id)
   ORDER BY created_at DESC, id DESC LIMIT :window) recent
 WHERE search @@ :tsq::text::tsquery
 ORDER BY created_at DESC, id DESC LIMIT :fetch;
