//! The life of one enabled feed in this process: wait for its lease, run
//! its pipeline (restarting it after failures) while the lease lasts, give
//! the lease up when stopped, wait again when another process took over.

use super::{
    Settings,
    backoff::Backoff,
    lease::{self, Keeper},
    pipeline::Pipeline,
    source::{Stopping, ending::Handover},
    status::FeedMonitor,
    supervise::{Run, restart_on_failure},
};
use crate::{
    cluster::Members,
    hub::Hub,
    model::{FeedState, Source},
    store::feeds::FeedRow,
};
use sqlx::PgPool;
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

/// Everything a feed's task needs.
pub struct FeedTask {
    pub row: FeedRow,
    /// The feed's source with its secrets (`row` holds them masked).
    pub broker: Source,
    pub db: PgPool,
    pub hub: Hub,
    pub monitor: Arc<FeedMonitor>,
    pub settings: Settings,
    /// This node and its view of the others (who should ingest what).
    pub members: Members,
    pub client_id: String,
    pub handover: Arc<Mutex<Option<Handover>>>,
}

impl FeedTask {
    /// Runs until `stop`.
    pub async fn run(self, stop: Stopping) {
        let stopped = stop.token();
        let id = self.row.id;
        while let Some(lease) = lease::wait(&self.db, id, &self.members, &self.settings, &self.monitor, &stopped).await
        {
            // Fires when another process takes the feed over, or on a stop.
            let lost = stopped.child_token();
            let keeper = Keeper::start(
                self.db.clone(),
                lease,
                &self.settings,
                self.monitor.clone(),
                self.members.clone(),
                lost.clone(),
            );
            let pipeline = Pipeline {
                row: self.row.clone(),
                broker: self.broker.clone(),
                db: self.db.clone(),
                hub: self.hub.clone(),
                monitor: self.monitor.clone(),
                settings: self.settings,
                client_id: self.client_id.clone(),
                fence: lease.token,
                handover: self.handover.clone(),
            };
            let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
            let ended = restart_on_failure(
                || pipeline.run(&stop, &lost),
                backoff,
                &lost,
                |reason| self.monitor.set_state(FeedState::Error, Some(reason.to_owned())),
            )
            .await;
            self.monitor.clear_holder();
            if stop.is_requested() {
                keeper.release(&self.db, lease).await;
                return;
            }
            if keeper.handing_over() {
                keeper.release(&self.db, lease).await;
                tracing::info!(feed = %self.row.spec.name, "handed the feed over; standing by");
            } else if ended == Run::Fenced || lost.is_cancelled() {
                tracing::info!(feed = %self.row.spec.name, "the feed is ingested elsewhere now; standing by");
            }
        }
    }
}
