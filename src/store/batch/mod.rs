//! Writing a batch of parsed messages in one transaction: sequence numbers
//! come from the feed's position row, locked until commit, so `seq` is
//! gap-free and rises in commit order; a publisher id stored within the id
//! window (or repeated within the batch) is skipped, never stored twice.
//!
//! Every batch carries the writer's lease token (checked in the same
//! transaction, so a former owner of the feed can never commit) and an id
//! recorded with the position, so a writer whose connection broke during
//! COMMIT can ask whether the batch is in before it tries again.

mod insert;

use super::StoreError;
use crate::model::{LogLine, NewLog, NewRejected, NewTick, Tick};
use chrono::{DateTime, Utc};
use insert::{insert_logs, insert_rejected, insert_ticks};
use sqlx::{PgPool, Postgres, Transaction};
use std::time::Duration;

/// What a batch holds: one kind of message, plus rejects.
#[derive(Clone, Copy, Debug)]
pub enum Rows<'a> {
    Ticks(&'a [(NewTick, DateTime<Utc>)]),
    Logs(&'a [(NewLog, DateTime<Utc>)]),
}

impl Rows<'_> {
    pub fn len(&self) -> usize {
        match self {
            Rows::Ticks(t) => t.len(),
            Rows::Logs(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How long a publisher id is remembered unless configured otherwise.
pub const DEFAULT_ID_WINDOW: Duration = Duration::from_secs(7 * 86_400);

/// One batch to write.
#[derive(Clone, Copy, Debug)]
pub struct NewBatch<'a> {
    /// Random id, recorded with the feed's position when the batch commits.
    pub id: i64,
    /// The lease token of the writer; `None` writes without a lease (only
    /// for tools that own the database, such as the storage benchmark).
    pub fence: Option<i64>,
    pub rows: Rows<'a>,
    pub rejected: &'a [NewRejected],
    /// How long a publisher id is remembered: a message whose id was seen
    /// within this window before is a duplicate (`FEEDBOARD_ID_WINDOW`).
    pub id_window: Duration,
}

/// The rows a batch stored, in `seq` order.
#[derive(Debug, Default, PartialEq)]
pub struct Stored {
    pub ticks: Vec<Tick>,
    pub logs: Vec<LogLine>,
}

impl Stored {
    pub fn len(&self) -> usize {
        self.ticks.len() + self.logs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Stores `batch` for `feed_id` atomically.
pub async fn write(db: &PgPool, feed_id: i64, batch: &NewBatch<'_>) -> Result<Stored, StoreError> {
    let mut tx = db.begin().await?;
    let stored = write_in(&mut tx, feed_id, batch).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Stores `batch` for `feed_id` as part of the transaction `tx`.
pub async fn write_in(
    tx: &mut Transaction<'_, Postgres>,
    feed_id: i64,
    batch: &NewBatch<'_>,
) -> Result<Stored, StoreError> {
    if let Some(token) = batch.fence {
        // FOR SHARE: a takeover (which updates the row) waits for this batch.
        let held: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM feed_leases WHERE feed_id = $1 AND token = $2 FOR SHARE")
                .bind(feed_id)
                .bind(token)
                .fetch_optional(&mut **tx)
                .await?;
        if held.is_none() {
            return Err(StoreError::Fenced(feed_id));
        }
    }
    let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM feed_positions WHERE feed_id = $1 FOR UPDATE")
        .bind(feed_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("feed #{feed_id}")))?;
    let ids_since = Utc::now() - batch.id_window;
    let stored = match batch.rows {
        Rows::Ticks(ticks) if !ticks.is_empty() => insert_ticks(tx, feed_id, last_seq, ids_since, ticks).await?,
        Rows::Logs(logs) if !logs.is_empty() => insert_logs(tx, feed_id, last_seq, ids_since, logs).await?,
        _ => Stored::default(),
    };
    // A batch written without a lease (a re-parse, a tool) leaves the last
    // batch alone: the feed's writer may be about to ask whether its own is in.
    sqlx::query(
        "UPDATE feed_positions SET last_seq = $2, last_batch = COALESCE($3, last_batch),
             last_batch_from = CASE WHEN $3 IS NULL THEN last_batch_from ELSE $4 END
         WHERE feed_id = $1",
    )
    .bind(feed_id)
    .bind(last_seq + stored.len() as i64)
    .bind(batch.fence.map(|_| batch.id))
    .bind(last_seq)
    .execute(&mut **tx)
    .await?;
    if !batch.rejected.is_empty() {
        insert_rejected(tx, feed_id, batch.rejected).await?;
    }
    Ok(stored)
}

/// What batch `batch_id` stored, if it was the last one to commit for the
/// feed; `None` if it is not in the database.
pub async fn committed(db: &PgPool, feed_id: i64, batch_id: i64) -> Result<Option<Stored>, StoreError> {
    let row: Option<(Option<i64>, Option<i64>, i64, String)> = sqlx::query_as(
        "SELECT p.last_batch, p.last_batch_from, p.last_seq, f.kind
         FROM feed_positions p JOIN feeds f ON f.id = p.feed_id WHERE p.feed_id = $1",
    )
    .bind(feed_id)
    .fetch_optional(db)
    .await?;
    let Some((Some(last_batch), Some(from), to, kind)) = row else { return Ok(None) };
    if last_batch != batch_id {
        return Ok(None);
    }
    let mut stored = Stored::default();
    if from < to {
        if kind == "logs" {
            stored.logs = super::history::logs_between(db, feed_id, from, to).await?;
        } else {
            stored.ticks = super::history::ticks_between(db, feed_id, from, to).await?;
        }
    }
    Ok(Some(stored))
}
