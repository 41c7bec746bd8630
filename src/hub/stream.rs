//! One live stream (one SSE connection): replays what the client missed from
//! Postgres, then follows the hub, never emitting a `seq` other than the next
//! one per feed. A jump (or a lagged receiver) is filled from Postgres, so a
//! stream has no gap and no duplicate, whatever the timing. A client too far
//! behind gets a `reset` for that feed instead. Replay pages take turns
//! process-wide ([`ReplayLimiter`]); a client that reads nothing for the
//! send timeout is dropped (it resumes when it reads again).

use super::{Hub, LiveMessage, cursor::Cursor, replays::ReplayLimiter};
use crate::{
    model::{FeedKind, LiveEvent},
    store::{
        self, StoreError,
        history::{LogQuery, TickQuery},
    },
};
use serde_json::json;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use tokio::{
    sync::mpsc,
    time::{Interval, MissedTickBehavior},
};
use tokio_stream::{
    StreamExt, StreamMap,
    wrappers::{BroadcastStream, errors::BroadcastStreamRecvError},
};
use tokio_util::sync::CancellationToken;

/// Rows read from Postgres per replay query.
const REPLAY_PAGE: i64 = 1000;
/// How often the stream says it is alive: a `heartbeat` event (visible to
/// browser code, which uses it to notice a stale connection) and a
/// `: keep-alive` comment (for proxies).
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(10);

/// Events buffered per client before the pump waits (and its hub receivers
/// may lag, to be caught up from Postgres).
const CLIENT_BUFFER: usize = 512;

/// A feed the stream follows.
#[derive(Clone, Debug)]
pub struct StreamFeed {
    pub id: i64,
    pub name: String,
    pub kind: FeedKind,
}

/// An event to write to the client.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    /// SSE event name (a [`LiveEvent`] name); empty for a comment line
    /// (`data` is its text).
    pub event: &'static str,
    /// SSE `id:` (the cursor after this event), if any.
    pub id: Option<String>,
    pub data: String,
}

impl Outgoing {
    /// A `: text` comment line.
    fn comment(text: &str) -> Self {
        Outgoing { event: "", id: None, data: text.to_owned() }
    }

    /// What the stream sends to say it is alive: the `: keep-alive` comment
    /// and the `heartbeat` event.
    fn heartbeat() -> [Outgoing; 2] {
        let now = crate::model::time::format(&chrono::Utc::now());
        let beat = Outgoing { event: LiveEvent::Heartbeat.as_str(), id: None, data: json!({"ts": now}).to_string() };
        [Outgoing::comment("keep-alive"), beat]
    }
}

/// What the client asked for.
pub struct StreamRequest {
    pub feeds: Vec<StreamFeed>,
    /// Where the client left off: `None` for a new stream, `Some(Err)` for a
    /// cursor that could not be read.
    pub resume: Option<Result<Cursor, ()>>,
    /// `status` events to send right after `ready`.
    pub initial_status: Vec<String>,
    /// Most messages replayed for one feed before it is reset instead.
    pub max_replay: i64,
}

/// The process-wide bounds every pump keeps.
#[derive(Clone, Debug)]
pub struct PumpLimits {
    /// Turns for reading replay pages.
    pub replays: ReplayLimiter,
    /// How long the client's buffer may stay full before the stream ends.
    pub send_timeout: Duration,
}

/// Starts the pump; events arrive on the returned channel until the client
/// goes away (drop the receiver), stops reading for `limits.send_timeout`,
/// or `shutdown` fires.
pub fn spawn(
    hub: Hub,
    db: PgPool,
    request: StreamRequest,
    limits: PumpLimits,
    shutdown: CancellationToken,
) -> mpsc::Receiver<Outgoing> {
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    tokio::spawn(async move {
        metrics::gauge!("feedboard_sse_clients").increment(1.0);
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut pump = Pump { db, tx, cursor: Cursor::default(), max_replay: request.max_replay, limits, heartbeat };
        let result = tokio::select! {
            r = pump.run(hub, request) => r,
            _ = shutdown.cancelled() => Ok(()),
        };
        match result {
            Err(PumpError::Store(e)) => tracing::warn!(error = %e, "live stream ended: database error"),
            Err(PumpError::Stalled) => {
                metrics::counter!("feedboard_sse_stalled_total").increment(1);
                tracing::debug!("live stream ended: the client read nothing for the send timeout");
            }
            Ok(()) | Err(PumpError::Closed) => {}
        }
        metrics::gauge!("feedboard_sse_clients").decrement(1.0);
    });
    rx
}

