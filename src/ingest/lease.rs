//! Holding a feed's lease: waiting for it (showing the holder's status
//! meanwhile), renewing it while the pipeline runs, noticing a takeover,
//! and giving it up on a stop.

use super::{Settings, status::FeedMonitor};
use crate::{
    cluster::Members,
    model::FeedState,
    store::leases::{self, Lease},
};
use sqlx::PgPool;
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio_util::sync::CancellationToken;

/// Waits until this process holds the feed's lease; `None` if `stop` fires
/// first. While another process holds it, the feed shows that process's
/// status.
pub async fn wait(
    db: &PgPool,
    feed_id: i64,
    members: &Members,
    settings: &Settings,
    monitor: &FeedMonitor,
    stop: &CancellationToken,
) -> Option<Lease> {
    let node = members.node();
    loop {
        // The preferred node goes first; the others step in when it has not
        // taken the feed for a lease's length.
        let grace = if members.prefers_me(feed_id) { Duration::ZERO } else { settings.lease_ttl };
        match leases::acquire_after(db, feed_id, node, settings.lease_ttl, grace).await {
            Ok(Some(lease)) => {
                monitor.set_holder(node);
                return Some(lease);
            }
            Ok(None) => {
                if let Ok(Some(holder)) = leases::holder(db, feed_id).await {
                    monitor.mirror(&holder.holder, holder.status);
                }
            }
            Err(e) => monitor.set_state(FeedState::Error, Some(format!("database unavailable: {e}"))),
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.lease_poll) => {}
            _ = stop.cancelled() => return None,
        }
    }
}

/// Renews a held lease in the background, publishing the feed's status
/// with it, and hands the feed over when another live node is preferred.
pub struct Keeper {
    task: tokio::task::JoinHandle<()>,
    handing_over: Arc<AtomicBool>,
}

impl Keeper {
    /// Renews `lease` until dropped or released; cancels `lost` on a
    /// takeover, and when the feed should move to its preferred node (the
    /// pipeline then drains as on a stop; see [`Keeper::handing_over`]).
    pub fn start(
        db: PgPool,
        lease: Lease,
        settings: &Settings,
        monitor: Arc<FeedMonitor>,
        members: Members,
        lost: CancellationToken,
    ) -> Self {
        let (every, ttl, signal) = (settings.lease_renew, settings.lease_ttl, lost.clone());
        let handing_over = Arc::new(AtomicBool::new(false));
        let handing = handing_over.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if !members.prefers_me(lease.feed_id) {
                    tracing::info!(
                        feed = lease.feed_id,
                        to = %members.preferred(lease.feed_id),
                        "handing the feed over to its preferred node"
                    );
                    handing.store(true, Ordering::Release);
                    signal.cancel();
                    return;
                }
                // A renewal that fails (database away) is retried; the
                // lease's token fences our writes if someone takes over.
                if let Ok(false) = leases::renew(&db, lease, ttl, &monitor.snapshot()).await {
                    tracing::warn!(feed = lease.feed_id, "another process took the feed over");
                    signal.cancel();
                    return;
                }
            }
        });
        Keeper { task, handing_over }
    }

    /// Whether the keeper ended the run to hand the feed over (the lease is
    /// then released at once rather than left to expire).
    pub fn handing_over(&self) -> bool {
        self.handing_over.load(Ordering::Acquire)
    }

    /// Stops renewing and gives the lease up.
    pub async fn release(self, db: &PgPool, lease: Lease) {
        self.task.abort();
        if let Err(e) = leases::release(db, lease).await {
            tracing::debug!(feed = lease.feed_id, error = %e, "lease not released; it expires by itself");
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}
