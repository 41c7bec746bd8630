//! The composition root: shared state, start-up and graceful shutdown.

pub mod metrics;

use crate::{
    auth::{login::LoginLimiter, password::Passwords},
    cluster::{Bus, Members, Membership},
    config::Config,
    domain::{Core, sockets::SessionSockets},
    http::{self, AppState, client_caps::ClientCaps, host::HostAllowlist, serve::ServeSettings, ws::Rooms},
    hub::{Hub, replays::ReplayLimiter},
    ingest::Ingest,
    secrets::Keyring,
};
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use std::{net::SocketAddr, sync::Arc, time::Instant};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

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
    /// Deletes expired sessions until shutdown.
    pub session_purge: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, ends open streams (their clients resume on another
    /// node), leaves the cluster, and hands the feeds over: each is drained,
    /// acknowledged and released.
    pub async fn shutdown(self) {
        let core = &self.state.core;
        core.shutdown.cancel();
        let _ = self.task.await;
        let _ = self.session_purge.await;
        Membership::leave(&core.ingest_db, core.members.node()).await;
        core.ingest.shutdown().await;
    }
}

/// The process-wide Prometheus recorder (installed on first use, with
/// every series described).
pub fn metrics_handle() -> PrometheusHandle {
    metrics::handle()
}

/// Prepares the database, binds the listener and starts serving.
pub async fn start(config: Config) -> Result<Running, StartError> {
    // First, so the process start time and every description are in place.
    let metrics = metrics_handle();
    // TLS to brokers (mqtts://, amqps://) uses rustls with the ring provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let limits = config.limits.clone();
    let pools = crate::store::PoolSettings {
        requests: limits.db_pool,
        ingest: limits.ingest_db_pool,
        statement_timeout: limits.read_timeout,
    };
    // Start-up work runs on the ingest pool, which has no statement timeout.
    let crate::store::Pools { requests: db, ingest: ingest_db } =
        crate::store::connect_and_migrate(&config.database_url, &pools).await?;
    let secrets = Keyring::load(&config.secret_key)?;
    // Rows from before encryption, or sealed with a key being rotated out.
    let resealed = crate::store::feeds::reseal_all(&ingest_db, &secrets).await?;
    tracing::info!(key_id = secrets.current_id(), "broker secrets are sealed with this key");
    if resealed.resealed > 0 {
        tracing::info!(feeds = resealed.resealed, key_id = secrets.current_id(), "sealed stored broker secrets");
    }
    let passwords = Arc::new(Passwords::new(config.password_concurrency, config.password_queue));
    let generated_admin_password =
        crate::auth::users::bootstrap_admin(&ingest_db, &passwords, config.admin_password.as_deref())
            .await
            .map_err(StartError::Bootstrap)?;
    tower_sessions_sqlx_store::PostgresStore::new(ingest_db.clone()).migrate().await?;
    let sessions = tower_sessions_sqlx_store::PostgresStore::new(db.clone());

    let listener = TcpListener::bind(config.site_addr)
        .await
        .map_err(|source| StartError::Bind { addr: config.site_addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.site_addr, source })?;

    let hash_file = hash_file(&config.hash_file);
    let leptos = LeptosOptions::builder()
        .output_name("feedboard")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .hash_files(hash_file.is_some())
        .hash_file(Arc::from(hash_file.unwrap_or_default().to_string_lossy()))
        .build();
    let hosts = Arc::new(HostAllowlist::new(&config, addr));
    let hub = Hub::new(config.hub_buffer);
    let shutdown = CancellationToken::new();
    let bus = Bus::start(ingest_db.clone(), config.node_id.clone(), shutdown.clone()).await?;
    let members = Members::new(config.node_id.clone());
    let ingest = Ingest::new(ingest_db.clone(), hub.clone(), secrets.clone(), config.ingest, members.clone()).await?;
    let link = crate::cluster::RoomLink { bus: bus.clone(), db: ingest_db.clone(), node_ttl: config.cluster.node_ttl };
    let cluster = config.cluster;
    let core = Core {
        config: Arc::new(config),
        db,
        ingest_db,
        hub,
        ingest,
        sockets: SessionSockets::linked(bus.clone()),
        bus,
        members,
        relay_lag: Default::default(),
        secrets,
        passwords,
        login_limiter: Arc::new(LoginLimiter::default()),
        exports: crate::domain::export::Exports::for_pool(limits.db_pool),
        shutdown,
    };
    let rooms = Rooms::linked(core.config.ws, link);
    join_cluster(&core, &rooms, cluster).await?;
    if core.config.demo {
        crate::demo::start(&core).await;
    }
    core.ingest.reconcile().await?;
    let session_purge =
        tokio::spawn(purge_expired_sessions(sessions.clone(), core.config.session_purge_every, core.shutdown.clone()));
    let state = AppState {
        leptos,
        core,
        replays: ReplayLimiter::new(limits.replay_concurrency),
        client_caps: ClientCaps::new(limits.max_streams_per_client),
        metrics,
        hosts,
        rooms,
        started_at: Instant::now(),
    };
    let app = http::router(state.clone(), sessions);
    let shutdown = state.core.shutdown.clone();
    let settings = ServeSettings { header_timeout: limits.header_timeout, write_timeout: limits.write_timeout };
    let task = tokio::spawn(http::serve::serve(listener, app, settings, shutdown));
    tracing::info!(%addr, "feedboard listening");
    Ok(Running { addr, generated_admin_password, state, task, session_purge })
}

