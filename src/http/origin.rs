//! Cross-site protection: state-changing requests and WebSocket upgrades
//! must come from an allowed origin.

use crate::{error::AppError, http::AppState};
use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Whether `origin` may act on this server. With `FEEDBOARD_ALLOWED_ORIGINS`
/// set, only those exact origins; otherwise only the site's own origin (the
/// request's `Host`).
pub fn is_allowed(state: &AppState, headers: &HeaderMap, origin: &str) -> bool {
    match &state.core.config.allowed_origins {
        Some(list) => list.iter().any(|o| o == origin),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
            !host.is_empty()
                && (origin.strip_prefix("http://") == Some(host) || origin.strip_prefix("https://") == Some(host))
        }
    }
}

/// The request's `Origin` header, if present and readable.
pub fn origin_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
}

/// Refuses writes (POST, PUT, PATCH, DELETE) whose `Origin` is foreign.
/// Requests without `Origin` come from non-browser clients and pass.
pub async fn reject_foreign_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe
        && let Some(origin) = origin_of(request.headers())
        && !is_allowed(&state, request.headers(), origin)
    {
        return AppError::new(crate::error::ErrorCode::Forbidden, format!("origin {origin} is not allowed"))
            .into_response();
    }
    next.run(request).await
}
