//! `/api/v1/alerts`: rules (admin writes), their firings, silence and
//! acknowledgement; `/api/v1/firings` for a dashboard's bell.

use super::error::{ApiJson, ApiPath, ApiQuery};
use crate::{
    auth::{Admin, Viewer},
    domain::alerts,
    error::{AppError, ErrorBody},
    http::AppState,
    model::{Alert, AlertSpec, Firing, Items, Silence},
};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;

/// Every alert rule with its state.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", responses((status = 200, body = Items<Alert>)))]
pub async fn list(State(state): State<AppState>, _: Viewer) -> Result<Json<Items<Alert>>, AppError> {
    Ok(Json(Items { items: alerts::list(&state.core).await? }))
}

/// Creates a rule (admin); it watches what its feed stores from now on.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", request_body = AlertSpec,
    responses((status = 201, body = Alert), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(spec): ApiJson<AlertSpec>,
) -> Result<(StatusCode, Json<Alert>), AppError> {
    Ok((StatusCode::CREATED, Json(alerts::create(&state.core, &admin.username, spec).await?)))
}

/// One rule.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "the rule's id")),
    responses((status = 200, body = Alert), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, _: Viewer, ApiPath(id): ApiPath<i64>) -> Result<Json<Alert>, AppError> {
    Ok(Json(alerts::get(&state.core, id).await?))
}

/// Replaces a rule (admin). A changed rule, feed or switch watches afresh
/// from now on.
#[utoipa::path(put, path = "/api/v1/alerts/{id}", tag = "alerts", request_body = AlertSpec,
    params(("id" = i64, Path, description = "the rule's id")),
    responses((status = 200, body = Alert), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(spec): ApiJson<AlertSpec>,
) -> Result<Json<Alert>, AppError> {
    Ok(Json(alerts::update(&state.core, &admin.username, id, spec).await?))
}

/// Deletes a rule and its firings (admin).
#[utoipa::path(delete, path = "/api/v1/alerts/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "the rule's id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    alerts::delete(&state.core, &admin.username, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?before=` to page back through firings.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiringParams {
    /// Only firings with a smaller id.
    pub before: Option<i64>,
}

/// A rule's firings, newest first (100 per page).
#[utoipa::path(get, path = "/api/v1/alerts/{id}/firings", tag = "alerts",
    params(("id" = i64, Path, description = "the rule's id"), FiringParams),
    responses((status = 200, body = Items<Firing>), (status = 404, body = ErrorBody)))]
pub async fn firings(
    State(state): State<AppState>,
    _: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<FiringParams>,
) -> Result<Json<Items<Firing>>, AppError> {
    Ok(Json(Items { items: alerts::firings(&state.core, id, p.before).await? }))
}

/// Holds a rule's firings back for a duration (`{"for":"1h"}`), or lifts
/// the silence (`{"for":null}`) (admin).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/silence", tag = "alerts", request_body = Silence,
    params(("id" = i64, Path, description = "the rule's id")),
    responses((status = 200, body = Alert), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn silence(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(silence): ApiJson<Silence>,
) -> Result<Json<Alert>, AppError> {
    Ok(Json(alerts::silence(&state.core, &admin.username, id, silence).await?))
}

/// Marks a firing as seen (admin).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/firings/{firing}/ack", tag = "alerts",
    params(("id" = i64, Path, description = "the rule's id"), ("firing" = i64, Path, description = "the firing's id")),
    responses((status = 200, body = Firing), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath((id, firing)): ApiPath<(i64, i64)>,
) -> Result<Json<Firing>, AppError> {
    Ok(Json(alerts::acknowledge(&state.core, &admin.username, id, firing).await?))
}

/// `?feeds=a,b` for the newest firings.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentParams {
    /// Comma-separated feed names.
    pub feeds: String,
}

/// The newest firings on the given feeds (100 at most, newest first): what
/// a dashboard's bell lists.
#[utoipa::path(get, path = "/api/v1/firings", tag = "alerts", params(RecentParams),
    responses((status = 200, body = Items<Firing>), (status = 400, body = ErrorBody)))]
pub async fn recent(
    State(state): State<AppState>,
    _: Viewer,
    ApiQuery(p): ApiQuery<RecentParams>,
) -> Result<Json<Items<Firing>>, AppError> {
    let feeds: Vec<String> = p.feeds.split(',').map(str::trim).filter(|f| !f.is_empty()).map(String::from).collect();
    Ok(Json(Items { items: alerts::recent(&state.core, &feeds).await? }))
}
