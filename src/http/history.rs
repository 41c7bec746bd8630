//! History reads: ticks, candles, symbols, log lines, rejected payloads.

use super::error::ApiQuery;
use crate::{
    auth::{Admin, Viewer},
    domain::history::{self, CandleParams, LogParams, SymbolParams, TickParams},
    error::{AppError, ErrorBody},
    http::AppState,
    model::{Candle, Items, LogPage, Rejected, SeqPage, SymbolSummary, Tick},
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

/// Ticks in `seq` order.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/ticks", tag = "history", params(TickParams),
    responses((status = 200, body = Items<Tick>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ticks(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<TickParams>,
) -> Result<Json<Items<Tick>>, AppError> {
    Ok(Json(Items { items: history::ticks(&state.core, &name, p).await? }))
}

/// OHLC candles with volume, computed with `date_bin`.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/candles", tag = "history", params(CandleParams),
    responses((status = 200, body = SeqPage<Candle>), (status = 400, body = ErrorBody)))]
pub async fn candles(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<CandleParams>,
) -> Result<Json<SeqPage<Candle>>, AppError> {
    Ok(Json(history::candles(&state.core, &name, p).await?))
}

/// Each symbol's last price, open (since 00:00 UTC) and recent prices.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/symbols", tag = "history", params(SymbolParams),
    responses((status = 200, body = SeqPage<SymbolSummary>), (status = 400, body = ErrorBody)))]
pub async fn symbols(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<SymbolParams>,
) -> Result<Json<SeqPage<SymbolSummary>>, AppError> {
    Ok(Json(history::symbols(&state.core, &name, p).await?))
}

/// Log lines: newest first, or oldest first after `after_seq`. A search
/// without a word of 3+ letters or digits looks at a window of lines next
/// to the cursor only; `searched` then says which.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/logs", tag = "history", params(LogParams),
    responses((status = 200, body = LogPage), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn logs(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<LogParams>,
) -> Result<Json<LogPage>, AppError> {
    Ok(Json(history::logs(&state.core, &name, p).await?))
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
    Ok(Json(Items { items: history::rejected(&state.core, &name, p.limit).await? }))
}
