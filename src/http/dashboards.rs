//! `/api/v1/dashboards`.

use super::error::ApiJson;
use crate::{
    auth::{Admin, Viewer},
    domain,
    error::{AppError, ErrorBody},
    http::AppState,
    model::{Dashboard, Items},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

/// Every dashboard.
#[utoipa::path(get, path = "/api/v1/dashboards", tag = "dashboards", responses((status = 200, body = Items<Dashboard>)))]
pub async fn list(State(state): State<AppState>, _: Viewer) -> Result<Json<Items<Dashboard>>, AppError> {
    Ok(Json(Items { items: domain::dashboards::list(&state.core).await? }))
}

/// One dashboard.
#[utoipa::path(get, path = "/api/v1/dashboards/{slug}", tag = "dashboards",
    params(("slug" = String, Path, description = "the dashboard's slug")),
    responses((status = 200, body = Dashboard), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _: Viewer,
    Path(slug): Path<String>,
) -> Result<Json<Dashboard>, AppError> {
    Ok(Json(domain::dashboards::get(&state.core, &slug).await?))
}

/// Creates a dashboard (admin).
#[utoipa::path(post, path = "/api/v1/dashboards", tag = "dashboards", request_body = Dashboard, responses(
    (status = 201, body = Dashboard), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(d): ApiJson<Dashboard>,
) -> Result<(StatusCode, Json<Dashboard>), AppError> {
    Ok((StatusCode::CREATED, Json(domain::dashboards::create(&state.core, &admin.username, d).await?)))
}

/// Replaces a dashboard (admin).
#[utoipa::path(put, path = "/api/v1/dashboards/{slug}", tag = "dashboards", request_body = Dashboard,
    params(("slug" = String, Path, description = "the dashboard's slug")), responses(
    (status = 200, body = Dashboard), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(slug): Path<String>,
    ApiJson(d): ApiJson<Dashboard>,
) -> Result<Json<Dashboard>, AppError> {
    Ok(Json(domain::dashboards::update(&state.core, &admin.username, &slug, d).await?))
}

/// Deletes a dashboard (admin).
#[utoipa::path(delete, path = "/api/v1/dashboards/{slug}", tag = "dashboards",
    params(("slug" = String, Path, description = "the dashboard's slug")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(slug): Path<String>,
) -> Result<StatusCode, AppError> {
    domain::dashboards::delete(&state.core, &admin.username, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
