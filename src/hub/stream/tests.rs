//! The pump against a real hub and a replay kept in memory: order, gaps,
//! duplicates, resets, lag, backpressure and heartbeats, in virtual time.

use super::*;
use crate::{hub::LiveMessage, model::Tick, store::StoreError};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

const FEED: i64 = 7;

/// Ticks "committed" per feed: seq 1..=n; and the highest `seq` pruned.
#[derive(Clone, Default)]
struct Stored(Arc<Mutex<HashMap<i64, i64>>>, Arc<std::sync::atomic::AtomicI64>);

impl Stored {
    /// Stores up to `seq` without telling the hub (as if the notice was lost).
    fn store_until(&self, seq: i64) {
        self.0.lock().unwrap().insert(FEED, seq);
    }

    /// Stores up to `seq`, then publishes the new ones, as the writer does.
    fn commit_until(&self, hub: &Hub, seq: i64) {
        let from = self.head() + 1;
        self.store_until(seq);
        hub.publish(FEED, (from..=seq).map(|s| tick(s, Some(std::time::Instant::now()))));
    }

    /// Retention removed everything up to `seq`.
    fn prune_until(&self, seq: i64) {
        self.1.store(seq, std::sync::atomic::Ordering::Relaxed);
    }

    fn head(&self) -> i64 {
        self.0.lock().unwrap().get(&FEED).copied().unwrap_or(0)
    }
}

impl Replay for Stored {
    async fn head(&self, _: &StreamFeed) -> Result<i64, StoreError> {
        Ok(self.head())
    }

    async fn pruned(&self, _: &StreamFeed) -> Result<i64, StoreError> {
        Ok(self.1.load(std::sync::atomic::Ordering::Relaxed))
    }

    async fn page(&self, _: &StreamFeed, after_seq: i64, limit: i64) -> Result<Vec<LiveMessage>, StoreError> {
        let first = self.1.load(std::sync::atomic::Ordering::Relaxed) + 1;
        Ok((first.max(after_seq + 1)..=self.head()).take(limit as usize).map(|s| tick(s, None)).collect())
    }

    async fn window_page(
        &self,
        feed: &StreamFeed,
        _: &super::Window,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<LiveMessage>, StoreError> {
        self.page(feed, after_seq, limit).await
    }

    async fn window_firings(
        &self,
        _: &[StreamFeed],
        _: &super::Window,
        _: i64,
    ) -> Result<Vec<crate::model::Firing>, StoreError> {
        Ok(Vec::new())
    }
}

fn tick(seq: i64, committed_at: Option<std::time::Instant>) -> LiveMessage {
    let tick = Tick { seq, symbol: "ACME".into(), price: 1.0, size: 1.0, ts: chrono::Utc::now() };
    LiveMessage::tick(FEED, "ticks", &tick, committed_at)
}

fn feed() -> StreamFeed {
    StreamFeed { id: FEED, name: "ticks".into(), kind: FeedKind::Ticks }
}

fn start(hub: &Hub, stored: &Stored, resume: Resume, max_replay: i64) -> mpsc::Receiver<Outgoing> {
    let request = StreamRequest { feeds: vec![feed()], resume, initial_status: Vec::new(), max_replay };
    let limits = PumpLimits { replays: ReplayLimiter::new(2), send_timeout: Duration::from_secs(30) };
    spawn(hub.clone(), stored.clone(), request, limits, CancellationToken::new())
}

/// The next event that is not a heartbeat or a comment.
async fn next(rx: &mut mpsc::Receiver<Outgoing>) -> Outgoing {
    loop {
        let out = rx.recv().await.expect("the stream is open");
        if !out.event.is_empty() && out.event != "heartbeat" {
            return out;
        }
    }
}

/// The `seq`s of the next `n` events, which must be ticks carrying their cursor.
async fn seqs(rx: &mut mpsc::Receiver<Outgoing>, n: usize) -> Vec<i64> {
    let mut seen = Vec::new();
    while seen.len() < n {
        let out = next(rx).await;
        assert_eq!(out.event, "tick", "{out:?}");
        let data: serde_json::Value = serde_json::from_str(&out.data).unwrap();
        let seq = data["seq"].as_i64().unwrap();
        assert_eq!(out.id.as_deref(), Some(format!("{FEED}:{seq}").as_str()), "the id is the cursor after it");
        seen.push(seq);
    }
    seen
}

/// The `ready` event's data.
async fn ready(rx: &mut mpsc::Receiver<Outgoing>) -> serde_json::Value {
    let out = next(rx).await;
    assert_eq!(out.event, "ready", "{out:?}");
    serde_json::from_str(&out.data).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_new_stream_starts_at_the_head_and_follows_the_hub_in_order() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    stored.store_until(3);
    let mut rx = start(&hub, &stored, Resume::Fresh, 100);
    let ready = ready(&mut rx).await;
    assert_eq!((ready["feeds"][0]["seq"].as_i64(), ready["resumed"].as_bool()), (Some(3), Some(false)));
    stored.commit_until(&hub, 6);
    assert_eq!(seqs(&mut rx, 3).await, [4, 5, 6]);
}

#[tokio::test(start_paused = true)]
async fn a_resumed_stream_replays_what_it_missed_then_goes_live() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    stored.store_until(10);
    let mut rx = start(&hub, &stored, Resume::From(Cursor::parse(&format!("{FEED}:4")).unwrap()), 100);
    assert_eq!(ready(&mut rx).await["resumed"], true);
    assert_eq!(seqs(&mut rx, 6).await, [5, 6, 7, 8, 9, 10]);
    stored.commit_until(&hub, 11);
    assert_eq!(seqs(&mut rx, 1).await, [11]);
}

