//! The composition root: shared state, start-up and graceful shutdown.

use crate::{
    auth::users::{LoginLimiter, login_limiter},
    config::Config,
    http::{
        self,
        ws::{Rooms, SessionSockets},
    },
    hub::Hub,
    ingest::{self, Ingest},
    secrets::Keyring,
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Instant,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Everything request handlers and background tasks share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub config: Arc<Config>,
    pub db: PgPool,
    pub metrics: PrometheusHandle,
    pub login_limiter: Arc<LoginLimiter>,
    pub sockets: SessionSockets,
    /// Dashboard rooms of the interaction WebSocket.
    pub rooms: Rooms,
    pub hub: Hub,
    pub ingest: Ingest,
    /// The keys that seal broker secrets in the database.
    pub secrets: Keyring,
    pub shutdown: CancellationToken,
    pub started_at: Instant,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot prepare the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot load the secret key: {0}")]
    SecretKey(#[from] crate::secrets::KeyError),
    #[error("cannot start ingest: {0}")]
    Ingest(#[from] crate::store::StoreError),
    #[error("cannot create the first admin: {0}")]
    Bootstrap(crate::error::AppError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A server that is accepting connections.
pub struct Running {
    /// The address actually bound (useful with port 0).
    pub addr: SocketAddr,
    /// The first admin's generated password, when one was generated now.
    pub generated_admin_password: Option<String>,
    pub state: AppState,
    /// Resolves when the server has shut down.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, ends open streams and waits for the server to finish.
    pub async fn shutdown(self) {
        self.state.shutdown.cancel();
        let _ = self.task.await;
        self.state.ingest.shutdown().await;
    }
}

/// The process-wide Prometheus recorder (installed on first use).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new().install_recorder().expect("no other metrics recorder is installed in this process")
        })
        .clone()
}

/// Prepares the database, binds the listener and starts serving.
pub async fn start(config: Config) -> Result<Running, StartError> {
    // TLS to brokers (mqtts://, amqps://) uses rustls with the ring provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let secrets = Keyring::load(&config.secret_key)?;
    let db = crate::store::connect_and_migrate(&config.database_url).await?;
    // Rows from before encryption, or sealed with a key being rotated out.
    let resealed = crate::store::feeds::reseal_all(&db, &secrets).await?;
    tracing::info!(key_id = secrets.current_id(), "broker secrets are sealed with this key");
    if resealed.resealed > 0 {
        tracing::info!(feeds = resealed.resealed, key_id = secrets.current_id(), "sealed stored broker secrets");
    }
    let generated_admin_password = crate::auth::users::bootstrap_admin(&db, config.admin_password.as_deref())
        .await
        .map_err(StartError::Bootstrap)?;
    let sessions = tower_sessions_sqlx_store::PostgresStore::new(db.clone());
    sessions.migrate().await?;

    let listener = TcpListener::bind(config.site_addr)
        .await
        .map_err(|source| StartError::Bind { addr: config.site_addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.site_addr, source })?;

    let leptos = LeptosOptions::builder()
        .output_name("feedboard")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let hub = Hub::new(config.hub_buffer);
    let ingest = Ingest::new(db.clone(), hub.clone(), secrets.clone(), ingest::Settings::default()).await?;
    let state = AppState {
        leptos,
        config: Arc::new(config),
        db,
        metrics: metrics_handle(),
        login_limiter: Arc::new(login_limiter()),
        sockets: SessionSockets::default(),
        rooms: Rooms::default(),
        hub,
        ingest,
        secrets,
        shutdown: CancellationToken::new(),
        started_at: Instant::now(),
    };
    if state.config.demo {
        crate::demo::start(&state).await;
    }
    state.ingest.reconcile().await?;
    let app = http::router(state.clone(), sessions);
    let shutdown = state.shutdown.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
    });
    tracing::info!(%addr, "feedboard listening");
    Ok(Running { addr, generated_admin_password, state, task })
}
