-- History that runs for months: retention per feed, tables partitioned by
-- day so old history is dropped whole, candle rollups, and a register of
-- publisher ids that keeps storage exactly-once across partitions.
--
-- ticks and logs are partitioned by `ts`, rejected_messages by
-- `received_at`, one partition a day (`<table>_pYYYYMMDD`) plus a DEFAULT
-- partition for rows outside the days that exist (rows from before this
-- migration, far-future or long-past timestamps). The maintenance task
-- (src/store/lifecycle) creates the coming days' partitions ahead of time
-- and drops a day once every feed's retention has passed it; within
-- partitions that stay, it deletes what a shorter retention no longer
-- keeps, a bounded batch at a time.

-- NULL keeps everything. Feeds from before retention existed keep it all.
ALTER TABLE feeds ADD COLUMN retention_secs BIGINT CHECK (retention_secs > 0);

-- The highest `seq` of each feed that retention has removed: a resume
-- cursor below it gets `reset`, never a silent gap. (A table of its own, not
-- a column of feed_positions, so pruning never waits for the writer's lock.)
CREATE TABLE prune_positions (
    feed_id BIGINT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL
);

-- Messages kept per feed and UTC day of `ts`, kept by the writer (in the
-- batch's transaction) and by pruning: a day partition is dropped with its
-- bookkeeping known without counting it, and storage per feed is a sum.
CREATE TABLE feed_days (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    day     DATE   NOT NULL,
    rows    BIGINT NOT NULL,
    max_seq BIGINT NOT NULL,
    PRIMARY KEY (feed_id, day)
);
INSERT INTO feed_days (feed_id, day, rows, max_seq)
    SELECT feed_id, (ts AT TIME ZONE 'UTC')::date, count(*), max(seq) FROM ticks GROUP BY 1, 2
    UNION ALL
    SELECT feed_id, (ts AT TIME ZONE 'UTC')::date, count(*), max(seq) FROM logs GROUP BY 1, 2;

-- Exactly-once on publisher ids. A unique index of a partitioned table must
-- hold the partition key, which would let a redelivery with another `ts`
-- in; so the ids live in a table of their own with one unique key. An id is
-- remembered as long as the feed's retention keeps messages received with it.
CREATE TABLE publisher_ids (
    feed_id      BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    publisher_id TEXT        NOT NULL,
    seen_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (feed_id, publisher_id)
);
CREATE INDEX publisher_ids_seen ON publisher_ids (feed_id, seen_at);
INSERT INTO publisher_ids (feed_id, publisher_id, seen_at)
    SELECT feed_id, publisher_id, received_at FROM ticks WHERE publisher_id IS NOT NULL
    UNION ALL
    SELECT feed_id, publisher_id, received_at FROM logs WHERE publisher_id IS NOT NULL
ON CONFLICT DO NOTHING;

-- ticks
ALTER TABLE ticks RENAME TO ticks_unpartitioned;
ALTER TABLE ticks_unpartitioned RENAME CONSTRAINT ticks_pkey TO ticks_unpartitioned_pkey;
ALTER TABLE ticks_unpartitioned RENAME CONSTRAINT ticks_feed_id_fkey TO ticks_unpartitioned_feed_id_fkey;
ALTER INDEX ticks_symbol_ts RENAME TO ticks_unpartitioned_symbol_ts;
DROP INDEX ticks_publisher_id;
CREATE TABLE ticks (
    feed_id      BIGINT           NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    seq          BIGINT           NOT NULL,
    symbol       TEXT             NOT NULL,
    price        DOUBLE PRECISION NOT NULL,
    size         DOUBLE PRECISION NOT NULL,
    ts           TIMESTAMPTZ      NOT NULL,
    received_at  TIMESTAMPTZ      NOT NULL,
    publisher_id TEXT,
    PRIMARY KEY (feed_id, seq, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE ticks_default PARTITION OF ticks DEFAULT;
CREATE INDEX ticks_symbol_ts ON ticks (feed_id, symbol, ts);
CREATE INDEX ticks_ts ON ticks USING brin (ts);
INSERT INTO ticks SELECT * FROM ticks_unpartitioned;
DROP TABLE ticks_unpartitioned;

-- logs
ALTER TABLE logs RENAME TO logs_unpartitioned;
ALTER TABLE logs_unpartitioned RENAME CONSTRAINT logs_pkey TO logs_unpartitioned_pkey;
ALTER TABLE logs_unpartitioned RENAME CONSTRAINT logs_feed_id_fkey TO logs_unpartitioned_feed_id_fkey;
ALTER INDEX logs_level RENAME TO logs_unpartitioned_level;
ALTER INDEX logs_source RENAME TO logs_unpartitioned_source;
ALTER INDEX logs_message_trgm RENAME TO logs_unpartitioned_message_trgm;
DROP INDEX logs_publisher_id;
CREATE TABLE logs (
    feed_id      BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    seq          BIGINT      NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    level        TEXT        NOT NULL,
    source       TEXT        NOT NULL,
    message      TEXT        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    publisher_id TEXT,
    PRIMARY KEY (feed_id, seq, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE logs_default PARTITION OF logs DEFAULT;
CREATE INDEX logs_level ON logs (feed_id, level, seq);
CREATE INDEX logs_source ON logs (feed_id, source, seq);
CREATE INDEX logs_message_trgm ON logs USING gin (message gin_trgm_ops);
CREATE INDEX logs_ts ON logs USING brin (ts);
INSERT INTO logs SELECT * FROM logs_unpartitioned;
DROP TABLE logs_unpartitioned;

-- rejected messages
ALTER TABLE rejected_messages RENAME TO rejected_unpartitioned;
ALTER TABLE rejected_unpartitioned RENAME CONSTRAINT rejected_messages_pkey TO rejected_unpartitioned_pkey;
ALTER TABLE rejected_unpartitioned RENAME CONSTRAINT rejected_messages_feed_id_fkey TO rejected_unpartitioned_feed_id_fkey;
ALTER INDEX rejected_messages_feed RENAME TO rejected_unpartitioned_feed;
ALTER SEQUENCE rejected_messages_id_seq OWNED BY NONE;
CREATE TABLE rejected_messages (
    id           BIGINT      NOT NULL DEFAULT nextval('rejected_messages_id_seq'),
    feed_id      BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    received_at  TIMESTAMPTZ NOT NULL,
    reason       TEXT        NOT NULL,
    payload      BYTEA       NOT NULL,
    payload_size INTEGER,
    PRIMARY KEY (id, received_at)
) PARTITION BY RANGE (received_at);
ALTER SEQUENCE rejected_messages_id_seq OWNED BY rejected_messages.id;
CREATE TABLE rejected_messages_default PARTITION OF rejected_messages DEFAULT;
CREATE INDEX rejected_messages_feed ON rejected_messages (feed_id, id);
CREATE INDEX rejected_messages_received ON rejected_messages USING brin (received_at);
INSERT INTO rejected_messages (id, feed_id, received_at, reason, payload, payload_size)
    SELECT id, feed_id, received_at, reason, payload, payload_size FROM rejected_unpartitioned;
DROP TABLE rejected_unpartitioned;

-- Candles of committed ticks at 1m, 5m, 1h and 1d (`width` in seconds),
-- kept by the maintenance task from each feed's ticks after its watermark.
-- `open_*`/`close_*` name the first and last tick by (ts, seq), so ticks that
-- arrive out of `ts` order merge into the same candle a raw query gives.
CREATE TABLE candles (
    feed_id   BIGINT           NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    symbol    TEXT             NOT NULL,
    width     INTEGER          NOT NULL,
    t         TIMESTAMPTZ      NOT NULL,
    open      DOUBLE PRECISION NOT NULL,
    open_ts   TIMESTAMPTZ      NOT NULL,
    open_seq  BIGINT           NOT NULL,
    high      DOUBLE PRECISION NOT NULL,
    low       DOUBLE PRECISION NOT NULL,
    close     DOUBLE PRECISION NOT NULL,
    close_ts  TIMESTAMPTZ      NOT NULL,
    close_seq BIGINT           NOT NULL,
    volume    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (feed_id, symbol, width, t)
);
CREATE INDEX candles_t ON candles (feed_id, width, t);

-- The last `seq` of each ticks feed that is in `candles` (its own row, so
-- rolling up never waits for the writer's lock on `feed_positions`).
CREATE TABLE rollup_positions (
    feed_id BIGINT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO rollup_positions (feed_id) SELECT id FROM feeds WHERE kind = 'ticks';
