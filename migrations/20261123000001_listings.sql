-- Listings: the board's messages. No raw address is ever stored: ip_hash is an HMAC
-- (key IP_HASH_SALT) of the client key (the address grouped by /32 or /64).
CREATE TABLE listings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body        text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    is_hidden   boolean     NOT NULL DEFAULT false,
    hidden_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    ip_hash     bytea       NOT NULL CHECK (octet_length(ip_hash) = 32),
    country     char(2)     CHECK (country ~ '^[A-Z]{2}$'),
    -- 'simple' keeps initials and names as they are (no stemming, no stop words).
    search      tsvector    GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED,
    CHECK (is_hidden = (hidden_at IS NOT NULL))
);

COMMENT ON TABLE listings IS 'Board messages; ip_hash = HMAC(IP_HASH_SALT, client key), never an address';

-- Full-text search over visible listings.
CREATE INDEX listings_search_idx ON listings USING gin (search) WHERE NOT is_hidden;
-- Keyset pagination, newest first, over visible listings.
CREATE INDEX listings_newest_idx ON listings (created_at DESC, id DESC) WHERE NOT is_hidden;
CREATE INDEX listings_country_newest_idx ON listings (country, created_at DESC, id DESC) WHERE NOT is_hidden;
-- The adaptive PoW surcharge counts a client's recent listings.
CREATE INDEX listings_ip_hash_recent_idx ON listings (ip_hash, created_at DESC);

-- Spent proof-of-work challenges. A challenge is spent in the transaction that
-- inserts its listing, so one solved token yields exactly one listing, across any
-- number of server instances; rows are purged once the token has expired anyway.
CREATE TABLE spent_challenges (
    challenge   bytea       PRIMARY KEY CHECK (octet_length(challenge) = 16),
    listing_id  bigint      NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX spent_challenges_expires_idx ON spent_challenges (expires_at);

-- Visible-listing counters per country ('' = unknown), split into shards so that
-- concurrent inserts rarely wait on one row. Kept by statement-level triggers, so
-- /api/listings/count and /api/stats/countries never scan the listings table.
CREATE TABLE listing_counts (
    country  text     NOT NULL,
    shard    smallint NOT NULL,
    visible  bigint   NOT NULL,
    PRIMARY KEY (country, shard)
);
COMMENT ON TABLE listing_counts IS 'Visible listings per country (country '''' = unknown), summed over shards';

CREATE FUNCTION listing_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO listing_counts AS c (country, shard, visible)
    SELECT coalesce(n.country, ''), (random() * 15)::int, count(*)
      FROM new_rows n WHERE NOT n.is_hidden GROUP BY 1
    ON CONFLICT (country, shard) DO UPDATE SET visible = c.visible + excluded.visible;
    RETURN NULL;
END $$;

CREATE FUNCTION listing_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO listing_counts AS c (country, shard, visible)
    SELECT coalesce(o.country, ''), (random() * 15)::int, -count(*)
      FROM old_rows o WHERE NOT o.is_hidden GROUP BY 1
    ON CONFLICT (country, shard) DO UPDATE SET visible = c.visible + excluded.visible;
    RETURN NULL;
END $$;

CREATE FUNCTION listing_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO listing_counts AS c (country, shard, visible)
    SELECT country, (random() * 15)::int, sum(delta)
      FROM (SELECT coalesce(n.country, '') AS country, 1 AS delta FROM new_rows n WHERE NOT n.is_hidden
            UNION ALL
            SELECT coalesce(o.country, ''), -1 FROM old_rows o WHERE NOT o.is_hidden) d
     GROUP BY country HAVING sum(delta) <> 0
    ON CONFLICT (country, shard) DO UPDATE SET visible = c.visible + excluded.visible;
    RETURN NULL;
END $$;

CREATE FUNCTION listing_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM listing_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER listing_counts_on_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION listing_counts_add();
CREATE TRIGGER listing_counts_on_delete AFTER DELETE ON listings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION listing_counts_remove();
CREATE TRIGGER listing_counts_on_update AFTER UPDATE ON listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION listing_counts_change();
CREATE TRIGGER listing_counts_on_truncate AFTER TRUNCATE ON listings
    FOR EACH STATEMENT EXECUTE FUNCTION listing_counts_clear();
