//! History reads: ticks, candles, symbols, log lines, rejected payloads.

use super::error::ApiQuery;
use crate::{
    admin,
    auth::{Admin, Viewer},
    error::{AppError, ErrorBody, ErrorCode},
    model::{Candle, FeedKind, Items, LogLine, Rejected, Tick},
    server::AppState,
    store::{
        self,
        feeds::FeedRow,
        history::{LogQuery, SymbolSummary, TickQuery},
    },
};
use axum::{
    Json,
    extract::{Path, State},
};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

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
#[derive(Deserialize, utoipa::IntoParams)]
pub struct TickParams {
    pub symbol: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub after_seq: Option<i64>,
    /// Default 1000, at most 10000.
    pub limit: Option<i64>,
}

/// Ticks in `seq` order.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/ticks", tag = "history", params(TickParams),
    responses((status = 200, body = Items<Tick>), (status = 404, body = ErrorBody)))]
pub async fn ticks(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<TickParams>,
) -> Result<Json<Items<Tick>>, AppError> {
    let feed = feed_of_kind(&state, &name, FeedKind::Ticks).await?;
    let query = TickQuery {
        symbol: p.symbol,
        from: p.from,
        to: p.to,
        after_seq: p.after_seq,
        limit: p.limit.unwrap_or(1000).clamp(1, 10_000),
    };
    Ok(Json(Items { items: store::history::ticks(&state.db, feed.id, &query).await? }))
}

/// `GET /api/v1/feeds/{name}/candles` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct CandleParams {
    pub symbol: String,
    /// `1s`, `1m`, `5m`, `1h` or `1d` (default `1m`).
    pub interval: Option<String>,
    /// Default: 500 intervals before `to`.
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
#[utoipa::path(get, path = "/api/v1/feeds/{name}/candles", tag = "history", params(CandleParams),
    responses((status = 200, body = Items<Candle>), (status = 400, body = ErrorBody)))]
pub async fn candles(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<CandleParams>,
) -> Result<Json<Items<Candle>>, AppError> {
    let feed = feed_of_kind(&state, &name, FeedKind::Ticks).await?;
    let text = p.interval.as_deref().unwrap_or("1m");
    let interval = parse_interval(text)
        .ok_or_else(|| AppError::bad_request(format!("interval {text:?} is not one of 1s, 1m, 5m, 1h, 1d")))?;
    let to = p.to.unwrap_or_else(Utc::now);
    let from = p.from.unwrap_or(to - interval * 500);
    if from >= to {
        return Err(AppError::bad_request("from must be before to"));
    }
    if (to - from) / interval.num_seconds().max(1) as i32 > Duration::seconds(100_000) {
        return Err(AppError::bad_request("too many candles; narrow from/to or use a longer interval"));
    }
    Ok(Json(Items { items: store::history::candles(&state.db, feed.id, &p.symbol, interval, from, to).await? }))
}

/// `GET /api/v1/feeds/{name}/symbols` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct SymbolParams {
    /// Window start for `open` (default: 24 hours ago).
    pub since: Option<DateTime<Utc>>,
}

/// Each symbol's last price and its first price since `since`.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/symbols", tag = "history", params(SymbolParams),
    responses((status = 200, body = Object)))]
pub async fn symbols(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<SymbolParams>,
) -> Result<Json<Items<SymbolSummary>>, AppError> {
    let feed = feed_of_kind(&state, &name, FeedKind::Ticks).await?;
    let since = p.since.unwrap_or_else(|| Utc::now() - Duration::hours(24));
    Ok(Json(Items { items: store::history::symbols(&state.db, feed.id, since).await? }))
}

/// `GET /api/v1/feeds/{name}/logs` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
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
#[utoipa::path(get, path = "/api/v1/feeds/{name}/logs", tag = "history", params(LogParams),
    responses((status = 200, body = Items<LogLine>)))]
pub async fn logs(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<LogParams>,
) -> Result<Json<Items<LogLine>>, AppError> {
    let feed = feed_of_kind(&state, &name, FeedKind::Logs).await?;
    let levels = p
        .level
        .iter()
        .flat_map(|l| l.split(','))
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            crate::ingest::parse::normalize_level(l.trim())
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
    Ok(Json(Items { items: store::history::logs(&state.db, feed.id, &query).await? }))
}

/// `GET /api/v1/feeds/{name}/rejected` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct RejectedParams {
    /// Default 100, at most 1000.
    pub limit: Option<i64>,
}

/// The most recent rejected payloads with their reasons (admin).
#[utoipa::path(get, path = "/api/v1/feeds/{name}/rejected", tag = "history", params(RejectedParams),
    responses((status = 200, body = Items<Rejected>), (status = 403, body = ErrorBody)))]
pub async fn rejected(
    State(state): State<AppState>,
    _: Admin,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<RejectedParams>,
) -> Result<Json<Items<Rejected>>, AppError> {
    let feed = admin::feeds::find(&state, &name).await?;
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(Items { items: store::history::rejected(&state.db, feed.id, limit, 2048).await? }))
}
