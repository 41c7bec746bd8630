//! Reading every matching row of a feed for an export, in `seq` order, as a
//! row stream: rows are handed on one at a time as Postgres sends them, so
//! memory stays flat however many there are.
//!
//! Each export runs in a read-only transaction of its own on a request
//! connection, with `statement_timeout` raised (`SET LOCAL`) to the export's
//! limit: the read timeout of ordinary requests would cut a long export
//! short. An export that does not finish (the client left, the server is
//! stopping, an error) closes its connection instead of returning it to the
//! pool, so Postgres stops sending the rest at once rather than a later
//! request having to drain it.

use super::StoreError;
use crate::model::{LogLine, Tick};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::{Connection, PgPool, Postgres, QueryBuilder, postgres::PgRow};
use std::{future::Future, time::Duration};

/// Where an export's rows go, one at a time.
pub trait RowSink<T>: Send {
    /// Takes one row; `false` stops the export (the reader went away).
    fn push(&mut self, row: T) -> impl Future<Output = bool> + Send;
}

/// The ticks of one feed an export reads.
#[derive(Clone, Debug, Default)]
pub struct Ticks {
    pub feed_id: i64,
    pub symbol: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub after_seq: Option<i64>,
}

/// The log lines of one feed an export reads.
#[derive(Clone, Debug, Default)]
pub struct Logs {
    pub feed_id: i64,
    /// None: every level.
    pub levels: Vec<String>,
    pub source: Option<String>,
    /// Case-insensitive text the message contains.
    pub text: Option<String>,
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    /// Only lines with `from <= ts < to`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// How an export ended on the database's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Every matching row was pushed.
    Complete { rows: u64 },
    /// The sink said stop after `rows` rows.
    Stopped { rows: u64 },
}

/// Pushes every tick of `q` into `sink`, in `seq` order; statements may
/// run for up to `timeout`.
pub async fn ticks(
    db: &PgPool,
    timeout: Duration,
    q: &Ticks,
    sink: &mut impl RowSink<Tick>,
) -> Result<Ended, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new("SELECT seq, symbol, price, size, ts FROM ticks WHERE feed_id = ");
    sql.push_bind(q.feed_id);
    super::history::push_tick_filters(&mut sql, q.symbol.as_ref(), q.from, q.to, q.after_seq);
    sql.push(" ORDER BY seq");
    stream(db, timeout, sql, sink, |(seq, symbol, price, size, ts): (i64, String, f64, f64, DateTime<Utc>)| Tick {
        seq,
        symbol,
        price,
        size,
        ts,
    })
    .await
}

/// Pushes every log line of `q` into `sink`, in `seq` order; statements
/// may run for up to `timeout`.
pub async fn logs(
    db: &PgPool,
    timeout: Duration,
    q: &Logs,
    sink: &mut impl RowSink<LogLine>,
) -> Result<Ended, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new("SELECT seq, ts, level, source, message FROM logs WHERE feed_id = ");
    sql.push_bind(q.feed_id);
    super::history::push_log_filters(
        &mut sql,
        &q.levels,
        q.source.as_ref(),
        q.text.as_deref(),
        q.before_seq,
        q.after_seq,
    );
    super::history::push_time_window(&mut sql, q.from, q.to);
    sql.push(" ORDER BY seq");
    stream(db, timeout, sql, sink, |(seq, ts, level, source, message): (i64, DateTime<Utc>, String, String, String)| {
        LogLine { seq, ts, level, source, message }
    })
    .await
}

/// Runs `sql` in an export transaction and pushes each row, made by `make`,
/// into `sink` as it arrives.
async fn stream<R, T>(
    db: &PgPool,
    timeout: Duration,
    mut sql: QueryBuilder<'_, Postgres>,
    sink: &mut impl RowSink<T>,
    make: impl Fn(R) -> T + Send,
) -> Result<Ended, StoreError>
where
    R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
{
    let mut conn = db.acquire().await?;
    let result: Result<Ended, StoreError> = async {
        let mut rows = 0;
        let mut tx = conn.begin().await?;
        sqlx::query("SET TRANSACTION READ ONLY").execute(&mut *tx).await?;
        // A bound `SET LOCAL statement_timeout`: only this transaction's statements.
        sqlx::query("SELECT set_config('statement_timeout', $1, true)")
            .bind(timeout.as_millis().max(1).to_string())
            .execute(&mut *tx)
            .await?;
        let mut stream = sql.build_query_as::<R>().fetch(&mut *tx);
        while let Some(row) = stream.try_next().await? {
            if !sink.push(make(row)).await {
                return Ok(Ended::Stopped { rows });
            }
            rows += 1;
        }
        drop(stream);
        tx.commit().await?;
        Ok(Ended::Complete { rows })
    }
    .await;
    if !matches!(result, Ok(Ended::Complete { .. })) {
        // Rows may still be on their way: close rather than drain them.
        conn.close_on_drop();
    }
    result
}
