//! Deleting what a feed's retention no longer keeps from partitions that
//! stay (other feeds still keep them): a bounded batch per statement.

use super::Partitioned;
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Deletes up to `limit` messages of `feed_id` from `table` (ticks or logs)
/// whose `ts` is before `cutoff` and whose `seq` is at most `up_to_seq`
/// (ticks not yet in the candle rollups stay). Records them in
/// `feed_days` and `prune_positions` in the same statement. Returns how
/// many. It takes no lock the writer holds, so ingest goes on meanwhile.
///
/// The batch is the `limit` lowest such `seq`s; the `DELETE` repeats the
/// `ts` bound (so it visits only the partitions before the cutoff) and
/// takes the `seq` range they span, which holds exactly them.
pub async fn messages(
    db: &PgPool,
    table: Partitioned,
    feed_id: i64,
    cutoff: DateTime<Utc>,
    up_to_seq: i64,
    limit: i64,
) -> Result<u64, StoreError> {
    let t = table.table();
    let deleted: i64 = sqlx::query_scalar(&format!(
        "WITH doomed AS (
             SELECT min(seq) AS lo, max(seq) AS hi FROM (
                 SELECT seq FROM {t} WHERE feed_id = $1 AND ts < $2 AND seq <= $3 ORDER BY seq LIMIT $4
             ) d
         ), gone AS (
             DELETE FROM {t} x USING doomed d
             WHERE x.feed_id = $1 AND x.ts < $2 AND x.seq BETWEEN d.lo AND d.hi
             RETURNING x.seq, x.ts
         ), days AS (
             UPDATE feed_days f SET rows = f.rows - g.n
             FROM (SELECT (ts AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM gone GROUP BY 1) g
             WHERE f.feed_id = $1 AND f.day = g.day
         ), position AS (
             INSERT INTO prune_positions AS p (feed_id, seq) SELECT $1, max(seq) FROM gone HAVING count(*) > 0
             ON CONFLICT (feed_id) DO UPDATE SET seq = GREATEST(p.seq, EXCLUDED.seq)
         )
         SELECT count(*) FROM gone"
    ))
    .bind(feed_id)
    .bind(cutoff)
    .bind(up_to_seq)
    .bind(limit)
    .fetch_one(db)
    .await?;
    Ok(deleted.max(0) as u64)
}

/// Tables pruned by time alone, without bookkeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plain {
    /// Rejected payloads, by `received_at`.
    Rejected,
    /// Remembered publisher ids, by when they were first seen.
    PublisherIds,
    /// Candle rollups, by bucket start.
    Candles,
}

impl Plain {
    /// `(table, time column, the columns that identify a row with feed_id)`.
    fn shape(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Plain::Rejected => ("rejected_messages", "received_at", "id, received_at"),
            Plain::PublisherIds => ("publisher_ids", "seen_at", "publisher_id, seen_at"),
            Plain::Candles => ("candles", "t", "symbol, width, t"),
        }
    }
}

/// Deletes up to `limit` rows of `feed_id` from `what` older than `cutoff`;
/// returns how many.
pub async fn plain(
    db: &PgPool,
    what: Plain,
    feed_id: i64,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<u64, StoreError> {
    let (table, time, key) = what.shape();
    let done = sqlx::query(&format!(
        "DELETE FROM {table} WHERE feed_id = $1 AND {time} < $2 AND ({key}) IN (
             SELECT {key} FROM {table} WHERE feed_id = $1 AND {time} < $2 LIMIT $3
         )"
    ))
    .bind(feed_id)
    .bind(cutoff)
    .bind(limit)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets the days of `feed_days` that no longer hold a message.
pub async fn empty_days(db: &PgPool) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM feed_days WHERE rows <= 0").execute(db).await?.rows_affected())
}

/// Vacuums the history partitions whose dead rows (left by pruning) reach
/// a fifth of their live ones, as autovacuum would, so their space is
/// reused even where autovacuum is off or behind. Each is one partition
/// (at most a day), so the cost does not grow with history. Returns how many.
pub async fn vacuum_pruned(db: &PgPool) -> Result<usize, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT s.relname::text FROM pg_stat_user_tables s JOIN pg_inherits i ON i.inhrelid = s.relid
         JOIN pg_class p ON p.oid = i.inhparent
         WHERE p.relname IN ('ticks', 'logs', 'rejected_messages', 'publisher_ids')
           AND s.n_dead_tup > 1000 + s.n_live_tup / 5
         UNION ALL
         SELECT relname::text FROM pg_stat_user_tables
         WHERE relname IN ('candles', 'feed_days') AND n_dead_tup > 1000 + n_live_tup / 5",
    )
    .fetch_all(db)
    .await?;
    for name in &names {
        sqlx::query(&format!("VACUUM (ANALYZE) {name}")).execute(db).await?;
    }
    Ok(names.len())
}
