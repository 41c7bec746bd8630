//! Stored rejected messages, read back in pages for a re-parse; those that
//! parse now are stored and leave the rejected list in one transaction.

use super::{
    StoreError,
    batch::{self, NewBatch, Stored},
};
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};

/// One stored rejected message.
#[derive(Clone, Debug)]
pub struct RejectedRow {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub payload: Vec<u8>,
    /// Whether `payload` is only a prefix of what arrived (it cannot parse).
    pub truncated: bool,
    /// Topic or routing key; `None` for messages rejected before it was kept.
    pub origin: Option<String>,
}

const COLUMNS: &str = "id, received_at, payload, COALESCE(payload_size, length(payload)) > length(payload), origin";

type Row = (i64, DateTime<Utc>, Vec<u8>, bool, Option<String>);

fn to_row((id, received_at, payload, truncated, origin): Row) -> RejectedRow {
    RejectedRow { id, received_at, payload, truncated, origin }
}

/// Up to `limit` rejected messages of `feed_id` after id `after`, oldest first.
pub async fn page(db: &PgPool, feed_id: i64, after: i64, limit: i64) -> Result<Vec<RejectedRow>, StoreError> {
    select(db, feed_id, after, limit, "").await
}

/// The page query, followed by `locking` (empty, or a locking clause).
async fn select(
    db: impl PgExecutor<'_>,
    feed_id: i64,
    after: i64,
    limit: i64,
    locking: &str,
) -> Result<Vec<RejectedRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rejected_messages WHERE feed_id = $1 AND id > $2 ORDER BY id LIMIT $3{locking}"
    ))
    .bind(feed_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(to_row).collect())
}

/// A page of rejected messages locked for a re-parse: the rows stay locked
/// until [`LockedPage::accept`] commits (or the page is dropped, which lets
/// them go), so a second re-parse running at the same time waits, then no
/// longer sees the rows this one took.
pub struct LockedPage {
    tx: Transaction<'static, Postgres>,
    pub rows: Vec<RejectedRow>,
}

/// Locks up to `limit` rejected messages of `feed_id` after id `after`, oldest first.
pub async fn lock_page(db: &PgPool, feed_id: i64, after: i64, limit: i64) -> Result<LockedPage, StoreError> {
    let mut tx = db.begin().await?;
    let rows = select(&mut *tx, feed_id, after, limit, " FOR UPDATE").await?;
    Ok(LockedPage { tx, rows })
}

impl LockedPage {
    /// Stores `batch` (the messages that parse now) and removes the
    /// rejected rows `ids` they came from, atomically.
    pub async fn accept(mut self, feed_id: i64, batch: &NewBatch<'_>, ids: &[i64]) -> Result<Stored, StoreError> {
        debug_assert!(batch.fence.is_none() && batch.rejected.is_empty());
        let stored = batch::write_in(&mut self.tx, feed_id, batch).await?;
        sqlx::query("DELETE FROM rejected_messages WHERE feed_id = $1 AND id = ANY($2)")
            .bind(feed_id)
            .bind(ids)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(stored)
    }
}
