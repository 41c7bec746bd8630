//! `/api/v1/feeds`: feed configuration (admin writes) and preview.

use super::error::{ApiJson, ApiQuery};
use crate::{
    auth::{Admin, Viewer},
    domain,
    error::{AppError, ErrorBody},
    http::AppState,
    model::{Feed, FeedKind, Items, Mapping, Preview, Reparse, Source},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;

/// Lists feeds with their live status.
#[utoipa::path(get, path = "/api/v1/feeds", tag = "feeds", responses((status = 200, body = Items<Feed>)))]
pub async fn list(State(state): State<AppState>, _: Viewer) -> Result<Json<Items<Feed>>, AppError> {
    Ok(Json(Items { items: domain::feeds::list(&state.core).await? }))
}

/// One feed with its live status.
#[utoipa::path(get, path = "/api/v1/feeds/{name}", tag = "feeds",
    params(("name" = String, Path, description = "the feed's name")),
    responses((status = 200, body = Feed), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, _: Viewer, Path(name): Path<String>) -> Result<Json<Feed>, AppError> {
    Ok(Json(domain::feeds::get(&state.core, &name).await?))
}

/// Creates a feed (admin); it starts at once when enabled.
#[utoipa::path(post, path = "/api/v1/feeds", tag = "feeds", request_body = crate::model::FeedSpec, responses(
    (status = 201, body = Feed), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(spec): ApiJson<crate::model::FeedSpec>,
) -> Result<(StatusCode, Json<Feed>), AppError> {
    Ok((StatusCode::CREATED, Json(domain::feeds::create(&state.core, &admin.username, spec).await?)))
}

/// Replaces a feed's configuration (admin); applied without a restart.
#[utoipa::path(put, path = "/api/v1/feeds/{name}", tag = "feeds", request_body = crate::model::FeedSpec,
    params(("name" = String, Path, description = "the feed's name")), responses(
    (status = 200, body = Feed), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
    ApiJson(spec): ApiJson<crate::model::FeedSpec>,
) -> Result<Json<Feed>, AppError> {
    Ok(Json(domain::feeds::update(&state.core, &admin.username, &name, spec).await?))
}

/// Deletes a feed and its stored messages (admin).
#[utoipa::path(delete, path = "/api/v1/feeds/{name}", tag = "feeds",
    params(("name" = String, Path, description = "the feed's name")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    domain::feeds::delete(&state.core, &admin.username, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A feed body for preview: name and enabled are not needed.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PreviewBody {
    pub kind: FeedKind,
    pub source: Source,
    #[serde(default)]
    pub mapping: Mapping,
}

/// `?wait_ms=&n=` for preview.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// How long to wait for messages (default 5000, at most 30000).
    pub wait_ms: Option<u64>,
    /// How many messages to wait for (default 5, at most 100).
    pub n: Option<usize>,
}

/// Connects with the given settings and shows how live messages parse.
#[utoipa::path(post, path = "/api/v1/feeds/preview", tag = "feeds", request_body = PreviewBody, params(PreviewParams),
    responses((status = 200, body = Preview), (status = 422, body = ErrorBody, description = "cannot connect")))]
pub async fn preview(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(params): ApiQuery<PreviewParams>,
    ApiJson(body): ApiJson<PreviewBody>,
) -> Result<Json<Preview>, AppError> {
    let PreviewBody { kind, source, mapping } = body;
    Ok(Json(domain::feeds::preview(&state.core, kind, source, mapping, params.wait_ms, params.n).await?))
}

/// `POST /api/v1/feeds/{name}/rejected/reparse` parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReparseParams {
    /// Only count what the feed's rules accept now; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Runs the feed's stored rejected messages through its current rules
/// (admin): those that parse now are stored, once, and leave the rejected list.
#[utoipa::path(post, path = "/api/v1/feeds/{name}/rejected/reparse", tag = "feeds",
    params(("name" = String, Path, description = "the feed's name"), ReparseParams),
    responses((status = 200, body = Reparse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reparse(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
    ApiQuery(p): ApiQuery<ReparseParams>,
) -> Result<Json<Reparse>, AppError> {
    let outcome = if p.dry_run {
        domain::reparse::dry_run(&state.core, &name).await?
    } else {
        domain::reparse::run(&state.core, &admin.username, &name).await?
    };
    Ok(Json(outcome))
}
