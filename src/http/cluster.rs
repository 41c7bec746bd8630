//! `/api/v1/cluster`: the live nodes, what each ingests and serves.

use crate::{
    auth::Admin,
    error::{AppError, ErrorBody},
    http::AppState,
    model::ClusterInfo,
};
use axum::{Json, extract::State};

/// Lists the live nodes (admin).
#[utoipa::path(get, path = "/api/v1/cluster", tag = "cluster", responses(
    (status = 200, body = ClusterInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, _admin: Admin) -> Result<Json<ClusterInfo>, AppError> {
    Ok(Json(crate::domain::cluster::info(&state.core).await?))
}
