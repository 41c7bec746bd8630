//! Reading stored messages back: history pages, candles, replays.

use super::StoreError;
use crate::model::{Candle, LogLine, Rejected, Tick};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

/// Filters for a page of ticks, oldest first.
#[derive(Clone, Debug, Default)]
pub struct TickQuery {
    pub symbol: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub after_seq: Option<i64>,
    pub limit: i64,
}

pub async fn ticks(db: &PgPool, feed_id: i64, q: &TickQuery) -> Result<Vec<Tick>, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new("SELECT seq, symbol, price, size, ts FROM ticks WHERE feed_id = ");
    sql.push_bind(feed_id);
    if let Some(symbol) = &q.symbol {
        sql.push(" AND symbol = ").push_bind(symbol);
    }
    if let Some(from) = q.from {
        sql.push(" AND ts >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        sql.push(" AND ts < ").push_bind(to);
    }
    if let Some(after) = q.after_seq {
        sql.push(" AND seq > ").push_bind(after);
    }
    sql.push(" ORDER BY seq LIMIT ").push_bind(q.limit);
    let rows: Vec<(i64, String, f64, f64, DateTime<Utc>)> = sql.build_query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|(seq, symbol, price, size, ts)| Tick { seq, symbol, price, size, ts }).collect())
}

/// Buckets of `interval` between `from` and `to`, oldest first.
pub async fn candles(
    db: &PgPool,
    feed_id: i64,
    symbol: &str,
    interval: chrono::Duration,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Candle>, StoreError> {
    let micros = interval.num_microseconds().unwrap_or(i64::MAX);
    let rows: Vec<(DateTime<Utc>, f64, f64, f64, f64, f64)> = sqlx::query_as(
        "SELECT date_bin(make_interval(secs => $3::float8 / 1e6), ts, TIMESTAMPTZ '2000-01-01') AS t,
                (array_agg(price ORDER BY ts, seq))[1],
                max(price), min(price),
                (array_agg(price ORDER BY ts DESC, seq DESC))[1],
                sum(size)
         FROM ticks
         WHERE feed_id = $1 AND symbol = $2 AND ts >= $4 AND ts < $5
         GROUP BY 1 ORDER BY 1",
    )
    .bind(feed_id)
    .bind(symbol)
    .bind(micros as f64)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(t, open, high, low, close, volume)| Candle { t, open, high, low, close, volume })
        .collect())
}

/// Last price, first price in the window and time of each symbol.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SymbolSummary {
    pub symbol: String,
    pub seq: i64,
    pub last: f64,
    pub open: f64,
    #[serde(with = "crate::model::time")]
    pub ts: DateTime<Utc>,
}

/// For each symbol seen since `since`: its latest tick and the first price
/// since `since` (the "open" a ticker compares against).
pub async fn symbols(db: &PgPool, feed_id: i64, since: DateTime<Utc>) -> Result<Vec<SymbolSummary>, StoreError> {
    let rows: Vec<(String, i64, f64, f64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT symbol,
                (array_agg(seq ORDER BY seq DESC))[1],
                (array_agg(price ORDER BY seq DESC))[1],
                (array_agg(price ORDER BY seq))[1],
                max(ts)
         FROM ticks WHERE feed_id = $1 AND ts >= $2
         GROUP BY symbol ORDER BY symbol",
    )
    .bind(feed_id)
    .bind(since)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(symbol, seq, last, open, ts)| SymbolSummary { symbol, seq, last, open, ts }).collect())
}

/// Filters and cursor for a page of log lines.
#[derive(Clone, Debug, Default)]
pub struct LogQuery {
    pub levels: Vec<String>,
    pub source: Option<String>,
    pub text: Option<String>,
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    pub limit: i64,
}

/// Newest first (with `before_seq` or no cursor), oldest first with `after_seq`.
pub async fn logs(db: &PgPool, feed_id: i64, q: &LogQuery) -> Result<Vec<LogLine>, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new("SELECT seq, ts, level, source, message FROM logs WHERE feed_id = ");
    sql.push_bind(feed_id);
    if !q.levels.is_empty() {
        sql.push(" AND level = ANY(").push_bind(&q.levels).push(")");
    }
    if let Some(source) = &q.source {
        sql.push(" AND source = ").push_bind(source);
    }
    if let Some(text) = &q.text {
        sql.push(" AND message ILIKE ").push_bind(format!("%{}%", escape_like(text)));
    }
    if let Some(before) = q.before_seq {
        sql.push(" AND seq < ").push_bind(before);
    }
    if let Some(after) = q.after_seq {
        sql.push(" AND seq > ").push_bind(after);
    }
    let newest_first = q.after_seq.is_none();
    sql.push(if newest_first { " ORDER BY seq DESC" } else { " ORDER BY seq" });
    sql.push(" LIMIT ").push_bind(q.limit);
    let rows: Vec<(i64, DateTime<Utc>, String, String, String)> = sql.build_query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|(seq, ts, level, source, message)| LogLine { seq, ts, level, source, message }).collect())
}

/// The distinct sources of a feed's recent log lines (for filter menus).
pub async fn log_sources(db: &PgPool, feed_id: i64) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT source FROM (SELECT source FROM logs WHERE feed_id = $1 ORDER BY seq DESC LIMIT 5000) s
         ORDER BY source",
    )
    .bind(feed_id)
    .fetch_all(db)
    .await?)
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Most recent rejected payloads, newest first; payloads as lossy UTF-8,
/// cut to `max_payload` bytes.
pub async fn rejected(db: &PgPool, feed_id: i64, limit: i64, max_payload: usize) -> Result<Vec<Rejected>, StoreError> {
    let rows: Vec<(DateTime<Utc>, String, Vec<u8>, i32)> = sqlx::query_as(
        "SELECT received_at, reason, substring(payload FROM 1 FOR $3), length(payload)
         FROM rejected_messages WHERE feed_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(feed_id)
    .bind(limit)
    .bind(max_payload as i32)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(received_at, reason, payload, len)| {
            let mut text = String::from_utf8_lossy(&payload).into_owned();
            if len as usize > payload.len() {
                text.push_str(&format!("… ({len} bytes in all)"));
            }
            Rejected { received_at, reason, payload: text }
        })
        .collect())
}

/// The last sequence number given out for a feed.
pub async fn last_seq(db: &PgPool, feed_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT last_seq FROM feed_positions WHERE feed_id = $1")
        .bind(feed_id)
        .fetch_optional(db)
        .await?
        .unwrap_or(0))
}