#[derive(Debug)]
enum PumpError {
    /// The client is gone.
    Closed,
    /// The client's buffer stayed full for the send timeout.
    Stalled,
    Store(StoreError),
}

impl From<StoreError> for PumpError {
    fn from(e: StoreError) -> Self {
        PumpError::Store(e)
    }
}

struct Pump {
    db: PgPool,
    tx: mpsc::Sender<Outgoing>,
    /// Last `seq` delivered per feed.
    cursor: Cursor,
    max_replay: i64,
    limits: PumpLimits,
    heartbeat: Interval,
}

impl Pump {
    async fn run(&mut self, hub: Hub, request: StreamRequest) -> Result<(), PumpError> {
        // Subscribe before reading positions: nothing committed after the
        // read can be missed, and anything before it is in Postgres.
        let mut live = StreamMap::new();
        for (i, feed) in request.feeds.iter().enumerate() {
            live.insert(i, BroadcastStream::new(hub.subscribe(feed.id)));
        }
        let mut status = BroadcastStream::new(hub.subscribe_status());
        let resumed = matches!(request.resume, Some(Ok(_)));
        for feed in &request.feeds {
            let head = store::history::last_seq(&self.db, feed.id).await?;
            let start = match &request.resume {
                None => Ok(head),
                Some(Err(())) => Err("unreadable cursor"),
                Some(Ok(cursor)) => match cursor.get(feed.id) {
                    None => Ok(head),
                    Some(seq) if seq > head => Err("cursor is ahead of this feed's data"),
                    Some(seq) if head - seq > self.max_replay => Err("cursor too old"),
                    Some(seq) => Ok(seq),
                },
            };
            match start {
                Ok(seq) => self.cursor.set(feed.id, seq),
                Err(reason) => {
                    self.cursor.set(feed.id, head);
                    self.reset(feed, reason).await?;
                }
            }
        }
        let positions: Vec<_> = request
            .feeds
            .iter()
            .map(|f| json!({"feed": f.name, "kind": f.kind, "seq": self.cursor.get(f.id)}))
            .collect();
        self.send(LiveEvent::Ready, true, json!({"feeds": positions, "resumed": resumed}).to_string()).await?;
        for data in request.initial_status {
            self.send(LiveEvent::Status, false, data).await?;
        }
        for feed in &request.feeds {
            self.catch_up(feed, None).await?;
        }
        loop {
            tokio::select! {
                _ = self.tx.closed() => return Err(PumpError::Closed),
                _ = self.heartbeat.tick() => self.beat().await?,
                Some((i, item)) = live.next() => {
                    let feed = &request.feeds[i];
                    match item {
                        Ok(message) => self.deliver(feed, &message).await?,
                        Err(BroadcastStreamRecvError::Lagged(missed)) => {
                            metrics::counter!("feedboard_sse_lagged_total").increment(missed);
                            self.catch_up(feed, None).await?;
                        }
                    }
                }
                Some(update) = status.next() => {
                    if let Ok(update) = update
                        && request.feeds.iter().any(|f| f.id == update.feed_id)
                    {
                        let data = serde_json::to_string(&*update).unwrap_or_default();
                        self.send(LiveEvent::Status, false, data).await?;
                    }
                }
                else => return Ok(()),
            }
        }
    }

    /// Sends `message` if it is the next one; fills a jump from Postgres;
    /// drops what was already sent.
    async fn deliver(&mut self, feed: &StreamFeed, message: &Arc<LiveMessage>) -> Result<(), PumpError> {
        let pos = self.cursor.get(feed.id).unwrap_or(0);
        if message.seq <= pos {
            return Ok(());
        }
        if message.seq > pos + 1 {
            self.catch_up(feed, Some(message.seq - 1)).await?;
        }
        if let Some(at) = message.committed_at {
            metrics::histogram!("feedboard_push_latency_seconds").record(at.elapsed().as_secs_f64());
        }
        self.emit(feed, message).await
    }

