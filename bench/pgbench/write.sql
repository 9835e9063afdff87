-- POST /api/listings: the statement of backend/src/listings/repo.rs insert(): the
-- listing row (statement-level count trigger included) and its spent challenge in
-- one statement (one transaction, one round trip). The challenge is 16 random bytes;
-- ip_hash is one 32-byte client hash, as for the single bench client of the HTTP side.
\set c1 random(0, 4000000000000000000)
\set c2 random(0, 4000000000000000000)
\set n random(1, 1000000000)
\set exp 4102444800
WITH listing AS (
    INSERT INTO listings (body, ip_hash, country)
    VALUES ('Selling a red bicycle, barely used, pickup downtown #' || :n,
            '\x0000000000000000000000000000000000000000000000000000000000000001'::bytea, NULL)
    RETURNING id, body, created_at, country::text AS country
), spent AS (
    INSERT INTO spent_challenges (challenge, listing_id, expires_at)
    SELECT int8send(:c1) || int8send(:c2), id, to_timestamp(:exp) FROM listing
)
SELECT id, body, created_at, country FROM listing;
