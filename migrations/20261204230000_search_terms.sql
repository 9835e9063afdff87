-- Search in every script: the search terms are made by the server in Rust
-- (backend/src/listings/search_text.rs: words segmented, Han/Kana cut into bigrams,
-- case, width and accents folded), no longer by to_tsvector('simple', body), which
-- cannot cut 自転車 out of a Japanese sentence nor fold Café to cafe. The column
-- keeps its name and type, so `\d listings` and `SELECT search FROM listings` read
-- as before ('cafe' 'creme' ...). Dropping the generated column and adding a plain
-- one touch only the catalog; the new GIN index is built over NULLs (one quick
-- scan). Existing rows are NULL (not found by search) until
-- `powboard listings reindex` fills them in batches on the live board.
ALTER TABLE listings DROP COLUMN search;
ALTER TABLE listings ADD COLUMN search tsvector;
COMMENT ON COLUMN listings.search IS
    'Folded, segmented search terms of body, made by the server; NULL until `powboard listings reindex`';
CREATE INDEX listings_search_idx ON listings USING gin (search) WHERE NOT is_hidden;
-- The reindex command walks the rows still to do by id.
CREATE INDEX listings_search_todo_idx ON listings (id) WHERE search IS NULL;
