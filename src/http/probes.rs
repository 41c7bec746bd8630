//! Liveness, readiness and metrics for operators and orchestrators.

use crate::http::AppState;
use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::Serialize;
use std::time::Duration;

/// `GET /healthz`: 200 whenever the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "probes", responses((status = 200, description = "the process serves")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The state of one dependency in `/readyz`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Dependency {
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What this process does for the enabled feeds.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IngestRole {
    /// This process's `FEEDBOARD_NODE_ID`.
    pub node: String,
    /// Feeds this process ingests (it holds their lease).
    pub ingesting: Vec<String>,
    /// Feeds another process ingests; this one serves them read-only and
    /// takes them over if that process goes away.
    pub standby: Vec<String>,
}

/// This node among the others.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClusterRole {
    /// The live nodes this one knows of, itself included.
    pub nodes: Vec<String>,
    /// Whether this node's live streams are behind the database on some
    /// feed (it is catching up).
    pub catching_up: bool,
}

/// `/readyz` body: each dependency's state.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub ready: bool,
    pub dependencies: Vec<Dependency>,
    pub ingest: IngestRole,
    pub cluster: ClusterRole,
}

/// `GET /readyz`: 200 when Postgres answers, else 503; lists each
/// dependency, including each enabled feed's broker connection.
#[utoipa::path(get, path = "/readyz", tag = "probes", responses(
    (status = 200, body = Readiness, description = "ready"),
    (status = 503, body = Readiness, description = "a required dependency is down")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let ping = tokio::time::timeout(Duration::from_secs(2), sqlx::query("SELECT 1").execute(&state.core.db)).await;
    let postgres = match ping {
        Ok(Ok(_)) => Dependency { name: "postgres".into(), ok: true, error: None },
        Ok(Err(e)) => Dependency { name: "postgres".into(), ok: false, error: Some(e.to_string()) },
        Err(_) => Dependency { name: "postgres".into(), ok: false, error: Some("no answer within 2 s".into()) },
    };
    let ready = postgres.ok;
    let mut dependencies = vec![postgres];
    let node = state.core.ingest.node_id().to_owned();
    let mut ingest = IngestRole { node: node.clone(), ingesting: Vec::new(), standby: Vec::new() };
    // Brokers, as each enabled feed sees its own; informative, not required.
    if let Ok(feeds) = crate::domain::feeds::list(&state.core).await {
        for feed in feeds.into_iter().filter(|f| f.spec.enabled) {
            let status = feed.status;
            match &status.ingested_by {
                Some(holder) if *holder == node => ingest.ingesting.push(feed.spec.name.clone()),
                _ => ingest.standby.push(feed.spec.name.clone()),
            }
            dependencies.push(Dependency {
                name: format!("feed:{} ({})", feed.spec.name, feed.spec.source.protocol()),
                ok: status.state == crate::model::FeedState::Connected,
                error: status.last_error,
            });
        }
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let cluster = ClusterRole {
        nodes: state.core.members.live(),
        catching_up: state.core.relay_lag.load(std::sync::atomic::Ordering::Relaxed) > 0,
    };
    (status, Json(Readiness { ready, dependencies, ingest, cluster }))
}

/// `GET /metrics`: Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "probes", responses((status = 200, content_type = "text/plain", description = "Prometheus metrics")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    metrics::gauge!("feedboard_uptime_seconds").set(state.started_at.elapsed().as_secs_f64());
    metrics::gauge!("feedboard_db_pool_connections").set(f64::from(state.core.db.size()));
    metrics::gauge!("feedboard_ingest_db_pool_connections").set(f64::from(state.core.ingest_db.size()));
    metrics::gauge!("feedboard_sse_replays_active").set(state.replays.active() as f64);
    ([("content-type", "text/plain; version=0.0.4")], state.metrics.render())
}
