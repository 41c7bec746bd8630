//! Reading a feed's history: the checks and defaults behind the history API
//! and the widgets' server functions, in one place.

use crate::{
    admin,
    error::{AppError, ErrorCode},
    model::{Candle, FeedKind, LogLine, Rejected, SeqPage, SymbolSummary, Tick},
    server::AppState,
    store::{
        self,
        feeds::FeedRow,
        history::{LogQuery, TickQuery},
    },
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

async fn feed_of_kind(state: &AppState, name: &str, kind: FeedKind) -> Result<FeedRow, AppError> {
    let feed = admin::feeds::find(state, name).await?;
    if feed.spec.kind != kind {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!("feed {name:?} carries {}, not {}", feed.spec.kind.as_str(), kind.as_str()),
        ));
    }
    Ok(feed)
}

/// `GET /api/v1/feeds/{name}/ticks` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct TickParams {
    pub symbol: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub after_seq: Option<i64>,
    /// Default 1000, at most 10000.
    pub limit: Option<i64>,
}

/// Ticks in `seq` order.
pub async fn ticks(state: &AppState, feed: &str, p: TickParams) -> Result<Vec<Tick>, AppError> {
    let feed = feed_of_kind(state, feed, FeedKind::Ticks).await?;
    let query = TickQuery {
        symbol: p.symbol,
        from: p.from,
        to: p.to,
        after_seq: p.after_seq,
        limit: p.limit.unwrap_or(1000).clamp(1, 10_000),
    };
    Ok(store::history::ticks(&state.db, feed.id, &query).await?)
}

/// `GET /api/v1/feeds/{name}/candles` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct CandleParams {
    pub symbol: String,
    /// `1s`, `1m`, `5m`, `1h` or `1d` (default `1m`).
    pub interval: Option<String>,
    /// Default: 150 intervals before `to`.
    pub from: Option<DateTime<Utc>>,
    /// Default: now.
    pub to: Option<DateTime<Utc>>,
}

/// Parses `1s|1m|5m|1h|1d`.
pub fn parse_interval(s: &str) -> Option<Duration> {
    match s {
        "1s" => Some(Duration::seconds(1)),
        "1m" => Some(Duration::minutes(1)),
        "5m" => Some(Duration::minutes(5)),
        "1h" => Some(Duration::hours(1)),
        "1d" => Some(Duration::days(1)),
        _ => None,
    }
}

/// OHLC candles with volume, computed with `date_bin`.
pub async fn candles(state: &AppState, feed: &str, p: CandleParams) -> Result<SeqPage<Candle>, AppError> {
    let feed = feed_of_kind(state, feed, FeedKind::Ticks).await?;
    let text = p.interval.as_deref().unwrap_or("1m");
    let interval = parse_interval(text)
        .ok_or_else(|| AppError::bad_request(format!("interval {text:?} is not one of 1s, 1m, 5m, 1h, 1d")))?;
    let to = p.to.unwrap_or_else(Utc::now);
    let from = p.from.unwrap_or(to - interval * 150);
    if from >= to {
        return Err(AppError::bad_request("from must be before to"));
    }
    if (to - from).num_seconds() / interval.num_seconds().max(1) > 10_000 {
        return Err(AppError::bad_request("more than 10000 candles; narrow from/to or use a longer interval"));
    }
    let (items, last_seq) = store::history::candles(&state.db, feed.id, &p.symbol, interval, from, to).await?;
    Ok(SeqPage { items, last_seq })
}

/// `GET /api/v1/feeds/{name}/symbols` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct SymbolParams {
    /// Window start for `open` (default: 00:00 UTC today).
    pub since: Option<DateTime<Utc>>,
    /// How many recent prices per symbol (default 60, at most 500).
    pub recent: Option<i64>,
}

/// Each symbol's last price, open and recent prices.
pub async fn symbols(state: &AppState, feed: &str, p: SymbolParams) -> Result<SeqPage<SymbolSummary>, AppError> {
    let feed = feed_of_kind(state, feed, FeedKind::Ticks).await?;
    let midnight = Utc::now().date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_else(Utc::now);
    let since = p.since.unwrap_or(midnight);
    let last_seq = store::history::last_seq(&state.db, feed.id).await?;
    let items = store::history::symbols(&state.db, feed.id, since, p.recent.unwrap_or(60).clamp(1, 500)).await?;
    Ok(SeqPage { items, last_seq })
}

/// `GET /api/v1/feeds/{name}/logs` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct LogParams {
    /// One level or several, comma-separated.
    pub level: Option<String>,
    pub source: Option<String>,
    /// Text to find in the message (case-insensitive).
    pub q: Option<String>,
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    /// Default 200, at most 10000.
    pub limit: Option<i64>,
}

/// Log lines: newest first, or oldest first after `after_seq`.
pub async fn logs(state: &AppState, feed: &str, p: LogParams) -> Result<Vec<LogLine>, AppError> {
    let feed = feed_of_kind(state, feed, FeedKind::Logs).await?;
    let levels = p
        .level
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            crate::ingest::parse::normalize_level(l)
                .ok_or_else(|| AppError::bad_request(format!("unknown level {l:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let query = LogQuery {
        levels,
        source: p.source.filter(|s| !s.is_empty()),
        text: p.q.filter(|q| !q.trim().is_empty()),
        before_seq: p.before_seq,
        after_seq: p.after_seq,
        limit: p.limit.unwrap_or(200).clamp(1, 10_000),
    };
    Ok(store::history::logs(&state.db, feed.id, &query).await?)
}

/// The distinct sources of a log feed's recent lines.
pub async fn log_sources(state: &AppState, feed: &str) -> Result<Vec<String>, AppError> {
    let feed = feed_of_kind(state, feed, FeedKind::Logs).await?;
    Ok(store::history::log_sources(&state.db, feed.id).await?)
}

/// The most recent rejected payloads (newest first, at most `limit`).
pub async fn rejected(state: &AppState, feed: &str, limit: Option<i64>) -> Result<Vec<Rejected>, AppError> {
    let feed = admin::feeds::find(state, feed).await?;
    Ok(store::history::rejected(&state.db, feed.id, limit.unwrap_or(100).clamp(1, 1000), 2048).await?)
}
