//! History reads: ticks, candles, symbols, log lines, rejected payloads;
//! ticks, candles and log lines also as CSV or NDJSON exports.

use super::{
    error::ApiQuery,
    export::{self, ExportParams, Wants},
};
use crate::{
    auth::{Admin, Viewer},
    domain::{
        self,
        history::{self, CandleParams, LevelParams, LogParams, SymbolParams, TickParams},
    },
    error::{AppError, ErrorBody},
    http::AppState,
    model::{Candle, Items, LevelCount, LogPage, Rejected, SeqPage, SymbolSummary, Tick},
};
use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// Ticks in `seq` order: a page of JSON, or with `format=csv|ndjson` every
/// matching tick as a file.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/ticks", tag = "history",
    params(("name" = String, Path, description = "the feed's name"), TickParams, ExportParams),
    responses(
        (status = 200, description = "A page of ticks, or every matching tick as a file (`seq,ts,symbol,price,size`)",
            content((Items<Tick> = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, description = "too many exports at once, or the database is unavailable", body = ErrorBody)))]
pub async fn ticks(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<TickParams>,
    Wants(format): Wants,
) -> Result<Response, AppError> {
    if let Some(format) = format {
        return Ok(export::response(domain::export::ticks(&state.core, &name, p, format).await?));
    }
    Ok(Json(Items { items: history::ticks(&state.core, &name, p).await? }).into_response())
}

/// OHLC candles with volume, computed with `date_bin`; with
/// `format=csv|ndjson` the same candles as a file.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/candles", tag = "history",
    params(("name" = String, Path, description = "the feed's name"), CandleParams, ExportParams),
    responses(
        (status = 200, description = "Candles, oldest first, or the same as a file (`t,open,high,low,close,volume`)",
            content((SeqPage<Candle> = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, body = ErrorBody)))]
pub async fn candles(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<CandleParams>,
    Wants(format): Wants,
) -> Result<Response, AppError> {
    if let Some(format) = format {
        return Ok(export::response(domain::export::candles(&state.core, &name, p, format).await?));
    }
    Ok(Json(history::candles(&state.core, &name, p).await?).into_response())
}

/// Log lines per time bucket and level (the level histogram); with
/// `format=csv|ndjson`, as a file.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/levels", tag = "history",
    params(("name" = String, Path, description = "the feed's name"), LevelParams, ExportParams),
    responses(
        (status = 200, description = "Counts, oldest bucket first, or the same as a file (`t,level,lines`)",
            content((SeqPage<LevelCount> = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn levels(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<LevelParams>,
    Wants(format): Wants,
) -> Result<Response, AppError> {
    if let Some(format) = format {
        return Ok(export::response(domain::export::level_counts(&state.core, &name, p, format).await?));
    }
    Ok(Json(history::level_counts(&state.core, &name, p).await?).into_response())
}

/// Each symbol's last price, open (since 00:00 UTC) and recent prices.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/symbols", tag = "history",
    params(("name" = String, Path, description = "the feed's name"), SymbolParams),
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
/// to the cursor only; `searched` then says which. With
/// `format=csv|ndjson`: every matching line as a file, oldest first.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/logs", tag = "history",
    params(("name" = String, Path, description = "the feed's name"), LogParams, ExportParams),
    responses(
        (status = 200, description = "A page of log lines, or every matching line as a file (`seq,ts,level,source,message`)",
            content((LogPage = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, body = ErrorBody),
        (status = 503, description = "too many exports at once, the read timeout, or the database is unavailable", body = ErrorBody)))]
pub async fn logs(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<LogParams>,
    Wants(format): Wants,
) -> Result<Response, AppError> {
    if let Some(format) = format {
        return Ok(export::response(domain::export::logs(&state.core, &name, p, format).await?));
    }
    Ok(Json(history::logs(&state.core, &name, p).await?).into_response())
}

/// `GET /api/v1/feeds/{name}/rejected` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RejectedParams {
    /// Default 100, at most 1000.
    pub limit: Option<i64>,
}

/// The most recent rejected payloads with their reasons (admin).
#[utoipa::path(get, path = "/api/v1/feeds/{name}/rejected", tag = "history",
    params(("name" = String, Path, description = "the feed's name"), RejectedParams),
    responses((status = 200, body = Items<Rejected>), (status = 403, body = ErrorBody)))]
pub async fn rejected(
    State(state): State<AppState>,
    _: Admin,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<RejectedParams>,
) -> Result<Json<Items<Rejected>>, AppError> {
    Ok(Json(Items { items: history::rejected(&state.core, &name, p.limit).await? }))
}
