//! The HTTP edge: REST, SSE, WebSocket and probe routes, plus the Leptos
//! pages, behind the host, session, origin, security-header and tracing
//! layers.

pub mod auth;
pub mod client_caps;
pub mod cluster;
pub mod dashboards;
pub mod error;
pub mod export;
pub mod feeds;
pub mod history;
pub mod host;
pub mod interaction;
pub mod openapi;
pub mod origin;
pub mod probes;
pub mod security;
pub mod serve;
mod state;
pub mod stream;
pub mod users;
pub mod write_timeout;
pub mod ws;

pub use state::AppState;

use crate::{app, error::AppError};
use axum::{Router, middleware, routing::get};
use leptos::context::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{compression::CompressionLayer, trace::TraceLayer};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};
use tower_sessions_sqlx_store::PostgresStore;

/// Builds the whole application router.
pub fn router(state: AppState, sessions: PostgresStore) -> Router {
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("feedboard_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.core.config.cookie_secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)));
    // Outside the compression layer: a 101 response must not be encoded.
    let sockets = Router::new().route("/api/v1/ws", get(ws::upgrade)).layer(session_layer.clone());

    let api = Router::new()
        .route("/api/v1/login", axum::routing::post(auth::login))
        .route("/api/v1/logout", axum::routing::post(auth::logout))
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/me/password", axum::routing::put(auth::change_password))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{username}", axum::routing::put(users::update).delete(users::delete))
        .route("/api/v1/feeds", get(feeds::list).post(feeds::create))
        .route("/api/v1/feeds/preview", axum::routing::post(feeds::preview))
        .route("/api/v1/feeds/{name}", get(feeds::get).put(feeds::update).delete(feeds::delete))
        .route("/api/v1/feeds/{name}/ticks", get(history::ticks))
        .route("/api/v1/feeds/{name}/candles", get(history::candles))
        .route("/api/v1/feeds/{name}/symbols", get(history::symbols))
        .route("/api/v1/feeds/{name}/logs", get(history::logs))
        .route("/api/v1/feeds/{name}/rejected", get(history::rejected))
        .route("/api/v1/feeds/{name}/annotations", get(interaction::feed_annotations))
        .route("/api/v1/stream", get(stream::stream))
        .route("/api/v1/dashboards", get(dashboards::list).post(dashboards::create))
        .route("/api/v1/dashboards/{slug}", get(dashboards::get).put(dashboards::update).delete(dashboards::delete))
        .route("/api/v1/dashboards/{slug}/chat", get(interaction::chat))
        .route("/api/v1/dashboards/{slug}/annotations", get(interaction::dashboard_annotations))
        .route("/api/v1/cluster", get(cluster::get))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/{*rest}", axum::routing::any(|| async { AppError::not_found("endpoint") }));

    let probes = Router::new()
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/metrics", get(probes::metrics));

    let pages = generate_route_list(app::App);
    let leptos = state.leptos.clone();
    // Pages and server functions get the domain's core from their context.
    let core = state.core.clone();
    let with_core = move || provide_context(core.clone());
    let site = Router::new()
        .merge(api)
        .leptos_routes_with_context(&state, pages, with_core.clone(), move || app::shell(leptos.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(with_core, app::shell))
        .layer(middleware::map_response(error::server_fn_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), origin::reject_foreign_writes))
        .layer(session_layer)
        .layer(CompressionLayer::new())
        .merge(sockets)
        // Probes stay outside: orchestrators call them by any address.
        .layer(middleware::from_fn_with_state(state.clone(), host::reject_unknown_hosts));
    security::apply(site.merge(probes)).layer(TraceLayer::new_for_http()).with_state(state)
}
