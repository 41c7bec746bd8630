//! The REST routes, each registered together with its OpenAPI operation
//! (utoipa-axum's `routes!` reads the path and methods from the handler's
//! `#[utoipa::path]`), so `/api/v1/openapi.json` lists exactly what is
//! served. A route added with a plain `.route(…)` is undocumented, and
//! `tests/openapi.rs` fails on it.
//!
//! One `routes!` call per path: the macro routes all its handlers on
//! every path it names.

use super::{
    AppState, alerts, auth, cluster, dashboards, feeds, history, interaction, openapi, probes, stream, users, ws,
};
use crate::error::AppError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The JSON API under `/api/v1`, plus its catch-all that answers unknown
/// endpoints with a JSON 404 (not an operation, so not in the document).
pub fn rest() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::set_time_zone))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::update, users::delete))
        .routes(routes!(feeds::list, feeds::create))
        .routes(routes!(feeds::preview))
        .routes(routes!(feeds::get, feeds::update, feeds::delete))
        .routes(routes!(history::ticks))
        .routes(routes!(history::candles))
        .routes(routes!(history::symbols))
        .routes(routes!(history::logs))
        .routes(routes!(history::levels))
        .routes(routes!(history::rejected))
        .routes(routes!(feeds::reparse))
        .routes(routes!(interaction::feed_annotations))
        .routes(routes!(stream::stream))
        .routes(routes!(dashboards::list, dashboards::create))
        .routes(routes!(dashboards::get, dashboards::update, dashboards::delete))
        .routes(routes!(interaction::chat))
        .routes(routes!(interaction::dashboard_annotations))
        .routes(routes!(cluster::get))
        .routes(routes!(alerts::list, alerts::create))
        .routes(routes!(alerts::get, alerts::update, alerts::delete))
        .routes(routes!(alerts::firings))
        .routes(routes!(alerts::silence))
        .routes(routes!(alerts::acknowledge))
        .routes(routes!(alerts::recent))
        .routes(routes!(openapi::document))
        .route(CATCH_ALL, axum::routing::any(|| async { AppError::not_found("endpoint") }))
}

/// The JSON 404 for unknown `/api/v1` paths.
pub const CATCH_ALL: &str = "/api/v1/{*rest}";

/// The interaction WebSocket (served outside compression: a 101 response
/// must not be encoded).
pub fn sockets() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ws::upgrade::upgrade))
}

/// Liveness, readiness and metrics (served for any `Host`).
pub fn probes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(probes::healthz))
        .routes(routes!(probes::readyz))
        .routes(routes!(probes::metrics))
}
