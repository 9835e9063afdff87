-- Listings accepted per 10-second bucket, site-wide (hidden or not: the surge prices
-- what was posted, not what moderation kept). The PoW surge reads
-- `sum(posts) WHERE bucket > now() - window`: at most window/10 x 16 small rows,
-- never a scan of `listings`, and the same figure on every server instance.
-- Shards as in listing_counts, so concurrent inserts rarely wait on one row.
-- Old buckets are deleted by the server's upkeep.
CREATE TABLE post_rate (
    bucket  timestamptz NOT NULL,
    shard   smallint    NOT NULL,
    posts   bigint      NOT NULL,
    PRIMARY KEY (bucket, shard)
);
COMMENT ON TABLE post_rate IS 'Listings accepted per 10 s bucket (summed over shards); feeds the PoW surge';

CREATE FUNCTION post_rate_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_rate AS r (bucket, shard, posts)
    SELECT date_bin('10 seconds', now(), timestamptz '2000-01-01 00:00:00+00'),
           (random() * 15)::int, count(*)
      FROM new_rows
    HAVING count(*) > 0
    ON CONFLICT (bucket, shard) DO UPDATE SET posts = r.posts + excluded.posts;
    RETURN NULL;
END $$;

CREATE TRIGGER post_rate_on_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION post_rate_add();