/// Registers this node, then keeps its heartbeat and follows the bus: the
/// relay brings other nodes' commits into the hub, rooms and sockets apply
/// the others' events, ingest reconciles on feed edits.
async fn join_cluster(core: &Core, rooms: &Rooms, settings: crate::cluster::Settings) -> Result<(), StartError> {
    let (hub, ingest, rooms_now) = (core.hub.clone(), core.ingest.clone(), rooms.clone());
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let behind = core.relay_lag.clone();
    let stats: crate::cluster::Stats = Arc::new(move || crate::model::NodeStats {
        ingesting: count(ingest.ingesting().len()),
        live_subscriptions: count(hub.subscriber_count()),
        ws_rooms: count(rooms_now.count()),
        behind: behind.load(std::sync::atomic::Ordering::Relaxed),
    });
    let membership = Membership {
        db: core.ingest_db.clone(),
        bus: core.bus.clone(),
        members: core.members.clone(),
        settings,
        stats,
    };
    membership.join().await?;
    let shutdown = core.shutdown.clone();
    tokio::spawn(membership.run(shutdown.clone()));
    let ingest = core.ingest.clone();
    let relay = crate::cluster::relay::Relay {
        bus: core.bus.clone(),
        hub: core.hub.clone(),
        db: core.db.clone(),
        local: Arc::new(move |feed| ingest.ingests(feed)),
        sweep: settings.sweep,
        lag: core.relay_lag.clone(),
    };
    tokio::spawn(relay.run(shutdown.clone()));
    tokio::spawn(rooms.clone().follow(shutdown.clone()));
    tokio::spawn(core.sockets.clone().follow(shutdown.clone()));
    tokio::spawn(core.ingest.clone().follow(core.bus.clone(), shutdown));
    tokio::spawn(crate::domain::upkeep::run(core.clone()));
    tokio::spawn(crate::domain::alerts::engine::run(core.clone()));
    tokio::spawn(crate::domain::alerts::engine::announce_firings(core.clone()));
    tokio::spawn(crate::domain::alerts::webhooks::run(core.clone()));
    Ok(())
}

/// Deletes expired sessions every `every` until `shutdown`. (The store's
/// own `continuously_delete_expired` stops for good at the first database
/// error; this loop logs it and tries again next time.)
async fn purge_expired_sessions(
    sessions: tower_sessions_sqlx_store::PostgresStore,
    every: std::time::Duration,
    shutdown: CancellationToken,
) {
    use tower_sessions::ExpiredDeletion;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                if let Err(e) = sessions.delete_expired().await {
                    tracing::warn!(error = %e, "deleting expired sessions failed; retrying later");
                }
            }
        }
    }
}

/// The list of content hashes the release build wrote (see
/// [`Config::hash_file`]), if there is one; leptos then links the hashed
/// file names.
fn hash_file(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::current_exe().ok()?.parent()?.join(name);
    let found = path.is_file();
    tracing::info!(path = %path.display(), found, "site file hashes");
    found.then_some(path)
}
