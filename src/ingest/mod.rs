//! Broker clients, payload parsing and batched storage of feed messages.
//!
//! The [`Ingest`] supervisor keeps one task per enabled feed. A task first
//! takes the feed's lease (so only one process ingests it), then runs the
//! feed's pipeline (source → writer → finisher, see [`pipeline`]) and starts
//! it again when it fails. `reconcile` brings the tasks in line with the
//! feeds table, so a change takes effect without a restart; a stopped task
//! drains (stores and acknowledges what it holds) before it leaves its
//! broker, and cleans up what the change made stale.

pub mod backoff;
pub mod budget;
mod feed_task;
pub mod finisher;
pub mod lease;
pub mod parse;
pub mod pipeline;
pub mod preview;
mod settings;
pub mod source;
pub mod status;
pub mod supervise;
pub mod writer;

use crate::{
    cluster::{Bus, Event, Members},
    hub::Hub,
    model::{FeedState, FeedStatus},
    secrets::Keyring,
    store::{self, StoreError, feeds::FeedRow},
};
use feed_task::FeedTask;
pub use settings::Settings;
use source::{Ending, Stopping, ending::Handover};
use sqlx::PgPool;
use status::{FeedMonitor, StatusBoard};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex as SyncMutex},
};
use tokio::{sync::Mutex, task::JoinHandle};

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
    members: Members,
    settings: Settings,
    secrets: Keyring,
    /// Every feed seen in the table, with its task when it runs.
    known: Mutex<HashMap<i64, Known>>,
}

struct Known {
    row: FeedRow,
    task: Option<Running>,
    /// What the feed's next AMQP session takes over from the previous one.
    handover: Arc<SyncMutex<Option<Handover>>>,
}

struct Running {
    stop: Stopping,
    handle: JoinHandle<()>,
}

impl Running {
    async fn stop(self, ending: Ending) {
        self.stop.stop(ending);
        let _ = self.handle.await;
    }
}

impl Ingest {
    /// A supervisor for this node (`members` names it in leases and says
    /// which feeds it should prefer); `secrets` opens the stored broker
    /// passwords.
    pub async fn new(
        db: PgPool,
        hub: Hub,
        secrets: Keyring,
        settings: Settings,
        members: Members,
    ) -> Result<Self, StoreError> {
        let install_id = store::settings::install_id(&db).await?;
        let board = StatusBoard::default();
        let inner = Inner { db, hub, board, install_id, members, settings, secrets, known: Mutex::default() };
        Ok(Ingest { inner: Arc::new(inner) })
    }

    /// This installation's id (part of broker client ids).
    pub fn install_id(&self) -> &str {
        &self.inner.install_id
    }

    /// This process's name in leases and statuses.
    pub fn node_id(&self) -> &str {
        self.inner.members.node()
    }

    /// The feeds this process ingests now.
    pub fn ingesting(&self) -> Vec<i64> {
        self.inner.board.local_feeds()
    }

    /// Whether this process ingests the feed now (holds its lease).
    pub fn ingests(&self, feed_id: i64) -> bool {
        self.inner.board.get(feed_id).is_some_and(|m| m.is_local())
    }