    async fn emit(&mut self, feed: &StreamFeed, message: &LiveMessage) -> Result<(), PumpError> {
        self.cursor.set(feed.id, message.seq);
        self.send(message.kind.event(), true, message.data.to_string()).await
    }

    /// Replays from Postgres everything after the cursor, up to `until`
    /// (inclusive) or to the end; resets the feed if that is too much.
    async fn catch_up(&mut self, feed: &StreamFeed, until: Option<i64>) -> Result<(), PumpError> {
        let head = match until {
            Some(until) => until,
            None => store::history::last_seq(&self.db, feed.id).await?,
        };
        if head - self.cursor.get(feed.id).unwrap_or(0) > self.max_replay {
            let head = store::history::last_seq(&self.db, feed.id).await?;
            self.cursor.set(feed.id, head);
            return self.reset(feed, "client fell too far behind").await;
        }
        loop {
            let pos = self.cursor.get(feed.id).unwrap_or(0);
            if pos >= head {
                return Ok(());
            }
            let limit = (head - pos).min(REPLAY_PAGE);
            let permit = self.replay_permit().await?;
            let page = replay_page(&self.db, feed, pos, limit).await?;
            drop(permit);
            if page.is_empty() {
                return Ok(()); // `head` was read before a feed deletion or similar
            }
            metrics::counter!("feedboard_sse_replayed_total").increment(page.len() as u64);
            for message in &page {
                self.emit(feed, message).await?;
            }
        }
    }

    /// Waits for a turn to read a replay page, still beating meanwhile
    /// (without waiting on the client: a turn granted now must not be held
    /// up by a slow reader).
    async fn replay_permit(&mut self) -> Result<super::replays::ReplayPermit, PumpError> {
        let replays = self.limits.replays.clone();
        let acquire = replays.acquire();
        tokio::pin!(acquire);
        loop {
            tokio::select! {
                permit = &mut acquire => return Ok(permit),
                _ = self.heartbeat.tick() => {
                    for out in Outgoing::heartbeat() {
                        if let Err(mpsc::error::TrySendError::Closed(_)) = self.tx.try_send(out) {
                            return Err(PumpError::Closed);
                        }
                    }
                }
            }
        }
    }

    /// The `: keep-alive` comment and the `heartbeat` event.
    async fn beat(&self) -> Result<(), PumpError> {
        for out in Outgoing::heartbeat() {
            self.write(out).await?;
        }
        Ok(())
    }

    async fn reset(&mut self, feed: &StreamFeed, reason: &str) -> Result<(), PumpError> {
        metrics::counter!("feedboard_sse_resets_total").increment(1);
        self.send(LiveEvent::Reset, true, json!({"feed": feed.name, "reason": reason}).to_string()).await
    }

    /// Sends `event`, with the cursor as its `id:` if `with_id`.
    async fn send(&self, event: LiveEvent, with_id: bool, data: String) -> Result<(), PumpError> {
        let id = with_id.then(|| self.cursor.to_string());
        self.write(Outgoing { event: event.as_str(), id, data }).await
    }

    /// Hands `out` to the client, waiting at most the send timeout.
    async fn write(&self, out: Outgoing) -> Result<(), PumpError> {
        match tokio::time::timeout(self.limits.send_timeout, self.tx.send(out)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(PumpError::Closed),
            Err(_) => Err(PumpError::Stalled),
        }
    }
}

/// Stored messages of `feed` after `after_seq`, oldest first, as live events.
async fn replay_page(
    db: &PgPool,
    feed: &StreamFeed,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<LiveMessage>, StoreError> {
    Ok(match feed.kind {
        FeedKind::Ticks => {
            let q = TickQuery { after_seq: Some(after_seq), limit, ..TickQuery::default() };
            store::history::ticks(db, feed.id, &q)
                .await?
                .iter()
                .map(|t| LiveMessage::tick(feed.id, &feed.name, t, None))
                .collect()
        }
        FeedKind::Logs => {
            let q = LogQuery { after_seq: Some(after_seq), limit, ..LogQuery::default() };
            store::history::logs(db, feed.id, &q)
                .await?
                .iter()
                .map(|l| LiveMessage::log(feed.id, &feed.name, l, None))
                .collect()
        }
    })
}
