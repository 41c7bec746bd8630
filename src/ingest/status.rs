//! Live status and counters of each feed's ingest task.

use crate::{
    hub::{Hub, StatusUpdate},
    model::{FeedState, FeedStatus, MqttVersion},
};
use chrono::{TimeZone, Utc};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicI64, AtomicU64, Ordering::Relaxed},
    },
};

/// Status of one feed, updated by its tasks, read by the API.
pub struct FeedMonitor {
    feed_id: i64,
    name: String,
    hub: Hub,
    state: Mutex<(FeedState, Option<String>)>,
    received: AtomicU64,
    stored: AtomicU64,
    rejected: AtomicU64,
    last_message_ms: AtomicI64,
    /// The MQTT version the broker accepted.
    mqtt_version: Mutex<Option<MqttVersion>>,
    /// Who ingests the feed.
    holder: Mutex<Holder>,
}

impl FeedMonitor {
    /// A monitor starting from the stored totals.
    pub fn new(feed_id: i64, name: String, hub: Hub, stored: u64, rejected: u64) -> Self {
        FeedMonitor {
            feed_id,
            name,
            hub,
            state: Mutex::new((FeedState::Connecting, None)),
            received: AtomicU64::new(0),
            stored: AtomicU64::new(stored),
            rejected: AtomicU64::new(rejected),
            last_message_ms: AtomicI64::new(0),
            mqtt_version: Mutex::new(None),
            holder: Mutex::new(Holder::Unknown),
        }
    }

    /// This process ingests the feed (as `node`).
    pub fn set_holder(&self, node: &str) {
        *self.holder.lock().unwrap_or_else(|p| p.into_inner()) = Holder::Here(node.to_owned());
    }

    /// This process no longer ingests the feed (who does is shown once known).
    pub fn clear_holder(&self) {
        *self.holder.lock().unwrap_or_else(|p| p.into_inner()) = Holder::Unknown;
    }

    /// Whether this process ingests the feed now.
    pub fn is_local(&self) -> bool {
        matches!(&*self.holder.lock().unwrap_or_else(|p| p.into_inner()), Holder::Here(_))
    }

