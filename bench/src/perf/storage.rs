//! Storage: feedboard's batch insert (UNNEST with de-duplication, `seq`
//! assignment and symbol index) ÷ a raw binary COPY of the same rows in the
//! same batches into a table with the same indexes; beside both, a plain
//! `INSERT … UNNEST` of those rows without any of feedboard's guarantees.

use super::Scale;
use chrono::{DateTime, Utc};
use feedboard::{
    model::NewTick,
    store::{self, batch::Rows},
};
use feedboard_bench::{
    Result, context,
    report::{Report, Row},
    server::fresh_database,
};
use sqlx::{PgPool, postgres::PgPoolCopyExt};
use std::time::Instant;

const BATCH: usize = 1_000;

/// Adds the storage row.
pub async fn measure(report: &mut Report, scale: Scale) -> Result {
    // The ingest pool, as the writer uses it (no statement timeout).
    let pools = store::PoolSettings { requests: 1, ingest: 16, statement_timeout: std::time::Duration::from_secs(60) };
    let db = store::connect_and_migrate(&fresh_database("feedboard_bench_storage").await?, &pools)
        .await
        .map_err(context("storage bench database"))?
        .ingest;
    let feed_id: i64 = sqlx::query_scalar(
        "INSERT INTO feeds (name, kind, source) VALUES ('bench-storage', 'ticks', '{}') RETURNING id",
    )
    .fetch_one(&db)
    .await
    .map_err(context("bench feed"))?;
    sqlx::query("INSERT INTO feed_positions (feed_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(feed_id)
        .execute(&db)
        .await
        .map_err(context("bench feed position"))?;
    // The baselines' tables, created before any clock starts.
    for table in ["ticks_copy", "ticks_plain"] {
        sqlx::query(&format!("CREATE TABLE {table} (LIKE ticks INCLUDING ALL)"))
            .execute(&db)
            .await
            .map_err(context("baseline table"))?;
    }
    let now = Utc::now();
    let rows: Vec<(NewTick, DateTime<Utc>)> = (0..scale.rows)
        .map(|i| {
            let tick = NewTick {
                symbol: format!("S{}", i % 10),
                price: 100.0 + (i % 50) as f64 / 4.0,
                size: 1.0,
                ts: now,
                publisher_id: Some(format!("m{i}")),
            };
            (tick, now)
        })
        .collect();

    let started = Instant::now();
    copy_binary(&db, feed_id, &rows).await?;
    let copy_rate = rows.len() as f64 / started.elapsed().as_secs_f64();

    // The same rows by a plain INSERT … SELECT FROM UNNEST: no dedup, no
    // id register, no `seq` sort, no day counts: what the statement type
    // itself costs beside COPY.
    let started = Instant::now();
    insert_plain(&db, feed_id, &rows).await?;
    let plain_rate = rows.len() as f64 / started.elapsed().as_secs_f64();
    report.add(
        Row::new("storage: plain INSERT … UNNEST (no guarantees)", plain_rate, "rows/s")
            .baseline(copy_rate)
            .note(format!("{} ticks in batches of {BATCH}; baseline: binary COPY", rows.len())),
    );

    let started = Instant::now();
    let mut stored = 0;
    for (id, batch) in (0i64..).zip(rows.chunks(BATCH)) {
        let batch = store::batch::NewBatch {
            id,
            fence: None,
            rows: Rows::Ticks(batch),
            rejected: &[],
            id_window: store::batch::DEFAULT_ID_WINDOW,
        };
        stored += store::batch::write(&db, feed_id, &batch).await.map_err(context("batch write"))?.len();
    }
    let rate = stored as f64 / started.elapsed().as_secs_f64();
    report.add(
        Row::new("storage: batch insert", rate, "rows/s")
            .baseline(copy_rate)
            .ratio_at_least(0.7)
            .note(format!("{stored} ticks in batches of {BATCH}; baseline: binary COPY, same batches and indexes")),
    );
    db.close().await;
    Ok(())
}

/// `INSERT … SELECT FROM UNNEST(…)` into a copy of `ticks`, one statement per batch.
async fn insert_plain(db: &PgPool, feed_id: i64, rows: &[(NewTick, DateTime<Utc>)]) -> Result {
    for (n, batch) in rows.chunks(BATCH).enumerate() {
        let first = (n * BATCH) as i64;
        let column = |f: fn(&NewTick) -> f64| batch.iter().map(|(t, _)| f(t)).collect::<Vec<f64>>();
        sqlx::query(
            "INSERT INTO ticks_plain (feed_id, seq, symbol, price, size, ts, received_at, publisher_id)
             SELECT $1, $2 + ord, symbol, price, size, ts, received_at, publisher_id
             FROM UNNEST($3::text[], $4::float8[], $5::float8[], $6::timestamptz[], $7::timestamptz[], $8::text[])
                 WITH ORDINALITY AS t(symbol, price, size, ts, received_at, publisher_id, ord)",
        )
        .bind(feed_id)
        .bind(first)
        .bind(batch.iter().map(|(t, _)| t.symbol.as_str()).collect::<Vec<_>>())
        .bind(column(|t| t.price))
        .bind(column(|t| t.size))
        .bind(batch.iter().map(|(t, _)| t.ts).collect::<Vec<_>>())
        .bind(batch.iter().map(|(_, at)| *at).collect::<Vec<_>>())
        .bind(batch.iter().map(|(t, _)| t.publisher_id.as_deref()).collect::<Vec<_>>())
        .execute(db)
        .await
        .map_err(context("plain insert"))?;
    }
    Ok(())
}

/// COPY … FROM STDIN (FORMAT binary), one statement per batch.
async fn copy_binary(db: &PgPool, feed_id: i64, rows: &[(NewTick, DateTime<Utc>)]) -> Result {
    let mut seq = 0i64;
    for batch in rows.chunks(BATCH) {
        let mut buf = Vec::with_capacity(batch.len() * 100);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes());
        buf.extend_from_slice(&0i32.to_be_bytes());
        for (tick, received_at) in batch {
            seq += 1;
            buf.extend_from_slice(&8i16.to_be_bytes());
            field(&mut buf, &feed_id.to_be_bytes());
            field(&mut buf, &seq.to_be_bytes());
            field(&mut buf, tick.symbol.as_bytes());
            field(&mut buf, &tick.price.to_be_bytes());
            field(&mut buf, &tick.size.to_be_bytes());
            field(&mut buf, &pg_micros(tick.ts).to_be_bytes());
            field(&mut buf, &pg_micros(*received_at).to_be_bytes());
            field(&mut buf, tick.publisher_id.as_deref().unwrap_or_default().as_bytes());
        }
        buf.extend_from_slice(&(-1i16).to_be_bytes());
        let mut copy = db
            .copy_in_raw(
                "COPY ticks_copy (feed_id, seq, symbol, price, size, ts, received_at, publisher_id) \
                 FROM STDIN (FORMAT binary)",
            )
            .await
            .map_err(context("COPY"))?;
        copy.send(buf).await.map_err(context("COPY data"))?;
        copy.finish().await.map_err(context("COPY finish"))?;
    }
    Ok(())
}

fn field(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// Microseconds since 2000-01-01 UTC, Postgres' binary timestamptz.
fn pg_micros(t: DateTime<Utc>) -> i64 {
    const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;
    t.timestamp_micros() - PG_EPOCH_UNIX_MICROS
}
