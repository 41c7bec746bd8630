//! Writing a batch of parsed messages in one transaction: sequence numbers
//! come from the feed's position row, locked until commit, so `seq` is
//! gap-free and rises in commit order; a publisher id stored within the id
//! window (or repeated within the batch) is skipped, never stored twice.
//!
//! Every batch carries the writer's lease token (checked in the same
//! transaction, so a former owner of the feed can never commit) and an id
//! recorded with the position, so a writer whose connection broke during
//! COMMIT can ask whether the batch is in before it tries again.

use super::StoreError;
use crate::model::{LogLine, NewLog, NewRejected, NewTick, Tick};
use chrono::{DateTime, Utc};
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

/// The statement that stores one batch in `table` (`$1` feed, `$2` the
/// last `seq` so far, `$3`–`$8` the columns of `input`, which yields
/// `received_at`, `publisher_id` and `ord` besides the message's own
/// `columns`, `$9` the start of the id window):
/// - a publisher id repeated within the batch counts once (the first);
/// - an id seen since the window's start (looked up in its day partitions
///   of `publisher_ids` only) is a duplicate; a new one is recorded, and
///   only rows with a new id, or none, are stored, with the next `seq`
///   numbers in order (the feed's position lock keeps two batches of a
///   feed from racing between the look-up and the insert);
/// - the rows stored are counted per UTC day in `feed_days`.
fn insert_sql(table: &str, input: &str, columns: &str) -> String {
    format!(
        "WITH input AS (SELECT * FROM {input}),
         once AS (
             SELECT DISTINCT ON (publisher_id, CASE WHEN publisher_id IS NULL THEN ord END) *
             FROM input ORDER BY publisher_id, CASE WHEN publisher_id IS NULL THEN ord END, ord
         ), claimed AS (
             INSERT INTO publisher_ids (feed_id, publisher_id, seen_at)
             SELECT $1, o.publisher_id, o.received_at FROM once o
             WHERE o.publisher_id IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM publisher_ids p
                 WHERE p.feed_id = $1 AND p.publisher_id = o.publisher_id AND p.seen_at >= $9
             )
             ORDER BY o.ord
             ON CONFLICT DO NOTHING RETURNING publisher_id
         ), stored AS (
             INSERT INTO {table} (feed_id, seq, {columns}, received_at, publisher_id)
             SELECT $1, $2 + row_number() OVER (ORDER BY ord), {columns}, received_at, publisher_id
             FROM once WHERE publisher_id IS NULL OR publisher_id IN (SELECT publisher_id FROM claimed)
             RETURNING seq, {columns}
         ), counted AS (
             INSERT INTO feed_days AS d (feed_id, day, rows, max_seq)
             SELECT $1, (ts AT TIME ZONE 'UTC')::date, count(*), max(seq) FROM stored GROUP BY 2
             ON CONFLICT (feed_id, day) DO UPDATE
                 SET rows = d.rows + EXCLUDED.rows, max_seq = GREATEST(d.max_seq, EXCLUDED.max_seq)
         )
         SELECT seq, {columns} FROM stored"
    )
}

