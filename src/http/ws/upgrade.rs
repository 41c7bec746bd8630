//! `GET /api/v1/ws`: checks the origin and the session, then upgrades.

use super::connection::{self, Peer};
use crate::{
    auth::session,
    error::{AppError, ErrorCode},
    http::AppState,
    http::{client_caps::Channel, origin},
    model::MAX_FRAME_BYTES,
};
use axum::{
    extract::{ConnectInfo, State, WebSocketUpgrade, ws::rejection::WebSocketUpgradeRejection},
    http::HeaderMap,
    response::Response,
};
use std::net::SocketAddr;
use tower_sessions::Session;

/// Opens an interaction socket. Refused with 403 before any upgrade when
/// the `Origin` is missing or not allowed; with 401 for anonymous visitors
/// when anonymous viewing is off; with 429 when the client's address has
/// `FEEDBOARD_MAX_STREAMS_PER_CLIENT` sockets open.
#[utoipa::path(get, path = "/api/v1/ws", tag = "interaction", responses(
    (status = 101, description = "switching to the WebSocket protocol (messages: see docs/interaction.md)"),
    (status = 400, body = crate::error::ErrorBody, description = "not a WebSocket upgrade"),
    (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 429, body = crate::error::ErrorBody, description = "too many open sockets from this address")))]
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let origin = origin::origin_of(&headers)
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "a WebSocket needs an Origin header"))?;
    if !origin::is_allowed(&state, &headers, origin) {
        return Err(AppError::new(ErrorCode::Forbidden, format!("origin {origin} is not allowed")));
    }
    let ws = ws.map_err(|e| AppError::bad_request(e.body_text()))?;
    // Held by the socket: given back when it closes (or the upgrade fails).
    let slot = state.client_caps.admit(Channel::Socket, addr.ip())?;
    let signed_in = session::signed_in(&state.core, &session).await?;
    if signed_in.is_none() && !state.core.config.anonymous_view {
        return Err(AppError::unauthorized());
    }
    let (user, login) = signed_in.map(|s| (s.user, s.login)).unzip();
    let peer = Peer { user, ip: addr.ip(), login };
    Ok(ws.max_frame_size(MAX_FRAME_BYTES).max_message_size(MAX_FRAME_BYTES).on_upgrade(move |socket| async move {
        connection::serve(state, socket, peer).await;
        drop(slot);
    }))
}
