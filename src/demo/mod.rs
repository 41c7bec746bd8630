//! The built-in demo: feeds and a publisher of synthetic ticks and logs.

use crate::server::AppState;

/// Creates the demo feeds and starts publishing (filled in by the demo work).
pub async fn start(_state: &AppState) {}