    /// Reconciles whenever the feeds change on any node, or this node may
    /// have missed that; until `shutdown`.
    pub async fn follow(self, bus: Bus, shutdown: tokio_util::sync::CancellationToken) {
        let wanted = Arc::new(tokio::sync::Notify::new());
        let mut events = bus.subscribe();
        let worker = {
            let (this, wanted) = (self.clone(), wanted.clone());
            tokio::spawn(async move {
                loop {
                    // Changes arriving during a reconcile make one more.
                    wanted.notified().await;
                    if let Err(e) = this.reconcile_now().await {
                        tracing::warn!(error = %e, "reconcile after a cluster event failed");
                    }
                }
            })
        };
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                event = events.recv() => match event.as_deref() {
                    Ok(Event::Feeds | Event::Resync) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        wanted.notify_one();
                    }
                    Ok(Event::Reparsed { feed, stored, .. }) => self.reparsed(*feed, *stored),
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
            }
        }
        worker.abort();
    }

    pub fn settings(&self) -> Settings {
        self.inner.settings
    }

    /// `n` of the feed's rejected messages were stored after a re-parse (on
    /// this node, or on another: see [`Event::Reparsed`]): its counters move
    /// them over.
    pub fn reparsed(&self, feed_id: i64, n: u64) {
        if let Some(monitor) = self.inner.board.get(feed_id) {
            monitor.move_to_stored(n);
        }
    }

    /// Live status of a feed.
    pub fn status(&self, feed_id: i64) -> FeedStatus {
        self.inner.board.status(feed_id)
    }

    /// Starts, restarts and stops feed tasks to match the feeds table. Runs
    /// to the end even when the caller goes away (an HTTP client that
    /// disconnects must not leave an edited feed stopped).
    pub async fn reconcile(&self) -> Result<(), StoreError> {
        let this = self.clone();
        tokio::spawn(async move { this.reconcile_now().await }).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "reconcile failed");
            Ok(())
        })
    }

    async fn reconcile_now(&self) -> Result<(), StoreError> {
        let feeds = store::feeds::list(&self.inner.db).await?;
        let mut known = self.inner.known.lock().await;
        let wanted: HashMap<i64, FeedRow> = feeds.into_iter().map(|f| (f.id, f)).collect();

        let deleted: Vec<i64> = known.keys().filter(|id| !wanted.contains_key(id)).copied().collect();
        for id in deleted {
            let Some(gone) = known.remove(&id) else { continue };
            self.inner.board.remove(id);
            match gone.task {
                Some(task) => task.stop(Ending::Deleted).await,
                None => {
                    if let Ok(broker) = gone.row.source(&self.inner.secrets) {
                        tokio::spawn(source::forget(broker, gone.row.spec.name, self.client_id(id)));
                    }
                }
            }
        }
        for (id, row) in wanted {
            let entry =
                known.entry(id).or_insert_with(|| Known { row: row.clone(), task: None, handover: Arc::default() });
            let changed = entry.row != row;
            if changed {
                if let Some(task) = entry.task.take() {
                    task.stop(Ending::Replaced(Box::new(row.spec.clone()))).await;
                }
                if let Some(handover) = source::ending::handover(&entry.row.spec, &row.spec) {
                    // A handover not yet taken (the feed was disabled) keeps its former queue.
                    let mut pending = entry.handover.lock().unwrap_or_else(|p| p.into_inner());
                    let migrate = pending.take().and_then(|p| p.migrate).or(handover.migrate);
                    *pending = Some(Handover { migrate, ..handover });
                }
                entry.row = row.clone();
            }
            if entry.task.is_some() {
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
            let stop = Stopping::default();
            let task = FeedTask {
                row,
                broker,
                db: self.inner.db.clone(),
                hub: self.inner.hub.clone(),
                monitor,
                settings: self.inner.settings,
                members: self.inner.members.clone(),
                client_id: self.client_id(id),
                handover: entry.handover.clone(),
            };
            let handle = tokio::spawn(task.run(stop.clone()));
            entry.task = Some(Running { stop, handle });
        }
        Ok(())
    }

    /// Stops every feed task, each storing and acknowledging what it holds
    /// (within the drain limit) and giving its lease up.
    pub async fn shutdown(&self) {
        let mut known = self.inner.known.lock().await;
        let stopping = known.values_mut().filter_map(|k| k.task.take()).map(|task| task.stop(Ending::Shutdown));
        futures::future::join_all(stopping).await;
    }

    fn client_id(&self, feed_id: i64) -> String {
        format!("feedboard-{}-{feed_id}", self.inner.install_id)
    }
}
