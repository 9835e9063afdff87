-- Every change to listings tells every server instance to drop its read caches (the
-- count, the per-country stats, the front page). NOTIFY is delivered when the
-- transaction commits, to every session that LISTENs on powboard_listings. A trigger
-- rather than a call in the code, so that no path can forget it: the API's insert,
-- the moderation CLI's hide and unhide, a psql session. Statement-level, so a bulk
-- insert sends one notification, and PostgreSQL folds identical notifications of one
-- transaction into one.
CREATE FUNCTION listings_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('powboard_listings', lower(TG_OP));
    RETURN NULL;
END $$;

CREATE TRIGGER listings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON listings
    FOR EACH STATEMENT EXECUTE FUNCTION listings_notify();
