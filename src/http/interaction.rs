//! Interaction history over HTTP: a room's chat and the annotations on a
//! feed or a dashboard. The live side is the WebSocket in [`super::ws`].

use super::error::ApiQuery;
use crate::{
    auth::Viewer,
    domain::interaction::{self, ChatPage, FeedAnnotations},
    error::{AppError, ErrorBody},
    http::AppState,
    model::{Annotation, ChatMessage, Items},
};
use axum::{
    Json,
    extract::{Path, State},
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// `GET /api/v1/dashboards/{slug}/chat` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChatParams {
    /// Messages older than this id (default: the newest).
    pub before_id: Option<i64>,
    /// Extension: messages newer than this id, to catch up after a reconnect.
    pub after_id: Option<i64>,
    /// Default 100, at most 500.
    pub limit: Option<i64>,
}

/// A page of a room's chat, oldest first: the newest `limit` messages before
/// `before_id`, or the first `limit` after `after_id`.
#[utoipa::path(get, path = "/api/v1/dashboards/{slug}/chat", tag = "interaction",
    params(("slug" = String, Path, description = "the dashboard's slug"), ChatParams),
    responses((status = 200, body = Items<ChatMessage>), (status = 404, body = ErrorBody)))]
pub async fn chat(
    State(state): State<AppState>,
    _: Viewer,
    Path(slug): Path<String>,
    ApiQuery(p): ApiQuery<ChatParams>,
) -> Result<Json<Items<ChatMessage>>, AppError> {
    let page = ChatPage { before_id: p.before_id, after_id: p.after_id, limit: p.limit.unwrap_or(100).clamp(1, 500) };
    Ok(Json(Items { items: interaction::chat_page(&state.core, &slug, page).await? }))
}

/// `GET /api/v1/feeds/{name}/annotations` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedAnnotationParams {
    /// Target time (chart point, or log line) at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Target time before this.
    pub to: Option<DateTime<Utc>>,
    /// Extension: only this dashboard's annotations.
    pub dashboard: Option<String>,
    /// Extension: only points of this symbol.
    pub symbol: Option<String>,
    /// Default 500, at most 5000 (the newest matches).
    pub limit: Option<i64>,
}

/// Annotations (and replies) on a feed, oldest first.
#[utoipa::path(get, path = "/api/v1/feeds/{name}/annotations", tag = "interaction",
    params(("name" = String, Path, description = "the feed's name"), FeedAnnotationParams),
    responses((status = 200, body = Items<Annotation>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn feed_annotations(
    State(state): State<AppState>,
    _: Viewer,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<FeedAnnotationParams>,
) -> Result<Json<Items<Annotation>>, AppError> {
    let FeedAnnotationParams { from, to, dashboard, symbol, limit } = p;
    let filter = FeedAnnotations { dashboard, symbol, from, to, limit: limit.unwrap_or(500).clamp(1, 5000) };
    Ok(Json(Items { items: interaction::feed_annotations(&state.core, &name, filter).await? }))
}

/// `GET /api/v1/dashboards/{slug}/annotations` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardAnnotationParams {
    /// Default 1000, at most 5000 (the newest).
    pub limit: Option<i64>,
}

/// Extension: every annotation of a dashboard's room, oldest first.
#[utoipa::path(get, path = "/api/v1/dashboards/{slug}/annotations", tag = "interaction",
    params(("slug" = String, Path, description = "the dashboard's slug"), DashboardAnnotationParams),
    responses((status = 200, body = Items<Annotation>), (status = 404, body = ErrorBody)))]
pub async fn dashboard_annotations(
    State(state): State<AppState>,
    _: Viewer,
    Path(slug): Path<String>,
    ApiQuery(p): ApiQuery<DashboardAnnotationParams>,
) -> Result<Json<Items<Annotation>>, AppError> {
    let limit = p.limit.unwrap_or(1000).clamp(1, 5000);
    Ok(Json(Items { items: interaction::room_annotations(&state.core, &slug, limit).await? }))
}
