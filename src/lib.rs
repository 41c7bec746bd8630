//! feedboard: a live-feed dashboard for stock ticks and log lines.
//!
//! The crate compiles twice: with `ssr` as the server (ingest, storage,
//! fan-out, HTTP) and with `hydrate` as the browser half of the Leptos app.
//! Modules shared by both hold the UI and the types that cross the wire.

#![recursion_limit = "256"]

pub mod app;
pub mod error;
pub use feedboard_model as model;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod cluster;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod ingest;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod store;

/// Browser entry point: hydrates the server-rendered page (after loading
/// the code of a lazy route, when the page is one), then marks `<body>`
/// with `data-hydrated`, so tests (and people) know it is interactive.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::tachys::dom::body();
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