#[tokio::test(start_paused = true)]
async fn a_jump_in_the_live_sequence_is_filled_from_the_store() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    stored.store_until(2);
    let mut rx = start(&hub, &stored, Resume::Fresh, 100);
    ready(&mut rx).await;
    stored.store_until(4); // committed, but the hub never heard of 3 and 4
    stored.commit_until(&hub, 5);
    assert_eq!(seqs(&mut rx, 3).await, [3, 4, 5]);
}

#[tokio::test(start_paused = true)]
async fn live_messages_already_replayed_are_not_sent_twice() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    stored.store_until(5);
    let mut rx = start(&hub, &stored, Resume::From(Cursor::parse(&format!("{FEED}:0")).unwrap()), 100);
    ready(&mut rx).await;
    // 4 and 5 arrive live after the replay already sent them.
    hub.publish(FEED, [tick(4, None), tick(5, None)]);
    stored.commit_until(&hub, 6);
    assert_eq!(seqs(&mut rx, 6).await, [1, 2, 3, 4, 5, 6]);
}

#[tokio::test(start_paused = true)]
async fn a_cursor_too_old_ahead_or_unreadable_resets_the_feed_at_the_head() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    stored.store_until(20);
    let cases = [
        (Resume::From(Cursor::parse(&format!("{FEED}:2")).unwrap()), "cursor too old"),
        (Resume::From(Cursor::parse(&format!("{FEED}:30")).unwrap()), "cursor is ahead of this feed's data"),
        (Resume::Unreadable, "unreadable cursor"),
    ];
    for (resume, reason) in cases {
        let mut rx = start(&hub, &stored, resume, 5);
        let reset = next(&mut rx).await;
        assert_eq!(reset.event, "reset");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&reset.data).unwrap()["reason"], reason);
        assert_eq!(ready(&mut rx).await["feeds"][0]["seq"], 20, "{reason}: starts again at the head");
    }
}

#[tokio::test(start_paused = true)]
async fn a_cursor_below_what_retention_kept_resets_and_one_at_the_edge_resumes() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    stored.store_until(20);
    stored.prune_until(10);
    let mut rx = start(&hub, &stored, Resume::From(Cursor::parse(&format!("{FEED}:9")).unwrap()), 1000);
    let reset = next(&mut rx).await;
    assert_eq!(reset.event, "reset");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&reset.data).unwrap()["reason"],
        "cursor older than retention"
    );
    assert_eq!(ready(&mut rx).await["feeds"][0]["seq"], 20);
    let mut rx = start(&hub, &stored, Resume::From(Cursor::parse(&format!("{FEED}:10")).unwrap()), 1000);
    ready(&mut rx).await;
    assert_eq!(seqs(&mut rx, 10).await, (11..=20).collect::<Vec<_>>(), "nothing after 10 was pruned");
}

