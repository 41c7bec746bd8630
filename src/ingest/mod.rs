//! Broker clients, payload parsing and batched storage of feed messages.
//!
//! The [`Ingest`] supervisor runs one task per enabled feed: a source
//! (MQTT or AMQP session with its own reconnect loop) feeding a writer
//! (batch → Postgres → ack → hub) through a bounded channel. `reconcile`
//! brings the running tasks in line with the feeds table, so a change takes
//! effect without a restart.

pub mod backoff;
pub mod parse;
pub mod preview;
pub mod source;
pub mod status;
pub mod writer;

use crate::{
    hub::Hub,
    model::{FeedState, FeedStatus, Source},
    secrets::Keyring,
    store::{self, StoreError, feeds::FeedRow},
};
use sqlx::PgPool;
use status::{FeedMonitor, StatusBoard};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::{sync::Mutex, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// Tuning knobs of the ingest pipeline.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Most messages written in one statement.
    pub batch_max: usize,
    /// How long a batch waits for more messages after its first; zero
    /// takes what has already arrived (batches grow by themselves under
    /// load, while the previous one commits).
    pub linger: Duration,
    /// Payloads above this many bytes are rejected.
    pub max_payload: usize,
    /// Unacknowledged MQTT messages the broker may send us (MQTT v5
    /// Receive Maximum): bounds memory and in-flight work per feed.
    pub mqtt_receive_maximum: u16,
    /// Unacknowledged AMQP deliveries per consumer (`basic.qos`).
    pub amqp_prefetch: u16,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            batch_max: 1000,
            linger: Duration::ZERO,
            max_payload: parse::DEFAULT_MAX_PAYLOAD,
            mqtt_receive_maximum: 10_000,
            amqp_prefetch: 5_000,
        }
    }
}

/// The ingest supervisor; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    inner: Arc<Inner>,
}

struct Inner {
    db: PgPool,
    hub: Hub,
    board: StatusBoard,
    install_id: String,
    settings: Settings,
    secrets: Keyring,
    running: Mutex<HashMap<i64, RunningFeed>>,
}

struct RunningFeed {
    row: FeedRow,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Ingest {
    pub async fn new(db: PgPool, hub: Hub, secrets: Keyring, settings: Settings) -> Result<Self, StoreError> {
        let install_id = store::settings::install_id(&db).await?;
        let inner =
            Inner { db, hub, board: StatusBoard::default(), install_id, settings, secrets, running: Mutex::default() };
        Ok(Ingest { inner: Arc::new(inner) })
    }

    /// This installation's id (part of broker client ids).
    pub fn install_id(&self) -> &str {
        &self.inner.install_id
    }

    pub fn settings(&self) -> Settings {
        self.inner.settings
    }

    /// Live status of a feed.
    pub fn status(&self, feed_id: i64) -> FeedStatus {
        self.inner.board.status(feed_id)
    }

    /// Starts, restarts and stops feed tasks to match the feeds table.
    pub async fn reconcile(&self) -> Result<(), StoreError> {
        let feeds = store::feeds::list(&self.inner.db).await?;
        let mut running = self.inner.running.lock().await;
        let wanted: HashMap<i64, FeedRow> = feeds.into_iter().map(|f| (f.id, f)).collect();

        let stale: Vec<i64> = running
            .iter()
            .filter(|(id, r)| wanted.get(id).is_none_or(|w| *w != r.row || !w.spec.enabled))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            if let Some(feed) = running.remove(&id) {
                feed.cancel.cancel();
                let _ = feed.task.await;
            }
            self.inner.board.remove(id);
        }
        for (id, row) in wanted {
            if running.contains_key(&id) {
                continue;
            }
            let (stored, rejected) = store::feeds::totals(&self.inner.db, id).await?;
            let monitor =
                Arc::new(FeedMonitor::new(id, row.spec.name.clone(), self.inner.hub.clone(), stored, rejected));
            self.inner.board.insert(id, monitor.clone());
            if !row.spec.enabled {
                monitor.set_state(FeedState::Disabled, None);
                continue;
            }
            // A password no key opens: the feed shows why instead of connecting.
            let broker = match row.source(&self.inner.secrets) {
                Ok(source) => source,
                Err(e) => {
                    monitor.set_state(FeedState::Error, Some(e.to_string()));
                    continue;
                }
            };
            let cancel = CancellationToken::new();
            let task = tokio::spawn(self.clone().run_feed(row.clone(), broker, monitor, cancel.clone()));
            running.insert(id, RunningFeed { row, cancel, task });
        }
        Ok(())
    }

    /// Stops every feed task, letting writers store what they hold.
    pub async fn shutdown(&self) {
        let mut running = self.inner.running.lock().await;
        for (_, feed) in running.drain() {
            feed.cancel.cancel();
            let _ = feed.task.await;
        }
    }

    /// Runs a feed's writer and source; `broker` is the source with its secrets.
    async fn run_feed(self, row: FeedRow, broker: Source, monitor: Arc<FeedMonitor>, cancel: CancellationToken) {
        let settings = self.inner.settings;
        let capacity = usize::from(settings.mqtt_receive_maximum.max(settings.amqp_prefetch)) + 64;
        let (tx, rx) = tokio::sync::mpsc::channel(capacity);
        let writer = writer::Writer {
            feed_id: row.id,
            feed_name: row.spec.name.clone(),
            kind: row.spec.kind,
            mapping: row.spec.mapping.clone(),
            db: self.inner.db.clone(),
            hub: self.inner.hub.clone(),
            monitor: monitor.clone(),
            settings,
            cancel: cancel.clone(),
        };
        let writer = tokio::spawn(writer.run(rx));
        let ctx = source::SourceContext {
            feed_id: row.id,
            install_id: self.inner.install_id.clone(),
            deliveries: tx,
            monitor,
            settings,
        };
        source::run(broker, ctx, cancel).await;
        // The source dropped its sender: the writer stores what it holds, then ends.
        let _ = writer.await;
    }
}
