-- Ingest guarantees: one process writes a feed at a time, a batch whose
-- commit was not confirmed can be recognised, rejected payloads are kept as
-- a bounded prefix with their full size.

-- The lease on a feed's ingest. Whoever holds the current `token` may write
-- the feed; taking the lease over increments it, and every batch checks it
-- in its own transaction, so a paused former holder can never commit again.
-- `status` is the holder's live status, for the other processes to show.
CREATE TABLE feed_leases (
    feed_id    BIGINT      PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    holder     TEXT        NOT NULL,
    token      BIGINT      NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    status     JSONB
);

-- The last batch written and the `seq` it started after: a writer that lost
-- its connection during COMMIT asks whether its batch is in.
ALTER TABLE feed_positions
    ADD COLUMN last_batch      BIGINT,
    ADD COLUMN last_batch_from BIGINT;

-- The size of a rejected payload as received; `payload` holds a prefix of
-- at most the feed's payload limit. NULL on older rows: the payload is whole.
ALTER TABLE rejected_messages ADD COLUMN payload_size INTEGER;
