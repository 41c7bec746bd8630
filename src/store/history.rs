//! Reading stored messages back: history pages, candles, replays.

use super::StoreError;
use crate::model::{Candle, LevelCount, LogLine, Rejected, SymbolSummary, Tick};
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool, Postgres, QueryBuilder, Transaction};

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
    push_tick_filters(&mut sql, q.symbol.as_ref(), q.from, q.to, q.after_seq);
    sql.push(" ORDER BY seq LIMIT ").push_bind(q.limit);
    let rows: Vec<(i64, String, f64, f64, DateTime<Utc>)> = sql.build_query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(|(seq, symbol, price, size, ts)| Tick { seq, symbol, price, size, ts }).collect())
}

/// Ticks with `from < seq <= to`, in `seq` order.
pub async fn ticks_between(db: &PgPool, feed_id: i64, from: i64, to: i64) -> Result<Vec<Tick>, StoreError> {
    let limit = to - from;
    ticks(db, feed_id, &TickQuery { after_seq: Some(from), limit, ..TickQuery::default() }).await
}

/// Log lines with `from < seq <= to`, in `seq` order.
pub async fn logs_between(db: &PgPool, feed_id: i64, from: i64, to: i64) -> Result<Vec<LogLine>, StoreError> {
    let limit = to - from;
    logs(db, feed_id, &LogQuery { after_seq: Some(from), limit, ..LogQuery::default() }).await
}

/// Buckets of `interval` between `from` and `to`, oldest first, and the
/// feed's last `seq` in the same snapshot (live ticks up to it are counted),
/// computed from the raw ticks (`lifecycle::rollup` serves the rolled-up
/// widths). `from` and `to` are bucket boundaries.
pub async fn candles(
    db: &PgPool,
    feed_id: i64,
    symbol: &str,
    interval: chrono::Duration,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<Candle>, i64), StoreError> {
    let micros = interval.num_microseconds().unwrap_or(i64::MAX);
    let mut tx = snapshot(db).await?;
    let last_seq = last_seq(&mut *tx, feed_id).await?;
    let candles: Vec<Candle> = sqlx::query_as(
        "SELECT date_bin(make_interval(secs => $3::float8 / 1e6), ts, TIMESTAMPTZ '2000-01-01') AS t,
                (array_agg(price ORDER BY ts, seq))[1] AS open,
                max(price) AS high, min(price) AS low,
                (array_agg(price ORDER BY ts DESC, seq DESC))[1] AS close,
                sum(size) AS volume
         FROM ticks
         WHERE feed_id = $1 AND symbol = $2 AND ts >= $4 AND ts < $5
         GROUP BY 1 ORDER BY 1",
    )
    .bind(feed_id)
    .bind(symbol)
    .bind(micros as f64)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((candles, last_seq))
}

/// A read-only transaction that sees one snapshot throughout, so a page
/// and the feed's last `seq` read in it agree.
pub(super) async fn snapshot(db: &PgPool) -> Result<Transaction<'static, Postgres>, StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    Ok(tx)
}

/// Lines per `width`-second bucket and level with `from <= ts < to`
/// (bucket boundaries), oldest first, and the feed's last `seq` in the same
/// snapshot (live lines up to it are counted).
pub async fn level_counts(
    db: &PgPool,
    feed_id: i64,
    width: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<LevelCount>, i64), StoreError> {
    let mut tx = snapshot(db).await?;
    let last_seq = last_seq(&mut *tx, feed_id).await?;
    let counts = sqlx::query_as(
        "SELECT date_bin(make_interval(secs => $2), ts, TIMESTAMPTZ '2000-01-01') AS t, level, count(*) AS lines
         FROM logs WHERE feed_id = $1 AND ts >= $3 AND ts < $4 AND seq <= $5
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(feed_id)
    .bind(width as f64)
    .bind(from)
    .bind(to)
    .bind(last_seq)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((counts, last_seq))
}

/// Each symbol of a ticks feed: latest tick, first price since `since`, and
/// its last `recent` prices.
pub async fn symbols(
    db: &PgPool,
    feed_id: i64,
    since: DateTime<Utc>,
    recent: i64,
) -> Result<Vec<SymbolSummary>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT s.symbol, l.seq, l.price AS last, o.price AS open, l.ts,
                ARRAY(SELECT price FROM (SELECT price, seq FROM ticks t
                                         WHERE t.feed_id = s.feed_id AND t.symbol = s.symbol
                                         ORDER BY ts DESC, seq DESC LIMIT $3) r ORDER BY seq) AS recent
         FROM feed_symbols s
         CROSS JOIN LATERAL (SELECT seq, price, ts FROM ticks t WHERE t.feed_id = s.feed_id AND t.symbol = s.symbol
                             ORDER BY ts DESC, seq DESC LIMIT 1) l
         LEFT JOIN LATERAL (SELECT price FROM ticks t WHERE t.feed_id = s.feed_id AND t.symbol = s.symbol
                                AND t.ts >= $2 ORDER BY ts, seq LIMIT 1) o ON true
         WHERE s.feed_id = $1 ORDER BY s.symbol",
    )
    .bind(feed_id)
    .bind(since)
    .bind(recent)
    .fetch_all(db)
    .await?)
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
    /// Only lines with `seq` in this range (inclusive).
    pub window: Option<(i64, i64)>,
    /// Only lines with `from <= ts < to` (a replay window).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first (with `before_seq` or no cursor), oldest first with `after_seq`.
