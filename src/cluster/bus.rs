//! The cluster bus: typed events between the nodes of one database, over
//! Postgres' `NOTIFY` channel `feedboard` (no other service needed).
//!
//! Postgres delivers notifications at commit, in commit order, to every
//! listening connection. Triggers announce commits and feed edits (see
//! `migrations/0030_cluster.sql`); nodes send rooms, presence and logouts.
//! Events too large for a notification travel through `cluster_outbox`.
//! When the listening connection drops, notifications sent meanwhile are
//! lost: the bus then emits [`Event::Resync`] locally and every consumer
//! brings itself up to date from the tables.

use crate::store::{self, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, postgres::PgListener};
use std::{sync::Arc, time::Duration};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

/// The notification channel.
pub const CHANNEL: &str = "feedboard";
/// Largest payload sent as a notification (Postgres allows 8000 bytes).
const MAX_NOTIFY: usize = 7900;
/// Events queued for sending before new ones are dropped (and counted).
const OUTGOING: usize = 10_000;
/// Events received and not yet taken by a slow consumer.
const INCOMING: usize = 4096;

/// What nodes tell each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Event {
    /// A batch of `feed` committed: `seq` (from, to] are stored (a trigger
    /// sends it).
    Commit { feed: i64, from: i64, to: i64 },
    /// The feeds table changed (a trigger sends it).
    Feeds,
    /// Alert firing `id` on `feed` committed (a trigger sends it).
    Alert { feed: i64, id: i64 },
    /// An encoded server message for everyone in the room of `dashboard`.
    Room { node: String, dashboard: String, text: String },
    /// `node` changed who it has in the room of `dashboard` (see
    /// `room_presence`).
    Presence { node: String, dashboard: String },
    /// `node` joined or is leaving.
    Nodes { node: String },
    /// Close the sockets of a login (it signed out).
    CloseLogin { node: String, login: String },
    /// Close the sockets of a user, except those of the login `keep`.
    CloseUser { node: String, user_id: i64, keep: Option<String> },
    /// `node` re-parsed `stored` rejected messages of `feed` into stored
    /// ones: whoever ingests the feed moves them over in its counters.
    Reparsed { node: String, feed: i64, stored: u64 },
    /// A large event, kept in `cluster_outbox` under `id`.
    Stored { id: i64 },
    /// Never sent: this node may have missed events (its listener
    /// reconnected, or the set of live nodes changed); consumers catch up.
    #[serde(skip)]
    Resync,
}

impl Event {
    /// The node that sent it, for the events nodes send.
    fn origin(&self) -> Option<&str> {
        match self {
            Event::Room { node, .. }
            | Event::Presence { node, .. }
            | Event::Nodes { node }
            | Event::CloseLogin { node, .. }
            | Event::CloseUser { node, .. }
            | Event::Reparsed { node, .. } => Some(node),
            Event::Commit { .. } | Event::Feeds | Event::Alert { .. } | Event::Stored { .. } | Event::Resync => None,
        }
    }
}

/// This node's end of the bus; cheap to clone.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    node: String,
    outgoing: mpsc::Sender<Event>,
    incoming: broadcast::Sender<Arc<Event>>,
}

impl Bus {
    /// Listens on the channel (returning once listening, so nothing sent
    /// after this is missed) and starts sending; both stop at `shutdown`.
    pub async fn start(db: PgPool, node: String, shutdown: CancellationToken) -> Result<Bus, StoreError> {
        let mut listener = PgListener::connect_with(&db).await?;
        listener.listen(CHANNEL).await?;
        let (outgoing, queue) = mpsc::channel(OUTGOING);
        let (incoming, _) = broadcast::channel(INCOMING);
        let bus = Bus { inner: Arc::new(Inner { node, outgoing, incoming }) };
        tokio::spawn(bus.clone().receive(listener, db.clone(), shutdown.clone()));
        tokio::spawn(send_all(db, queue, shutdown));
        Ok(bus)
    }

    /// This node's id.
    pub fn node(&self) -> &str {
        &self.inner.node
    }