    /// Another process (`node`) ingests the feed; show the status it
    /// published. Announced on the hub when the state changes.
    pub fn mirror(&self, node: &str, status: Option<FeedStatus>) {
        let changed = {
            let mut holder = self.holder.lock().unwrap_or_else(|p| p.into_inner());
            let state = |s: &Option<FeedStatus>| s.as_ref().map(|s| (s.state, s.last_error.clone()));
            let changed = match &*holder {
                Holder::Elsewhere(was, before) => was != node || state(before) != state(&status),
                Holder::Unknown | Holder::Here(_) => true,
            };
            *holder = Holder::Elsewhere(node.to_owned(), status);
            changed
        };
        if changed {
            self.announce();
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Changes the state; announces it on the hub when it differs.
    pub fn set_state(&self, state: FeedState, error: Option<String>) {
        let changed = {
            let mut current = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let changed = current.0 != state || (error.is_some() && current.1 != error);
            // The last error stays visible after recovery, until the next one.
            current.0 = state;
            if error.is_some() {
                current.1 = error;
            }
            changed
        };
        if changed {
            metrics::gauge!("feedboard_feed_connected", "feed" => self.name.clone())
                .set(if state == FeedState::Connected { 1.0 } else { 0.0 });
            self.announce();
        }
    }

    /// The MQTT version the broker accepted for the current connection.
    pub fn set_mqtt_version(&self, version: Option<MqttVersion>) {
        *self.mqtt_version.lock().unwrap_or_else(|p| p.into_inner()) = version;
    }

    fn announce(&self) {
        self.hub.publish_status(StatusUpdate {
            feed_id: self.feed_id,
            feed: self.name.clone(),
            status: self.snapshot(),
        });
    }

    pub fn add_received(&self, n: u64) {
        self.received.fetch_add(n, Relaxed);
        metrics::counter!("feedboard_ingest_received_total", "feed" => self.name.clone()).increment(n);
    }

    pub fn add_stored(&self, stored: u64, rejected: u64) {
        self.stored.fetch_add(stored, Relaxed);
        self.rejected.fetch_add(rejected, Relaxed);
        self.last_message_ms.store(Utc::now().timestamp_millis(), Relaxed);
        metrics::counter!("feedboard_ingest_stored_total", "feed" => self.name.clone()).increment(stored);
        metrics::counter!("feedboard_ingest_rejected_total", "feed" => self.name.clone()).increment(rejected);
    }

    /// `n` rejected messages were stored after all (a re-parse).
    pub fn move_to_stored(&self, n: u64) {
        let _ = self.rejected.fetch_update(Relaxed, Relaxed, |r| Some(r.saturating_sub(n)));
        self.stored.fetch_add(n, Relaxed);
    }

    /// The status as the API shows it.
    pub fn snapshot(&self) -> FeedStatus {
        let holder = match self.holder.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            Holder::Elsewhere(node, Some(remote)) => return FeedStatus { ingested_by: Some(node), ..remote },
            Holder::Elsewhere(node, None) | Holder::Here(node) => Some(node),
            Holder::Unknown => None,
        };
        let (state, last_error) = self.state.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let ms = self.last_message_ms.load(Relaxed);
        FeedStatus {
            state,
            last_error,
            last_message_at: (ms > 0).then(|| Utc.timestamp_millis_opt(ms).single()).flatten(),
            received: self.received.load(Relaxed),
            stored: self.stored.load(Relaxed),
            rejected: self.rejected.load(Relaxed),
            ingested_by: holder,
            mqtt_version: *self.mqtt_version.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }
}

/// Who ingests a feed, as this process knows it.
#[derive(Clone)]
enum Holder {
    Unknown,
    /// This process (as the node named).
    Here(String),
    /// Another process, with the status it last published (none yet right
    /// after it took the lease).
    Elsewhere(String, Option<FeedStatus>),
}

/// Every feed's monitor, by feed id.
#[derive(Clone, Default)]
pub struct StatusBoard {
    monitors: Arc<RwLock<HashMap<i64, Arc<FeedMonitor>>>>,
}

impl StatusBoard {
    pub fn insert(&self, feed_id: i64, monitor: Arc<FeedMonitor>) {
        self.monitors.write().unwrap_or_else(|p| p.into_inner()).insert(feed_id, monitor);
    }

    pub fn remove(&self, feed_id: i64) {
        self.monitors.write().unwrap_or_else(|p| p.into_inner()).remove(&feed_id);
    }

    pub fn get(&self, feed_id: i64) -> Option<Arc<FeedMonitor>> {
        self.monitors.read().unwrap_or_else(|p| p.into_inner()).get(&feed_id).cloned()
    }

    /// The feeds this process ingests now.
    pub fn local_feeds(&self) -> Vec<i64> {
        let monitors = self.monitors.read().unwrap_or_else(|p| p.into_inner());
        monitors.iter().filter(|(_, m)| m.is_local()).map(|(id, _)| *id).collect()
    }

    /// The status of a feed; `disabled` for one without a monitor.
    pub fn status(&self, feed_id: i64) -> FeedStatus {
        self.get(feed_id)
            .map(|m| m.snapshot())
            .unwrap_or(FeedStatus { state: FeedState::Disabled, ..FeedStatus::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_that_lost_the_lease_knows_it_no_longer_ingests() {
        let monitor = FeedMonitor::new(1, "f".into(), Hub::new(8), 0, 0);
        assert!(!monitor.is_local());
        monitor.set_holder("node-a");
        assert!(monitor.is_local());
        // node-b took the lease and has published no status yet.
        monitor.mirror("node-b", None);
        assert!(!monitor.is_local(), "a standby relays the feed's commits to its viewers");
        assert_eq!(monitor.snapshot().ingested_by.as_deref(), Some("node-b"));
        monitor.clear_holder();
        assert_eq!(monitor.snapshot().ingested_by, None);
    }
}
