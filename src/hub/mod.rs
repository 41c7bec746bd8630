//! In-process fan-out of committed feed messages to live subscribers.
//!
//! The ingest writer publishes each batch after its transaction commits, in
//! `seq` order; subscribers (SSE streams) get them through a bounded
//! broadcast ring per feed. A subscriber that falls behind the ring is told
//! (`Lagged`) and catches up from Postgres, so a slow client never slows
//! ingest or anyone else.

pub mod cursor;
pub mod replays;
pub mod stream;

use crate::model::{FeedStatus, Firing, LiveEvent, LogLine, Tick};
use serde::Serialize;
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Instant,
};
use tokio::sync::broadcast;

/// What a live message carries (a subset of [`LiveEvent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Tick,
    Log,
}

impl EventKind {
    /// The live-stream event a message of this kind is sent as.
    pub fn event(self) -> LiveEvent {
        match self {
            EventKind::Tick => LiveEvent::Tick,
            EventKind::Log => LiveEvent::Log,
        }
    }

    /// The SSE event name (`tick` or `log`).
    pub fn as_str(self) -> &'static str {
        self.event().as_str()
    }
}

/// A committed message, serialized once for every subscriber.
#[derive(Debug)]
pub struct LiveMessage {
    pub feed_id: i64,
    pub seq: i64,
    pub kind: EventKind,
    /// The SSE `data:` JSON, `feed` name included.
    pub data: Box<str>,
    /// The message's own time (what a replay is paced by).
    pub ts: chrono::DateTime<chrono::Utc>,
    /// When the batch holding it committed (for push-latency metrics);
    /// `None` for messages replayed from Postgres.
    pub committed_at: Option<Instant>,
}

#[derive(Serialize)]
struct TickEvent<'a> {
    feed: &'a str,
    #[serde(flatten)]
    tick: &'a Tick,
}

#[derive(Serialize)]
struct LogEvent<'a> {
    feed: &'a str,
    #[serde(flatten)]
    log: &'a LogLine,
}

impl LiveMessage {
    /// The `tick` event of a stored tick.
    pub fn tick(feed_id: i64, feed: &str, tick: &Tick, committed_at: Option<Instant>) -> Self {
        let data = serde_json::to_string(&TickEvent { feed, tick }).expect("ticks serialize").into_boxed_str();
        LiveMessage { feed_id, seq: tick.seq, kind: EventKind::Tick, data, ts: tick.ts, committed_at }
    }

    /// The `log` event of a stored log line.
    pub fn log(feed_id: i64, feed: &str, log: &LogLine, committed_at: Option<Instant>) -> Self {
        let data = serde_json::to_string(&LogEvent { feed, log }).expect("log lines serialize").into_boxed_str();
        LiveMessage { feed_id, seq: log.seq, kind: EventKind::Log, data, ts: log.ts, committed_at }
    }
}

/// A feed's status changed (connected, error, …).
#[derive(Clone, Debug, Serialize)]
pub struct StatusUpdate {
    #[serde(skip)]
    pub feed_id: i64,
    pub feed: String,
    #[serde(flatten)]
    pub status: FeedStatus,
}

/// A feed event that is not a stored message (a status change, an alert
/// firing): sent live to the feed's viewers, never replayed on resume.
#[derive(Debug)]
pub struct Notice {
    pub feed_id: i64,
    pub event: LiveEvent,
    /// The SSE `data:` JSON.
    pub data: String,
}

/// The fan-out point; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    feeds: RwLock<HashMap<i64, Channel>>,
    notices: broadcast::Sender<Arc<Notice>>,
}

/// One feed's ring, and the last `seq` it carried.
struct Channel {
    sender: broadcast::Sender<Arc<LiveMessage>>,
    head: std::sync::atomic::AtomicI64,
}

impl Hub {
    /// A hub keeping the last `capacity` messages of each feed for slow
    /// subscribers.
    pub fn new(capacity: usize) -> Self {
        let (notices, _) = broadcast::channel(1024);
        Hub { inner: Arc::new(Inner { capacity, feeds: RwLock::new(HashMap::new()), notices }) }
    }

    /// Delivers committed messages of one feed, in order. Messages at or
    /// below the last `seq` delivered are dropped: a batch may arrive twice
    /// on a node (from its own writer and from the cluster relay).
    pub fn publish(&self, feed_id: i64, messages: impl IntoIterator<Item = LiveMessage>) {
        let feeds = self.inner.feeds.read().unwrap_or_else(|p| p.into_inner());
        let Some(channel) = feeds.get(&feed_id) else { return };
        for message in messages {
            if channel.head.fetch_max(message.seq, std::sync::atomic::Ordering::AcqRel) >= message.seq {
                continue;
            }
            // An error only means nobody is listening right now.
            let _ = channel.sender.send(Arc::new(message));
        }
    }

    /// Live messages of `feed_id` from now on.
    pub fn subscribe(&self, feed_id: i64) -> broadcast::Receiver<Arc<LiveMessage>> {
        if let Some(channel) = self.inner.feeds.read().unwrap_or_else(|p| p.into_inner()).get(&feed_id) {
            return channel.sender.subscribe();
        }
        let mut feeds = self.inner.feeds.write().unwrap_or_else(|p| p.into_inner());
        let channel = feeds.entry(feed_id).or_insert_with(|| Channel {
            sender: broadcast::channel(self.inner.capacity).0,
            head: std::sync::atomic::AtomicI64::new(0),
        });
        channel.sender.subscribe()
    }

    /// The feeds someone on this node follows, with the last `seq` each
    /// carried (0 when none yet).
    pub fn followed(&self) -> Vec<(i64, i64)> {
        let feeds = self.inner.feeds.read().unwrap_or_else(|p| p.into_inner());
        feeds
            .iter()
            .filter(|(_, c)| c.sender.receiver_count() > 0)
            .map(|(id, c)| (*id, c.head.load(std::sync::atomic::Ordering::Acquire)))
            .collect()
    }

    /// The last `seq` carried for `feed_id`, if someone on this node
    /// follows it.
    pub fn followed_head(&self, feed_id: i64) -> Option<i64> {
        let feeds = self.inner.feeds.read().unwrap_or_else(|p| p.into_inner());
        let channel = feeds.get(&feed_id).filter(|c| c.sender.receiver_count() > 0)?;
        Some(channel.head.load(std::sync::atomic::Ordering::Acquire))
    }

    /// Announces a status change.
    pub fn publish_status(&self, update: StatusUpdate) {
        let data = serde_json::to_string(&update).expect("statuses serialize");
        self.notify(Notice { feed_id: update.feed_id, event: LiveEvent::Status, data });
    }

    /// Announces an alert firing to the viewers of `feed_id`.
    pub fn publish_alert(&self, feed_id: i64, firing: &Firing) {
        let data = serde_json::to_string(firing).expect("firings serialize");
        self.notify(Notice { feed_id, event: LiveEvent::Alert, data });
    }

    fn notify(&self, notice: Notice) {
        // An error only means nobody is listening right now.
        let _ = self.inner.notices.send(Arc::new(notice));
    }

    /// Status changes and firings of every feed from now on.
    pub fn subscribe_notices(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.inner.notices.subscribe()
    }

    /// How many live subscribers each feed has (for metrics).
    pub fn subscriber_count(&self) -> usize {
        self.inner.feeds.read().unwrap_or_else(|p| p.into_inner()).values().map(|c| c.sender.receiver_count()).sum()
    }
}
