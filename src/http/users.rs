//! `/api/v1/users`: user management for admins.

use super::error::ApiJson;
use crate::{
    auth::{CurrentUser, users},
    error::{AppError, ErrorBody},
    model::{Role, UserInfo},
    server::AppState,
    store,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};

/// `{"items":[…]}` list envelope.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserList {
    pub items: Vec<UserInfo>,
}

/// Lists users (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses(
    (status = 200, body = UserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Json<UserList>, AppError> {
    user.require_admin()?;
    Ok(Json(UserList { items: store::users::list(&state.db).await? }))
}

/// Creates a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = users::NewUser, responses(
    (status = 201, body = UserInfo), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<users::NewUser>,
) -> Result<(StatusCode, Json<UserInfo>), AppError> {
    let CurrentUser(admin) = user.require_admin()?;
    let created = users::create(&state.db, &admin.username, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes to a user: `{"role":"admin"|"viewer"}`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    pub role: Role,
}

/// Changes a user's role (admin).
#[utoipa::path(put, path = "/api/v1/users/{username}", tag = "users", request_body = UserUpdate, responses(
    (status = 200, body = UserInfo), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    ApiJson(update): ApiJson<UserUpdate>,
) -> Result<Json<UserInfo>, AppError> {
    let CurrentUser(admin) = user.require_admin()?;
    Ok(Json(users::set_role(&state.db, &admin.username, &username, update.role).await?))
}
