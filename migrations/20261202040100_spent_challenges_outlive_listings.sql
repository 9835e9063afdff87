-- A spent challenge stays spent until its token expires, whatever happens to the
-- listing it paid for: with ON DELETE CASCADE, deleting a listing in psql (the
-- README's recipes allow it) also forgot the challenge, and the same solved headers
-- created the listing again. listing_id now only records which listing it paid for
-- (the row may be gone); the purge still drops a challenge once its token expires.
ALTER TABLE spent_challenges DROP CONSTRAINT spent_challenges_listing_id_fkey;
COMMENT ON COLUMN spent_challenges.listing_id IS
    'The listing this challenge paid for (kept after that listing is deleted, so the token cannot be replayed)';
