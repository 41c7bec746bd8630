//! `/api/v1/users`: user management for admins.

use super::error::ApiJson;
use crate::{
    auth::{Admin, session, users},
    error::{AppError, ErrorBody},
    http::AppState,
    model::{Role, UserInfo},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// `{"items":[…]}` list envelope.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserList {
    pub items: Vec<UserInfo>,
}

/// Lists users (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses(
    (status = 200, body = UserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, _admin: Admin) -> Result<Json<UserList>, AppError> {
    Ok(Json(UserList { items: users::list(&state.core).await? }))
}

/// Creates a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = users::NewUser, responses(
    (status = 201, body = UserInfo), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(new): ApiJson<users::NewUser>,
) -> Result<(StatusCode, Json<UserInfo>), AppError> {
    let created = users::create(&state.core, &admin.username, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes to a user: `{"role":"admin"|"viewer"}`, `{"password":"…"}`
/// (an admin's reset), or both.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    #[serde(default)]
    pub role: Option<Role>,
    /// A new password; the user's sessions are signed out and their
    /// sockets closed.
    #[serde(default)]
    pub password: Option<String>,
}

/// Changes a user's role and/or resets their password (admin).
#[utoipa::path(put, path = "/api/v1/users/{username}", tag = "users", request_body = UserUpdate,
    params(("username" = String, Path, description = "the user's name")), responses(
    (status = 200, body = UserInfo), (status = 404, body = ErrorBody),
    (status = 409, body = ErrorBody, description = "would demote the last admin"),
    (status = 422, body = ErrorBody, description = "neither `role` nor `password`, or the password is too short")))]
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    session: Session,
    Path(username): Path<String>,
    ApiJson(update): ApiJson<UserUpdate>,
) -> Result<Json<UserInfo>, AppError> {
    let keep = session::login_token(&session).await?;
    let updated = users::update(&state.core, &admin, keep.as_deref(), &username, update.role, update.password).await?;
    if let Some(own) = &updated.own {
        // An admin who reset their own password stays signed in here.
        session::renew(&session, own).await?;
    }
    Ok(Json(updated.info))
}

/// Deletes a user (admin): their sessions end and their sockets close.
#[utoipa::path(delete, path = "/api/v1/users/{username}", tag = "users",
    params(("username" = String, Path, description = "the user's name")), responses(
    (status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the last admin")))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(username): Path<String>,
) -> Result<StatusCode, AppError> {
    users::delete(&state.core, &admin.username, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}
