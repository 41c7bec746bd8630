//! The HTTP edge: REST, SSE, WebSocket and probe routes, plus the Leptos
//! pages, behind the host, session, origin, security-header and
//! observation (request metrics and logs) layers.

pub mod alerts;
pub mod api;
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
pub mod observe;
pub mod openapi;
pub mod origin;
pub mod probes;
pub mod security;
pub mod serve;
pub mod site_files;
mod state;
pub mod stream;
pub mod users;
pub mod write_timeout;
pub mod ws;

pub use state::AppState;

use crate::app;
use axum::handler::Handler;
use axum::{Extension, Router, middleware};
use leptos::context::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
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
    // The routes, and the OpenAPI document their registrations make.
    let (rest, rest_doc) = api::rest().split_for_parts();
    let (sockets, sockets_doc) = api::sockets().split_for_parts();
    let (probes, probes_doc) = api::probes().split_for_parts();
    let api = rest.layer(Extension(openapi::Document::new([rest_doc, sockets_doc, probes_doc])));
    // Outside the compression layer: a 101 response must not be encoded.
    let sockets = sockets.layer(session_layer.clone());

    let pages = generate_route_list(app::App);
    let leptos = state.leptos.clone();
    // Pages and server functions get the domain's core from their context.
    let core = state.core.clone();
    let with_core = move || provide_context(core.clone());
    // Files from the site root as they are; anything else is the app's 404
    // page. (Leptos' own file handler answers files inside a reactive owner
    // that can inherit another request's, and then its redirect and headers:
    // a wasm download once came back as that request's 302.)
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(with_core.clone(), app::shell);
    let files = site_files::service(&state.leptos.site_root, not_found.with_state(state.clone()));
    let site = Router::new()
        .merge(api)
        .leptos_routes_with_context(&state, pages, with_core, move || app::shell(leptos.clone()))
        .fallback_service(files)
        .layer(middleware::map_response(error::server_fn_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), origin::reject_foreign_writes))
        .layer(session_layer)
        .layer(CompressionLayer::new())
        .merge(sockets)
        // Probes stay outside: orchestrators call them by any address.
        .layer(middleware::from_fn_with_state(state.clone(), host::reject_unknown_hosts));
    security::apply(site.merge(probes)).layer(middleware::from_fn(observe::track)).with_state(state)
}
