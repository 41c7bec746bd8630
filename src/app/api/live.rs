//! Server functions the live widgets load their history with.

use crate::{
    error::AppError,
    model::{Candle, LevelCount, LogFilter, LogPage, SeqPage, SymbolSummary},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ctx::viewer;

/// Ticker lines of a ticks feed.
#[server]
pub async fn ticker_snapshot(feed: String) -> Result<SeqPage<SymbolSummary>, AppError> {
    crate::domain::history::symbols(&viewer().await?, &feed, Default::default()).await
}

/// Candles of one symbol at `interval` (`1s`, `1m`, `5m`, `1h`) in
/// `[from, to)` (by default the 150 intervals before now).
#[server]
pub async fn candle_page(
    feed: String,
    symbol: String,
    interval: String,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<SeqPage<Candle>, AppError> {
    let params = crate::domain::history::CandleParams { symbol, interval: Some(interval), from, to };
    crate::domain::history::candles(&viewer().await?, &feed, params).await
}

/// Log lines per `bucket`-second bucket and level in `[from, to)` (by
/// default the 60 buckets before now).
#[server]
pub async fn level_counts(
    feed: String,
    bucket: i64,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<SeqPage<LevelCount>, AppError> {
    let params = crate::domain::history::LevelParams { bucket: Some(bucket), from, to };
    crate::domain::history::level_counts(&viewer().await?, &feed, params).await
}

/// A page of log lines: newest first before `before_seq`, or oldest first
/// after `after_seq`. (JSON arguments: the filter is a nested value.)
#[server(input = leptos::server_fn::codec::Json)]
pub async fn log_lines(
    feed: String,
    filter: LogFilter,
    before_seq: Option<i64>,
    after_seq: Option<i64>,
    limit: i64,
) -> Result<LogPage, AppError> {
    let params = crate::domain::history::LogParams {
        level: (!filter.levels.is_empty()).then(|| filter.levels.join(",")),
        source: filter.source,
        q: filter.text,
        before_seq,
        after_seq,
        from: filter.from,
        to: filter.to,
        limit: Some(limit),
    };
    crate::domain::history::logs(&viewer().await?, &feed, params).await
}

/// The sources seen recently in a log feed.
#[server]
pub async fn log_sources(feed: String) -> Result<Vec<String>, AppError> {
    crate::domain::history::log_sources(&viewer().await?, &feed).await
}
