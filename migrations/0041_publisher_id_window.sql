-- Exactly-once within a window: publisher ids are remembered for
-- FEEDBOARD_ID_WINDOW (7 days by default; never longer than the feed's
-- retention), in a register partitioned by day of `seen_at` like the
-- history tables. One unique key over every id ever seen made each batch
-- write land on random pages of an index that grew with history (at 50M
-- ids: 4× slower ingest); now a batch writes into today's partition only
-- and looks ids up in the days of the window, and a day past the window is
-- dropped whole.
--
-- The key (feed_id, publisher_id, seen_at) holds the partition key, so it
-- cannot refuse an id seen on another day by itself: the batch statement
-- looks for the id in the window first (src/store/batch.rs), under the
-- feed's position lock, so two batches of one feed never race.

ALTER TABLE publisher_ids RENAME TO publisher_ids_unpartitioned;
ALTER TABLE publisher_ids_unpartitioned RENAME CONSTRAINT publisher_ids_pkey TO publisher_ids_unpartitioned_pkey;
ALTER TABLE publisher_ids_unpartitioned
    RENAME CONSTRAINT publisher_ids_feed_id_fkey TO publisher_ids_unpartitioned_feed_id_fkey;
ALTER INDEX publisher_ids_seen RENAME TO publisher_ids_unpartitioned_seen;
CREATE TABLE publisher_ids (
    feed_id      BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    publisher_id TEXT        NOT NULL,
    seen_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (feed_id, publisher_id, seen_at)
) PARTITION BY RANGE (seen_at);
CREATE TABLE publisher_ids_default PARTITION OF publisher_ids DEFAULT;
CREATE INDEX publisher_ids_seen ON publisher_ids (feed_id, seen_at);
INSERT INTO publisher_ids SELECT feed_id, publisher_id, seen_at FROM publisher_ids_unpartitioned;
DROP TABLE publisher_ids_unpartitioned;