async fn insert_ticks(
    tx: &mut Transaction<'_, Postgres>,
    feed_id: i64,
    last_seq: i64,
    ids_since: DateTime<Utc>,
    rows: &[(NewTick, DateTime<Utc>)],
) -> Result<Stored, StoreError> {
    let mut symbol = Vec::with_capacity(rows.len());
    let mut price = Vec::with_capacity(rows.len());
    let mut size = Vec::with_capacity(rows.len());
    let mut ts = Vec::with_capacity(rows.len());
    let mut received = Vec::with_capacity(rows.len());
    let mut id = Vec::with_capacity(rows.len());
    for (t, at) in rows {
        symbol.push(t.symbol.as_str());
        price.push(t.price);
        size.push(t.size);
        ts.push(t.ts);
        received.push(*at);
        id.push(t.publisher_id.as_deref());
    }
    let mut ticks: Vec<Tick> = sqlx::query_as::<_, (i64, String, f64, f64, DateTime<Utc>)>(&insert_sql(
        "ticks",
        "UNNEST($3::text[], $4::float8[], $5::float8[], $6::timestamptz[], $7::timestamptz[], $8::text[])
             WITH ORDINALITY AS t(symbol, price, size, ts, received_at, publisher_id, ord)",
        "symbol, price, size, ts",
    ))
    .bind(feed_id)
    .bind(last_seq)
    .bind(&symbol)
    .bind(&price)
    .bind(&size)
    .bind(&ts)
    .bind(&received)
    .bind(&id)
    .bind(ids_since)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(seq, symbol, price, size, ts)| Tick { seq, symbol, price, size, ts })
    .collect();
    ticks.sort_unstable_by_key(|t| t.seq);
    sqlx::query(
        "INSERT INTO feed_symbols (feed_id, symbol) SELECT DISTINCT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(feed_id)
    .bind(&symbol)
    .execute(&mut **tx)
    .await?;
    Ok(Stored { ticks, logs: Vec::new() })
}

async fn insert_logs(
    tx: &mut Transaction<'_, Postgres>,
    feed_id: i64,
    last_seq: i64,
    ids_since: DateTime<Utc>,
    rows: &[(NewLog, DateTime<Utc>)],
) -> Result<Stored, StoreError> {
    let mut ts = Vec::with_capacity(rows.len());
    let mut level = Vec::with_capacity(rows.len());
    let mut source = Vec::with_capacity(rows.len());
    let mut message = Vec::with_capacity(rows.len());
    let mut received = Vec::with_capacity(rows.len());
    let mut id = Vec::with_capacity(rows.len());
    for (l, at) in rows {
        ts.push(l.ts);
        level.push(l.level.as_str());
        source.push(l.source.as_str());
        message.push(l.message.as_str());
        received.push(*at);
        id.push(l.publisher_id.as_deref());
    }
    let mut logs: Vec<LogLine> = sqlx::query_as::<_, (i64, DateTime<Utc>, String, String, String)>(&insert_sql(
        "logs",
        "UNNEST($3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
             WITH ORDINALITY AS t(ts, level, source, message, received_at, publisher_id, ord)",
        "ts, level, source, message",
    ))
    .bind(feed_id)
    .bind(last_seq)
    .bind(&ts)
    .bind(&level)
    .bind(&source)
    .bind(&message)
    .bind(&received)
    .bind(&id)
    .bind(ids_since)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(seq, ts, level, source, message)| LogLine { seq, ts, level, source, message })
    .collect();
    logs.sort_unstable_by_key(|l| l.seq);
    Ok(Stored { ticks: Vec::new(), logs })
}

async fn insert_rejected(
    tx: &mut Transaction<'_, Postgres>,
    feed_id: i64,
    rejected: &[NewRejected],
) -> Result<(), StoreError> {
    let at: Vec<DateTime<Utc>> = rejected.iter().map(|r| r.received_at).collect();
    let reason: Vec<&str> = rejected.iter().map(|r| r.reason.as_str()).collect();
    let payload: Vec<&[u8]> = rejected.iter().map(|r| r.payload.as_slice()).collect();
    let size: Vec<i32> = rejected.iter().map(|r| i32::try_from(r.size).unwrap_or(i32::MAX)).collect();
    let origin: Vec<&str> = rejected.iter().map(|r| r.origin.as_str()).collect();
    sqlx::query(
        "INSERT INTO rejected_messages (feed_id, received_at, reason, payload, payload_size, origin)
         SELECT $1, * FROM UNNEST($2::timestamptz[], $3::text[], $4::bytea[], $5::int4[], $6::text[])",
    )
    .bind(feed_id)
    .bind(&at)
    .bind(&reason)
    .bind(&payload)
    .bind(&size)
    .bind(&origin)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
