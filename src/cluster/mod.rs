//! Several nodes on one database: membership, the bus between nodes, and
//! the relay that brings other nodes' commits into this node's hub.
//!
//! Everything goes through the Postgres every node already uses: nodes
//! register with heartbeats in `cluster_nodes` ([`members`]), talk over
//! `LISTEN/NOTIFY` ([`bus`]) and read committed rows by `seq` ([`relay`]).
//! Feed leases (`store::leases`) decide who ingests; the rooms and the
//! socket registry of the WebSocket edge follow the bus themselves.

pub mod bus;
pub mod members;
pub mod relay;
pub mod rooms;

pub use bus::{Bus, Event};
pub use members::Members;
pub use rooms::RoomLink;

use crate::store::{self, StoreError};
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

/// Timing of membership and catch-up.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// How often a node says it is alive.
    pub heartbeat: Duration,
    /// A node silent for this long counts as gone (its feeds move, its
    /// viewers leave presence).
    pub node_ttl: Duration,
    /// How often followed feeds are checked against the database, in case
    /// a notification was missed.
    pub sweep: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { heartbeat: Duration::from_secs(2), node_ttl: Duration::from_secs(6), sweep: Duration::from_secs(5) }
    }
}

/// Nodes silent for this long are deleted (and large bus events purged).
const FORGET_AFTER: Duration = Duration::from_secs(300);

/// What a node reports about itself with each heartbeat.
pub type Stats = Arc<dyn Fn() -> crate::model::NodeStats + Send + Sync>;

/// Keeps this node's heartbeat and its view of the live nodes.
pub struct Membership {
    pub db: PgPool,
    pub bus: Bus,
    pub members: Members,
    pub settings: Settings,
    pub stats: Stats,
}

impl Membership {
    /// Registers this node and tells the others.
    pub async fn join(&self) -> Result<(), StoreError> {
        store::nodes::register(&self.db, self.members.node()).await?;
        self.refresh().await?;
        bus::notify(&self.db, &Event::Nodes { node: self.members.node().to_owned() }).await
    }

    /// Beats until `shutdown`; refreshes the live nodes with every beat and
    /// whenever a node joins or leaves.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut events = self.bus.subscribe();
        let mut beat = tokio::time::interval(self.settings.heartbeat);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = beat.tick() => {
                    let stats = (self.stats)();
                    let beat = store::nodes::heartbeat(&self.db, self.members.node(), &stats).await;
                    if let Err(e) = beat.and(store::nodes::forget_dead(&self.db, FORGET_AFTER).await) {
                        tracing::warn!(error = %e, "cluster heartbeat failed; retrying");
                    }
                }
                event = events.recv() => {
                    if !matches!(event.as_deref(), Ok(Event::Nodes { .. })) {
                        continue;
                    }
                }
            }
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "cannot read the cluster's nodes; retrying");
            }
        }
    }

    /// Re-reads the live nodes; on a change, tells this node's consumers.
    async fn refresh(&self) -> Result<(), StoreError> {
        let live = store::nodes::live_ids(&self.db, self.settings.node_ttl).await?;
        if self.members.set_live(live) {
            tracing::info!(nodes = ?self.members.live(), "cluster membership changed");
            metrics::gauge!("feedboard_cluster_nodes").set(self.members.live().len() as f64);
            self.bus.resync();
        }
        Ok(())
    }

    /// Leaves the cluster at once (shutdown): the others take this node's
    /// feeds and viewers without waiting for the heartbeat to age.
    pub async fn leave(db: &PgPool, node: &str) {
        let left = store::nodes::leave(db, node).await;
        if let Err(e) = left.and(bus::notify(db, &Event::Nodes { node: node.to_owned() }).await) {
            tracing::warn!(error = %e, "could not announce leaving the cluster; the others notice within the node TTL");
        }
    }
}