pub async fn logs(db: &PgPool, feed_id: i64, q: &LogQuery) -> Result<Vec<LogLine>, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new("SELECT seq, ts, level, source, message FROM logs WHERE feed_id = ");
    sql.push_bind(feed_id);
    push_log_filters(&mut sql, &q.levels, q.source.as_ref(), q.text.as_deref(), q.before_seq, q.after_seq);
    if let Some((from, to)) = q.window {
        sql.push(" AND seq BETWEEN ").push_bind(from).push(" AND ").push_bind(to);
    }
    push_time_window(&mut sql, q.from, q.to);
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

/// Appends the tick filters shared by history pages and exports: symbol,
/// a `ts` range and a `seq` cursor.
pub(super) fn push_tick_filters<'a>(
    sql: &mut QueryBuilder<'a, Postgres>,
    symbol: Option<&'a String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    after_seq: Option<i64>,
) {
    if let Some(symbol) = symbol {
        sql.push(" AND symbol = ").push_bind(symbol);
    }
    push_time_window(sql, from, to);
    if let Some(after) = after_seq {
        sql.push(" AND seq > ").push_bind(after);
    }
}

/// Appends `AND ts >= from AND ts < to`, for the bounds given.
pub(super) fn push_time_window(
    sql: &mut QueryBuilder<'_, Postgres>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) {
    if let Some(from) = from {
        sql.push(" AND ts >= ").push_bind(from);
    }
    if let Some(to) = to {
        sql.push(" AND ts < ").push_bind(to);
    }
}

/// Appends the log filters shared by history pages and exports: levels,
/// source, text (case-insensitive) and a `seq` cursor on either side.
pub(super) fn push_log_filters<'a>(
    sql: &mut QueryBuilder<'a, Postgres>,
    levels: &'a Vec<String>,
    source: Option<&'a String>,
    text: Option<&str>,
    before_seq: Option<i64>,
    after_seq: Option<i64>,
) {
    if !levels.is_empty() {
        sql.push(" AND level = ANY(").push_bind(levels).push(")");
    }
    if let Some(source) = source {
        sql.push(" AND source = ").push_bind(source);
    }
    if let Some(text) = text {
        sql.push(" AND message ILIKE ").push_bind(format!("%{}%", escape_like(text)));
    }
    if let Some(before) = before_seq {
        sql.push(" AND seq < ").push_bind(before);
    }
    if let Some(after) = after_seq {
        sql.push(" AND seq > ").push_bind(after);
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Most recent rejected payloads, newest first; payloads as lossy UTF-8,
/// cut to `max_payload` bytes.
pub async fn rejected(db: &PgPool, feed_id: i64, limit: i64, max_payload: usize) -> Result<Vec<Rejected>, StoreError> {
    let rows: Vec<(DateTime<Utc>, String, Vec<u8>, i32)> = sqlx::query_as(
        "SELECT received_at, reason, substring(payload FROM 1 FOR $3), COALESCE(payload_size, length(payload))
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

/// The highest `seq` of a feed that retention removed (0: none yet).
pub async fn pruned_seq(db: &PgPool, feed_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT seq FROM prune_positions WHERE feed_id = $1")
        .bind(feed_id)
        .fetch_optional(db)
        .await?
        .unwrap_or(0))
}

/// The last sequence number given out for a feed.
pub async fn last_seq(db: impl PgExecutor<'_>, feed_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT last_seq FROM feed_positions WHERE feed_id = $1")
        .bind(feed_id)
        .fetch_optional(db)
        .await?
        .unwrap_or(0))
}