    /// Queues `event` for every other node, without waiting. Events from one
    /// node arrive in the order they were sent.
    pub fn send(&self, event: Event) {
        if self.inner.outgoing.try_send(event).is_err() {
            metrics::counter!("feedboard_cluster_dropped_total").increment(1);
            tracing::warn!("cluster bus queue full or closed; an event was dropped");
        }
    }

    /// Events from now on: those of other nodes and the triggers, and
    /// [`Event::Resync`].
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.incoming.subscribe()
    }

    /// Tells this node's consumers to catch up (the live nodes changed).
    pub fn resync(&self) {
        let _ = self.inner.incoming.send(Arc::new(Event::Resync));
    }

    async fn receive(self, mut listener: PgListener, db: PgPool, shutdown: CancellationToken) {
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => return,
                next = listener.try_recv() => next,
            };
            match next {
                Ok(Some(notification)) => self.dispatch(&db, notification.payload()).await,
                // The connection dropped; the next call reconnects and
                // listens again. What was sent meanwhile is in the tables.
                Ok(None) => {
                    metrics::counter!("feedboard_cluster_resyncs_total").increment(1);
                    tracing::warn!("cluster bus connection lost; catching up");
                    self.resync();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cluster bus cannot listen; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }

    async fn dispatch(&self, db: &PgPool, payload: &str) {
        let event = match serde_json::from_str::<Event>(payload) {
            Ok(Event::Stored { id }) => match store::nodes::outbox_get(db, id).await {
                Ok(Some(body)) => serde_json::from_str(&body),
                Ok(None) => return tracing::warn!(id, "a large cluster event was purged before it was read"),
                Err(e) => return tracing::warn!(id, error = %e, "cannot read a large cluster event"),
            },
            other => other,
        };
        match event {
            Ok(event) if event.origin() != Some(self.node()) => {
                metrics::counter!("feedboard_cluster_events_total").increment(1);
                let _ = self.inner.incoming.send(Arc::new(event));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "ignoring an unreadable cluster event"),
        }
    }
}

/// Sends queued events in order, each as a notification (or, when too
/// large, as an outbox row and a notification naming it).
async fn send_all(db: PgPool, mut queue: mpsc::Receiver<Event>, shutdown: CancellationToken) {
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => return,
            event = queue.recv() => match event { Some(e) => e, None => return },
        };
        if let Err(e) = notify(&db, &event).await {
            metrics::counter!("feedboard_cluster_dropped_total").increment(1);
            tracing::warn!(error = %e, "a cluster event could not be sent");
        }
    }
}

/// Sends one event.
pub async fn notify(db: &PgPool, event: &Event) -> Result<(), StoreError> {
    let mut payload = serde_json::to_string(event).unwrap_or_default();
    if payload.len() > MAX_NOTIFY {
        let id = store::nodes::outbox_put(db, &payload).await?;
        payload = serde_json::to_string(&Event::Stored { id }).unwrap_or_default();
    }
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_what_the_triggers_write() {
        let commit: Event = serde_json::from_str(r#"{"t":"commit","feed":3,"from":10,"to":12}"#).unwrap();
        assert_eq!(commit, Event::Commit { feed: 3, from: 10, to: 12 });
        assert_eq!(serde_json::from_str::<Event>(r#"{"t":"feeds"}"#).unwrap(), Event::Feeds);
    }

    #[test]
    fn node_events_round_trip_and_name_their_sender() {
        let event = Event::CloseUser { node: "a".into(), user_id: 7, keep: Some("l".into()) };
        let back: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.origin(), Some("a"));
        let reparsed = Event::Reparsed { node: "b".into(), feed: 4, stored: 12 };
        let text = serde_json::to_string(&reparsed).unwrap();
        assert_eq!(text, r#"{"t":"reparsed","node":"b","feed":4,"stored":12}"#);
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap().origin(), Some("b"));
        assert_eq!(Event::Commit { feed: 1, from: 0, to: 1 }.origin(), None);
    }
}
