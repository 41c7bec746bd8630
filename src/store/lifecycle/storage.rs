//! What is kept: messages and bytes per feed, rows and bytes per table.

use super::Partitioned;
use crate::{model::FeedStorage, store::StoreError};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

/// A partitioned table's size: rows (the planner's estimate), bytes on
/// disk with indexes, and how many partitions it has.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TableSize {
    pub rows: f64,
    pub bytes: i64,
    pub partitions: i64,
}

/// The size of `table`, over all its partitions.
pub async fn table(db: &PgPool, table: Partitioned) -> Result<TableSize, StoreError> {
    let (rows, bytes, partitions): (f64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE(sum(GREATEST(c.reltuples, 0)), 0)::float8,
                COALESCE(sum(pg_total_relation_size(t.relid)), 0)::int8,
                count(*)::int8
         FROM pg_partition_tree($1::regclass) t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf",
    )
    .bind(table.table())
    .fetch_one(db)
    .await?;
    Ok(TableSize { rows, bytes, partitions })
}

/// What each feed keeps, by feed id: rows from the writer's day counts,
/// bytes as its share of its table, and the `ts` of its first kept message.
pub async fn feeds(db: &PgPool) -> Result<HashMap<i64, FeedStorage>, StoreError> {
    let mut out = HashMap::new();
    for kind in [Partitioned::Ticks, Partitioned::Logs] {
        let t = kind.table();
        let rows: Vec<(i64, i64, Option<DateTime<Utc>>)> = sqlx::query_as(&format!(
            "SELECT f.id, COALESCE((SELECT sum(rows) FROM feed_days d WHERE d.feed_id = f.id), 0)::int8,
                    (SELECT ts FROM {t} m WHERE m.feed_id = f.id ORDER BY seq LIMIT 1)
             FROM feeds f WHERE f.kind = $1"
        ))
        .bind(t)
        .fetch_all(db)
        .await?;
        let total: i64 = rows.iter().map(|(_, n, _)| n).sum();
        let bytes = table(db, kind).await?.bytes;
        for (id, kept, oldest) in rows {
            let share = if total > 0 { (bytes as f64 * kept as f64 / total as f64) as i64 } else { 0 };
            out.insert(id, FeedStorage { rows: kept, bytes: share, oldest });
        }
    }
    Ok(out)
}

/// Ticks not yet in the rollups, summed over the ticks feeds.
pub async fn rollup_lag(db: &PgPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(sum(p.last_seq - COALESCE(r.seq, 0)), 0)::int8
         FROM feed_positions p JOIN feeds f ON f.id = p.feed_id LEFT JOIN rollup_positions r ON r.feed_id = p.feed_id
         WHERE f.kind = 'ticks'",
    )
    .fetch_one(db)
    .await?)
}
