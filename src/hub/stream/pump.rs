//! The pump of one stream: start positions, replay, then the hub, one
//! `seq` after the other per feed.

use super::{Outgoing, PumpLimits, REPLAY_PAGE, Replay, Resume, StreamFeed, StreamRequest, sink::Sink};
use crate::{
    hub::{Hub, LiveMessage, cursor::Cursor},
    model::LiveEvent,
    store::StoreError,
};
use serde_json::json;
use std::sync::Arc;
use tokio::{sync::mpsc, time::Interval};
use tokio_stream::{
    StreamExt, StreamMap,
    wrappers::{BroadcastStream, errors::BroadcastStreamRecvError},
};

/// Why a pump stopped.
#[derive(Debug)]
pub(super) enum PumpError {
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

/// One stream's state: what it delivered, where it reads and writes.
pub(super) struct Pump<R> {
    pub(super) replay: R,
    pub(super) sink: Sink,
    /// Last `seq` delivered per feed.
    pub(super) cursor: Cursor,
    pub(super) max_replay: i64,
    pub(super) limits: PumpLimits,
    pub(super) heartbeat: Interval,
}

impl<R: Replay> Pump<R> {
    pub(super) async fn run(&mut self, hub: Hub, request: StreamRequest) -> Result<(), PumpError> {
        // Subscribe before reading positions: nothing committed after the
        // read can be missed, and anything before it is in Postgres.
        let mut live = StreamMap::new();
        for (i, feed) in request.feeds.iter().enumerate() {
            live.insert(i, BroadcastStream::new(hub.subscribe(feed.id)));
        }
        let mut notices = BroadcastStream::new(hub.subscribe_notices());
        let resumed = matches!(request.resume, Resume::From(_));
        for feed in &request.feeds {
            let head = self.replay.head(feed).await?;
            let start = match &request.resume {
                Resume::Fresh => Ok(head),
                Resume::Unreadable => Err("unreadable cursor"),
                Resume::From(cursor) => match cursor.get(feed.id) {
                    None => Ok(head),
                    Some(seq) if seq > head => Err("cursor is ahead of this feed's data"),
                    Some(seq) if seq < self.replay.pruned(feed).await? => Err("cursor older than retention"),
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
                _ = self.sink.closed() => return Err(PumpError::Closed),
                _ = self.heartbeat.tick() => self.sink.beat().await?,
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
                Some(notice) = notices.next() => {
                    if let Ok(notice) = notice
                        && request.feeds.iter().any(|f| f.id == notice.feed_id)
                    {
                        self.send(notice.event, false, notice.data.clone()).await?;
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
            None => self.replay.head(feed).await?,
        };
        if head - self.cursor.get(feed.id).unwrap_or(0) > self.max_replay {
            let head = self.replay.head(feed).await?;
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
            let page = self.replay.page(feed, pos, limit).await?;
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
    async fn replay_permit(&mut self) -> Result<crate::hub::replays::ReplayPermit, PumpError> {
        let replays = self.limits.replays.clone();
        let acquire = replays.acquire();
        tokio::pin!(acquire);
        loop {
            tokio::select! {
                permit = &mut acquire => return Ok(permit),
                _ = self.heartbeat.tick() => {
                    for out in Outgoing::heartbeat() {
                        if let Err(mpsc::error::TrySendError::Closed(_)) = self.sink.tx.try_send(out) {
                            return Err(PumpError::Closed);
                        }
                    }
                }
            }
        }
    }

    async fn reset(&mut self, feed: &StreamFeed, reason: &str) -> Result<(), PumpError> {
        metrics::counter!("feedboard_sse_resets_total").increment(1);
        self.send(LiveEvent::Reset, true, json!({"feed": feed.name, "reason": reason}).to_string()).await
    }

    /// Sends `event`, with the cursor as its `id:` if `with_id`.
    async fn send(&self, event: LiveEvent, with_id: bool, data: String) -> Result<(), PumpError> {
        self.sink.send(event, with_id.then(|| self.cursor.to_string()), data).await
    }
}
