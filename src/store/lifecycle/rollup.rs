//! Candle rollups: 1m, 5m, 1h and 1d candles kept from committed ticks.
//!
//! Each ticks feed has a watermark (`rollup_positions.seq`): a step folds
//! the ticks after it into `candles` and moves it, in one transaction, so
//! every tick is counted exactly once whatever fails or runs twice. A
//! candle remembers its first and last tick by `(ts, seq)`, so ticks that
//! arrive out of `ts` order merge into the candle a raw query would give.
//! A candle request reads rollup rows plus the few ticks past the
//! watermark: O(candles), not O(ticks).

use crate::{
    model::Candle,
    store::{StoreError, history},
};
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

/// The candle widths kept as rollups, in seconds.
pub const WIDTHS: [i32; 4] = [60, 300, 3_600, 86_400];

/// Folds up to `limit` ticks of `feed_id` past its watermark into the
/// candles; returns how many (0: caught up, or another node is at it).
pub async fn step(db: &PgPool, feed_id: i64, limit: i64) -> Result<u64, StoreError> {
    sqlx::query("INSERT INTO rollup_positions (feed_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(feed_id)
        .execute(db)
        .await?;
    let mut tx = db.begin().await?;
    let watermark: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM rollup_positions WHERE feed_id = $1 FOR UPDATE SKIP LOCKED")
            .bind(feed_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(from) = watermark else { return Ok(0) };
    let last: i64 = sqlx::query_scalar("SELECT last_seq FROM feed_positions WHERE feed_id = $1")
        .bind(feed_id)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(0);
    let to = last.min(from.saturating_add(limit));
    if to <= from {
        return Ok(0);
    }
    sqlx::query(
        "INSERT INTO candles AS c
             (feed_id, symbol, width, t, open, open_ts, open_seq, high, low, close, close_ts, close_seq, volume)
         SELECT $1, symbol, w.width, date_bin(make_interval(secs => w.width), ts, TIMESTAMPTZ '2000-01-01'),
                (array_agg(price ORDER BY ts, seq))[1], min(ts), (array_agg(seq ORDER BY ts, seq))[1],
                max(price), min(price),
                (array_agg(price ORDER BY ts DESC, seq DESC))[1], max(ts),
                (array_agg(seq ORDER BY ts DESC, seq DESC))[1],
                sum(size)
         FROM ticks CROSS JOIN unnest($4::int4[]) AS w(width)
         WHERE feed_id = $1 AND seq > $2 AND seq <= $3
         GROUP BY symbol, w.width, 4
         ON CONFLICT (feed_id, symbol, width, t) DO UPDATE SET
             open = CASE WHEN (EXCLUDED.open_ts, EXCLUDED.open_seq) < (c.open_ts, c.open_seq)
                         THEN EXCLUDED.open ELSE c.open END,
             open_seq = CASE WHEN (EXCLUDED.open_ts, EXCLUDED.open_seq) < (c.open_ts, c.open_seq)
                             THEN EXCLUDED.open_seq ELSE c.open_seq END,
             open_ts = LEAST(c.open_ts, EXCLUDED.open_ts),
             high = GREATEST(c.high, EXCLUDED.high),
             low = LEAST(c.low, EXCLUDED.low),
             close = CASE WHEN (EXCLUDED.close_ts, EXCLUDED.close_seq) > (c.close_ts, c.close_seq)
                          THEN EXCLUDED.close ELSE c.close END,
             close_seq = CASE WHEN (EXCLUDED.close_ts, EXCLUDED.close_seq) > (c.close_ts, c.close_seq)
                              THEN EXCLUDED.close_seq ELSE c.close_seq END,
             close_ts = GREATEST(c.close_ts, EXCLUDED.close_ts),
             volume = c.volume + EXCLUDED.volume",
    )
    .bind(feed_id)
    .bind(from)
    .bind(to)
    .bind(&WIDTHS[..])
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE rollup_positions SET seq = $2 WHERE feed_id = $1")
        .bind(feed_id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((to - from) as u64)
}

/// The last `seq` of `feed_id` in the rollups (0 before the first step).
pub async fn watermark(db: impl PgExecutor<'_>, feed_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT seq FROM rollup_positions WHERE feed_id = $1")
        .bind(feed_id)
        .fetch_optional(db)
        .await?
        .unwrap_or(0))
}

/// Candles of `width` seconds (one of [`WIDTHS`]) with bucket starts in
/// `[from, to)` (both on bucket boundaries), oldest first, and the feed's
/// last `seq` in the same snapshot: rollup rows merged with the ticks past
/// the watermark.
pub async fn candles(
    db: &PgPool,
    feed_id: i64,
    symbol: &str,
    width: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<Candle>, i64), StoreError> {
    let mut tx = history::snapshot(db).await?;
    let last_seq = history::last_seq(&mut *tx, feed_id).await?;
    let watermark = watermark(&mut *tx, feed_id).await?;
    let candles: Vec<Candle> = sqlx::query_as(
        "WITH parts AS (
             SELECT t, open, open_ts, open_seq, high, low, close, close_ts, close_seq, volume
             FROM candles WHERE feed_id = $1 AND symbol = $2 AND width = $3 AND t >= $4 AND t < $5
             UNION ALL
             SELECT date_bin(make_interval(secs => $3), ts, TIMESTAMPTZ '2000-01-01'),
                    price, ts, seq, price, price, price, ts, seq, size
             FROM ticks WHERE feed_id = $1 AND symbol = $2 AND seq > $6 AND ts >= $4 AND ts < $5
         )
         SELECT t, (array_agg(open ORDER BY open_ts, open_seq))[1] AS open, max(high) AS high, min(low) AS low,
                (array_agg(close ORDER BY close_ts DESC, close_seq DESC))[1] AS close, sum(volume) AS volume
         FROM parts GROUP BY t ORDER BY t",
    )
    .bind(feed_id)
    .bind(symbol)
    .bind(width)
    .bind(from)
    .bind(to)
    .bind(watermark)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((candles, last_seq))
}
