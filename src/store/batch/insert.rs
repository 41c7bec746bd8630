//! The statements that store a batch's rows: one `INSERT … SELECT FROM
//! UNNEST(…)` per kind (with the publisher-id check and the per-day count),
//! and the rejects.

use super::Stored;
use crate::{
    model::{LogLine, NewLog, NewRejected, NewTick, Tick},
    store::StoreError,
};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

/// The statement that stores one batch in `table` (`$1` feed, `$2` the
/// last `seq` so far, `$3`–`$8` the columns of `input`, which yields
/// `received_at`, `publisher_id` and `ord` besides the message's own
/// `columns`, `$9` the start of the id window):
/// - a publisher id repeated within the batch counts once (the first);
/// - an id seen since the window's start (looked up in its day partitions
///   of `publisher_ids` only, one index probe per id: a `LATERAL … LIMIT 1`,
///   because with a fresh day's statistics the planner turned `NOT EXISTS`
///   into a hash of every id in the window, read again for each batch) is a
///   duplicate; a new one is recorded, and
///   only rows with a new id, or none, are stored, with the next `seq`
///   numbers in order (the feed's position lock keeps two batches of a
///   feed from racing between the look-up and the insert);
/// - a new id is remembered as seen at its message's arrival, or at the
///   window's start if that is later (a re-parsed old message): then a row
///   with the same key would have been found by the look-up, so the insert
///   needs no `ON CONFLICT` check, which cost as much again per id;
/// - the rows stored are counted per UTC day in `feed_days`.
fn insert_sql(table: &str, input: &str, columns: &str) -> String {
    format!(
        "WITH input AS (SELECT * FROM {input}),
         once AS (
             SELECT DISTINCT ON (publisher_id, CASE WHEN publisher_id IS NULL THEN ord END) *
             FROM input ORDER BY publisher_id, CASE WHEN publisher_id IS NULL THEN ord END, ord
         ), claimed AS (
             INSERT INTO publisher_ids (feed_id, publisher_id, seen_at)
             SELECT $1, o.publisher_id, GREATEST(o.received_at, $9) FROM once o
             LEFT JOIN LATERAL (
                 SELECT true AS seen FROM publisher_ids p
                 WHERE p.feed_id = $1 AND p.publisher_id = o.publisher_id AND p.seen_at >= $9 LIMIT 1
             ) before ON true
             WHERE o.publisher_id IS NOT NULL AND before.seen IS NULL
             ORDER BY o.ord
             RETURNING publisher_id
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

pub(super) async fn insert_ticks(
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

pub(super) async fn insert_logs(
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

pub(super) async fn insert_rejected(
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
