//! Loading one history: its own database, the day partitions of the span,
//! generated ticks, publisher ids and log lines streamed with binary COPY,
//! the writer's bookkeeping in one statement each, then the candle rollups
//! caught up with the upkeep's own step.

use super::rows::{Span, copy_logs, copy_publisher_ids, copy_ticks};
use chrono::{Days, NaiveDate};
use feedboard::store::{
    self,
    lifecycle::{Partitioned, partitions, rollup},
};
use feedboard_bench::{Result, context, server::fresh_database};
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use std::{
    str::FromStr,
    time::{Duration, Instant},
};

/// Days of history, ending at today's midnight (UTC).
pub const DAYS: u64 = 30;
pub const TICKS_FEED: &str = "history-ticks";
pub const LOGS_FEED: &str = "history-logs";
pub const SYMBOLS: [&str; 10] = ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA", "NFLX", "INTC", "ORCL"];
/// Log lines per tick.
pub const LOGS_PER_TICK: u64 = 10;
/// Ticks per rollup step: the server's default `FEEDBOARD_ROLLUP_BATCH`.
pub const ROLLUP_BATCH: i64 = 20_000;

/// A loaded history and what loading it took.
pub struct History {
    pub database: String,
    /// No statement timeout, as the server's ingest pool.
    pub db: PgPool,
    pub ticks_feed: i64,
    pub logs_feed: i64,
    pub ticks: u64,
    pub logs: u64,
    pub copy: Duration,
    pub bookkeeping: Duration,
    pub rollup: Duration,
    pub vacuum: Duration,
    /// `pg_database_size` once loaded.
    pub bytes: i64,
}

/// Creates `database` afresh and loads `ticks` ticks (and a tenth as many
/// log lines) spread evenly over the [`DAYS`] days from `first_day`.
pub async fn load(database: &str, ticks: u64, first_day: NaiveDate) -> Result<History> {
    let url = fresh_database(database).await?;
    let settings = store::PoolSettings { requests: 1, ingest: 4, statement_timeout: Duration::from_secs(600) };
    let db = store::connect_and_migrate(&url, &settings).await.map_err(context("history database"))?.ingest;
    let ticks_feed = feed(&db, TICKS_FEED, "ticks").await?;
    let logs_feed = feed(&db, LOGS_FEED, "logs").await?;
    // The span's days and today (where the ingest step writes).
    for table in [Partitioned::Ticks, Partitioned::Logs, Partitioned::PublisherIds] {
        for d in 0..=DAYS {
            let day = first_day.checked_add_days(Days::new(d)).ok_or("date out of range")?;
            partitions::create(&db, table, day).await.map_err(context("create a day partition"))?;
        }
    }
    let logs = ticks / LOGS_PER_TICK;
    let span = Span::new(first_day)?;

    // Loading connections skip the foreign-key triggers (every row's
    // feed_id is one of the two feeds just created).
    let options = PgConnectOptions::from_str(&url)
        .map_err(context("database URL"))?
        .options([("session_replication_role", "replica")]);
    let loader = PgPoolOptions::new().max_connections(2).connect_with(options).await.map_err(context("load pool"))?;
    let started = Instant::now();
    // Two streams at once (two cores): ticks; publisher ids then log lines.
    tokio::try_join!(copy_ticks(&loader, ticks_feed, ticks, span), async {
        copy_publisher_ids(&loader, ticks_feed, ticks, span).await?;
        copy_logs(&loader, logs_feed, logs, span).await
    })?;
    let copy = started.elapsed();
    loader.close().await;

    let started = Instant::now();
    bookkeeping(&db, ticks_feed, ticks, logs_feed, logs).await?;
    let bookkeeping = started.elapsed();

    let started = Instant::now();
    let mut rolled = 0;
    loop {
        let n = rollup::step(&db, ticks_feed, ROLLUP_BATCH).await.map_err(context("rollup step"))?;
        if n == 0 {
            break;
        }
        rolled += n;
    }
    let rollup = started.elapsed();
    if rolled != ticks {
        return Err(format!("rolled up {rolled} ticks of {ticks}"));
    }

    // Autovacuum is off on this Postgres: statistics and the visibility
    // map are made here, the same way for both sizes.
    let started = Instant::now();
    for sql in ["VACUUM (ANALYZE) ticks, logs, publisher_ids, candles, feed_days, feed_positions", "CHECKPOINT"] {
        sqlx::raw_sql(sql).execute(&db).await.map_err(context("VACUUM"))?;
    }
    let vacuum = started.elapsed();
    let bytes = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&db)
        .await
        .map_err(context("database size"))?;
    Ok(History {
        database: database.to_owned(),
        db,
        ticks_feed,
        logs_feed,
        ticks,
        logs,
        copy,
        bookkeeping,
        rollup,
        vacuum,
        bytes,
    })
}

/// A disabled MQTT feed of `kind` (the server never connects it); its id.
async fn feed(db: &PgPool, name: &str, kind: &str) -> Result<i64> {
    let source =
        serde_json::json!({"protocol": "mqtt", "url": "mqtt://127.0.0.1:1883", "topic": format!("bench/{name}")});
    let id: i64 =
        sqlx::query_scalar("INSERT INTO feeds (name, kind, source, enabled) VALUES ($1, $2, $3, false) RETURNING id")
            .bind(name)
            .bind(kind)
            .bind(source)
            .fetch_one(db)
            .await
            .map_err(context("create a bench feed"))?;
    sqlx::query("INSERT INTO feed_positions (feed_id) VALUES ($1)")
        .bind(id)
        .execute(db)
        .await
        .map_err(context("feed position"))?;
    Ok(id)
}

/// What the writer keeps beside the rows: counts per day, the last `seq`,
/// the symbols.
async fn bookkeeping(db: &PgPool, ticks_feed: i64, ticks: u64, logs_feed: i64, logs: u64) -> Result {
    sqlx::query(
        "INSERT INTO feed_days (feed_id, day, rows, max_seq)
         SELECT feed_id, (ts AT TIME ZONE 'UTC')::date, count(*), max(seq) FROM ticks WHERE feed_id = $1 GROUP BY 1, 2
         UNION ALL
         SELECT feed_id, (ts AT TIME ZONE 'UTC')::date, count(*), max(seq) FROM logs WHERE feed_id = $2 GROUP BY 1, 2",
    )
    .bind(ticks_feed)
    .bind(logs_feed)
    .execute(db)
    .await
    .map_err(context("feed_days"))?;
    for (feed, last) in [(ticks_feed, ticks), (logs_feed, logs)] {
        sqlx::query("UPDATE feed_positions SET last_seq = $2 WHERE feed_id = $1")
            .bind(feed)
            .bind(last as i64)
            .execute(db)
            .await
            .map_err(context("feed position"))?;
    }
    sqlx::query("INSERT INTO feed_symbols (feed_id, symbol) SELECT $1, unnest($2::text[])")
        .bind(ticks_feed)
        .bind(&SYMBOLS[..])
        .execute(db)
        .await
        .map_err(context("feed symbols"))?;
    Ok(())
}
