//! The state the HTTP edge shares: the domain's core and what only the
//! edge needs.

use super::{client_caps::ClientCaps, host::HostAllowlist, ws::Rooms};
use crate::{domain::Core, hub::replays::ReplayLimiter};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use std::{sync::Arc, time::Instant};

/// What the HTTP edge shares: the domain's [`Core`] and what only the edge
/// needs (site options, stream and socket bookkeeping, metrics); cheap to
/// clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub core: Core,
    /// Turns for reading live-stream replay pages, process-wide.
    pub replays: ReplayLimiter,
    /// Open live streams and WebSockets per client address.
    pub client_caps: ClientCaps,
    pub metrics: PrometheusHandle,
    /// The `Host` values served (DNS-rebinding protection).
    pub hosts: Arc<HostAllowlist>,
    /// Dashboard rooms of the interaction WebSocket.
    pub rooms: Rooms,
    pub started_at: Instant,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for Core {
    fn from_ref(state: &AppState) -> Self {
        state.core.clone()
    }
}
