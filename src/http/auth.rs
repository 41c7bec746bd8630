//! `/api/v1/login`, `/logout`, `/me`, `/me/password`, `/me/time-zone`.

use super::error::ApiJson;
use crate::{
    auth::{CurrentUser, login, session, users},
    error::{AppError, ErrorBody},
    http::AppState,
    model::UserInfo,
};
use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::StatusCode,
};
use serde::Deserialize;
use std::net::SocketAddr;
use tower_sessions::Session;

/// Credentials for `POST /api/v1/login`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Signs in and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = UserInfo), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody),
    (status = 503, body = ErrorBody, description = "too many password checks in flight; try again shortly")))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<UserInfo>, AppError> {
    let user = login::authenticate(&state.core, peer.ip(), &req.username, &req.password).await?;
    session::sign_in(&state.core, &session, &user).await?;
    Ok(Json(user.info()))
}

/// Ends the session and closes its WebSockets.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, session: Session) -> Result<StatusCode, AppError> {
    session::sign_out(&state.core, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = UserInfo), (status = 401, body = ErrorBody)))]
pub async fn me(CurrentUser(user): CurrentUser) -> Json<UserInfo> {
    Json(user.info())
}

/// `PUT /api/v1/me/password`: `{"current","new"}`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Changes the signed-in user's own password. Their other sessions are
/// signed out and their sockets closed; this session stays signed in.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange, responses(
    (status = 204, description = "changed; other sessions signed out"),
    (status = 401, body = ErrorBody),
    (status = 422, body = ErrorBody, description = "`current` is wrong or `new` too short"),
    (status = 429, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    CurrentUser(user): CurrentUser,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let keep = session::login_token(&session).await?;
    let updated =
        users::change_password(&state.core, peer.ip(), &user, &change.current, change.new, keep.as_deref()).await?;
    session::renew(&session, &updated).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/me/time-zone`: `{"time_zone": "Asia/Tokyo"}`; `null` forgets it.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TimeZoneChoice {
    /// `browser`, `UTC` or one of the named zones the UI offers.
    pub time_zone: Option<String>,
}

/// Keeps the time zone the signed-in user sees times in, for every browser
/// they sign in from.
#[utoipa::path(put, path = "/api/v1/me/time-zone", tag = "auth", request_body = TimeZoneChoice, responses(
    (status = 200, body = UserInfo), (status = 401, body = ErrorBody),
    (status = 422, body = ErrorBody, description = "not a time zone the UI offers")))]
pub async fn set_time_zone(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(choice): ApiJson<TimeZoneChoice>,
) -> Result<Json<UserInfo>, AppError> {
    Ok(Json(users::set_time_zone(&state.core, &user, choice.time_zone.as_deref()).await?))
}
