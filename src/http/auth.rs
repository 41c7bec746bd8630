//! `/api/v1/login`, `/logout`, `/me`.

use super::error::ApiJson;
use crate::{
    auth::{CurrentUser, session, users},
    error::{AppError, ErrorBody},
    model::UserInfo,
    server::AppState,
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
    (status = 200, body = UserInfo), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<UserInfo>, AppError> {
    let user = users::authenticate(&state.db, &state.login_limiter, peer.ip(), &req.username, &req.password).await?;
    session::sign_in(&session, &user).await?;
    Ok(Json(user.info()))
}

/// Ends the session and closes its WebSockets.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, session: Session) -> Result<StatusCode, AppError> {
    session::sign_out(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = UserInfo), (status = 401, body = ErrorBody)))]
pub async fn me(CurrentUser(user): CurrentUser) -> Json<UserInfo> {
    Json(user.info())
}