#[tokio::test(start_paused = true)]
async fn a_receiver_that_lags_behind_the_hub_catches_up_from_the_store() {
    // A ring of 8 and a client that reads nothing while 2,000 commit: the
    // pump waits on the client, its hub receiver lags, and the replay fills in.
    let (hub, stored) = (Hub::new(8), Stored::default());
    let mut rx = start(&hub, &stored, Resume::Fresh, 10_000);
    ready(&mut rx).await;
    for seq in 1..=2000 {
        stored.commit_until(&hub, seq);
        if seq % 100 == 0 {
            tokio::task::yield_now().await;
        }
    }
    assert_eq!(seqs(&mut rx, 2000).await, (1..=2000).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn a_client_that_falls_too_far_behind_gets_a_reset_then_the_rest() {
    let (hub, stored) = (Hub::new(4), Stored::default());
    let mut rx = start(&hub, &stored, Resume::Fresh, 50);
    ready(&mut rx).await;
    // More than the client buffer and the ring together, so the pump lags
    // by more than `max_replay` and gives the feed up rather than replaying.
    for seq in 1..=1000 {
        stored.commit_until(&hub, seq);
        tokio::task::yield_now().await;
    }
    let mut last = 0;
    let reset = loop {
        let out = next(&mut rx).await;
        if out.event == "reset" {
            break out;
        }
        let seq = serde_json::from_str::<serde_json::Value>(&out.data).unwrap()["seq"].as_i64().unwrap();
        assert_eq!(seq, last + 1, "in order until the reset");
        last = seq;
    };
    assert_eq!(serde_json::from_str::<serde_json::Value>(&reset.data).unwrap()["reason"], "client fell too far behind");
    stored.commit_until(&hub, 1001);
    assert_eq!(seqs(&mut rx, 1).await, [1001], "after the reset it follows from the head");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_reads_nothing_for_the_send_timeout_is_dropped() {
    let (hub, stored) = (Hub::new(4096), Stored::default());
    let request =
        StreamRequest { feeds: vec![feed()], resume: Resume::Fresh, initial_status: Vec::new(), max_replay: 10 };
    let limits = PumpLimits { replays: ReplayLimiter::new(1), send_timeout: Duration::from_millis(50) };
    let mut rx = spawn(hub.clone(), stored.clone(), request, limits, CancellationToken::new());
    ready(&mut rx).await;
    stored.commit_until(&hub, (CLIENT_BUFFER + 10) as i64);
    // Virtual time runs on while nobody reads: the pump gives up after 50 ms.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut buffered = 0;
    while rx.recv().await.is_some() {
        buffered += 1;
    }
    assert!(buffered <= CLIENT_BUFFER, "the stream ended with what it had buffered ({buffered})");
}

#[tokio::test(start_paused = true)]
async fn a_quiet_stream_beats_every_heartbeat_interval() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    let mut rx = start(&hub, &stored, Resume::Fresh, 100);
    ready(&mut rx).await;
    let started = tokio::time::Instant::now();
    let comment = rx.recv().await.unwrap();
    assert_eq!((comment.event, comment.data.as_str()), ("", "keep-alive"));
    assert_eq!(rx.recv().await.unwrap().event, "heartbeat");
    assert!(started.elapsed() >= HEARTBEAT, "after {:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn shutdown_ends_the_stream() {
    let (hub, stored) = (Hub::new(64), Stored::default());
    let shutdown = CancellationToken::new();
    let request =
        StreamRequest { feeds: vec![feed()], resume: Resume::Fresh, initial_status: Vec::new(), max_replay: 10 };
    let limits = PumpLimits { replays: ReplayLimiter::new(1), send_timeout: Duration::from_secs(30) };
    let mut rx = spawn(hub, stored, request, limits, shutdown.clone());
    ready(&mut rx).await;
    shutdown.cancel();
    while let Some(out) = rx.recv().await {
        assert!(out.event.is_empty() || out.event == "heartbeat", "nothing but beats: {out:?}");
    }
}
