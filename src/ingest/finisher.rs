//! The second stage of a feed's pipeline: acknowledges committed batches to
//! the broker, counts them and publishes them to the hub, in commit order,
//! while the writer already stores the next batch.

use super::{source, status::FeedMonitor, writer::Committed};
use crate::hub::{Hub, LiveMessage};
use std::{sync::Arc, time::Instant};
use tokio::sync::mpsc;

/// Where a feed's committed batches go.
pub struct Finisher {
    pub feed_id: i64,
    pub feed_name: String,
    pub hub: Hub,
    pub monitor: Arc<FeedMonitor>,
}

impl Finisher {
    /// Runs until the writer has handed over its last batch.
    pub async fn run(self, mut committed: mpsc::Receiver<Committed>) {
        while let Some(batch) = committed.recv().await {
            let count = batch.acks.len();
            source::ack_all(batch.acks).await;
            drop(batch.held);
            self.monitor.add_stored(batch.stored.len() as u64, batch.rejected as u64);
            metrics::histogram!("feedboard_batch_size_messages").record(count as f64);
            let (feed, id, now) = (self.feed_name.as_str(), self.feed_id, Some(Instant::now()));
            let ticks = batch.stored.ticks.iter().map(|t| LiveMessage::tick(id, feed, t, now));
            let logs = batch.stored.logs.iter().map(|l| LiveMessage::log(id, feed, l, now));
            self.hub.publish(id, ticks.chain(logs));
        }
    }
}
