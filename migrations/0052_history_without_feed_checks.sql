-- The history tables no longer check `feed_id` against `feeds` row by row.
-- A foreign key costs one look-up in `feeds` per stored message (EXPLAIN
-- ANALYZE of a batch of 1,000 ticks with publisher ids: 8–9 ms for ticks
-- plus 9–11 ms for publisher_ids, of ~40 ms; docs/proof.md), and the check
-- can never fail there: a batch is written under its feed's position row,
-- locked FOR UPDATE, so a feed that does not exist has no position to lock
-- and a feed being deleted waits for (or is waited on by) its writer.
--
-- What ON DELETE CASCADE did, deleting a feed now does itself, in the same
-- transaction, after the feed row (src/store/feeds.rs). The low-volume
-- tables (rejected payloads, candles, day counts, symbols) keep their keys.
ALTER TABLE ticks DROP CONSTRAINT ticks_feed_id_fkey;
ALTER TABLE logs DROP CONSTRAINT logs_feed_id_fkey;
ALTER TABLE publisher_ids DROP CONSTRAINT publisher_ids_feed_id_fkey;
