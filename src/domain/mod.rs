//! The domain: what feedboard does, independent of how it is asked.
//!
//! Each operation takes the [`Core`] and is validated, stored, audited and
//! applied here, so the REST handlers, the Leptos server functions and the
//! WebSocket handler are thin adapters over the same rules. Lower layers
//! (`model`, `store`, `hub`, `cluster`, `ingest`) never import this one;
//! `cargo xtask layers` keeps it so.

pub mod alerts;
pub mod cluster;
pub mod dashboards;
pub mod export;
pub mod feeds;
pub mod history;
pub mod interaction;
pub mod reparse;
pub mod sockets;
pub mod upkeep;

use crate::{
    auth::{login::LoginLimiter, password::Passwords},
    cluster::{Bus, Members, relay::Lag},
    config::Config,
    hub::Hub,
    ingest::Ingest,
    secrets::Keyring,
};
use sockets::SessionSockets;
use sqlx::PgPool;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What every domain operation stands on: configuration, the database,
/// ingest, the hub, the link to the other nodes, keys and account guards.
/// Cheap to clone (handles and `Arc`s inside).
#[derive(Clone)]
pub struct Core {
    pub config: Arc<Config>,
    /// The request pool: every query is cancelled after the read timeout.
    pub db: PgPool,
    /// The pool reserved for ingest and background work (no statement timeout).
    pub ingest_db: PgPool,
    pub hub: Hub,
    pub ingest: Ingest,
    /// This node's link to the other nodes, and its view of them.
    pub bus: Bus,
    pub members: Members,
    /// Followed feeds the relay last found behind (0: caught up).
    pub relay_lag: Lag,
    /// The keys that seal broker secrets in the database.
    pub secrets: Keyring,
    /// Every password hash and check goes through it (bounded concurrency).
    pub passwords: Arc<Passwords>,
    pub login_limiter: Arc<LoginLimiter>,
    /// Open WebSockets per login, closed on sign-out on every node.
    pub sockets: SessionSockets,
    /// The history exports streaming now, bounded.
    pub exports: export::Exports,
    /// Cancelled when the process shuts down.
    pub shutdown: CancellationToken,
}
