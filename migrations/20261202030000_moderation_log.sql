-- What the operator did with `powboard listings hide|unhide`: one row per command
-- that changed the board (dry runs are not recorded), written in the transaction
-- that changed the listings, so the log and the board never disagree.
CREATE TABLE moderation_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    acted_at  timestamptz NOT NULL DEFAULT now(),
    action    text        NOT NULL CHECK (action IN ('hide', 'unhide')),
    -- The filters as given, times resolved to absolute UTC, e.g.
    -- {"same_client_as": 123, "since": "2026-12-02T01:00:00Z", "matching": "cheap pills"}
    filter    jsonb       NOT NULL CHECK (jsonb_typeof(filter) = 'object'),
    listings  bigint      NOT NULL CHECK (listings >= 0)
);

COMMENT ON TABLE moderation_log IS 'One row per hide/unhide command: when, which filter (JSON), how many listings changed';
COMMENT ON COLUMN moderation_log.listings IS 'How many listings this command hid or showed again';
