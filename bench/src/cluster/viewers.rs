//! The SSE viewers of the failover run. Each follows both feeds from their
//! first message, on one node directly (or through the load balancer); when
//! its stream ends (its node was killed or stopped) it resumes with
//! `Last-Event-ID` on the next node that answers (or the balancer again).
//! Per feed it must see every `seq` exactly once, in order. It records each
//! message's publish → receive latency, placed near/far by the timeline.

use super::{
    feeds::ProofFeeds,
    timeline::{Placement, Timeline},
};
use feedboard_bench::{
    sse,
    stats::{Samples, micros},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{mpsc, watch};

/// How long a viewer keeps trying to reconnect before it gives up.
const RECONNECT_LIMIT: Duration = Duration::from_secs(60);
/// How long a viewer may still take to reach the end once it is known.
const FINISH_LIMIT: Duration = Duration::from_secs(60);
/// Longest wait for one connection attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a viewer connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Directly to the node of this index.
    Node(usize),
    /// Through the load balancer (its node is unknown).
    Balancer,
}

/// What every viewer shares.
#[derive(Clone)]
pub struct Stage {
    pub http: reqwest::Client,
    /// Base URL of each node, by index.
    pub nodes: Arc<Vec<String>>,
    pub balancer: String,
    /// The stream's `feeds=` parameter.
    pub feeds: String,
    pub timeline: Arc<Timeline>,
    /// The last `seq` of each feed once publishing is over and every
    /// message is stored: a viewer is done when it has both.
    pub ends: watch::Receiver<Option<[u64; 2]>>,
}

/// Latencies (µs) by where the message was ingested.
#[derive(Default)]
pub struct Latencies {
    /// Ingested by the viewer's own node.
    pub near: Samples,
    /// Ingested by another node, relayed by the viewer's.
    pub far: Samples,
    /// Sent while a takeover was under way.
    pub unsettled: Samples,
    /// Received through the load balancer.
    pub balanced: Samples,
}

impl Latencies {
    /// Adds another viewer's latencies.
    pub fn merge(&mut self, other: Latencies) {
        self.near.merge(other.near);
        self.far.merge(other.far);
        self.unsettled.merge(other.unsettled);
        self.balanced.merge(other.balanced);
    }
}

/// What one viewer saw.
pub struct Seen {
    pub entry: Entry,
    /// The highest `seq` received per feed.
    pub last: [u64; 2],
    /// `seq`s skipped (counting from 1) and received again, over both feeds.
    pub gaps: u64,
    pub duplicates: u64,
    /// `reset` events (the server gave up resuming).
    pub resets: u64,
    pub reconnects: u64,
    /// Whether it reached the end of both feeds.
    pub complete: bool,
    /// Why it stopped early, if it did.
    pub error: Option<String>,
    pub latencies: Latencies,
}

impl Seen {
    /// Every message of both feeds exactly once, in order.
    pub fn exact(&self) -> bool {
        self.complete && self.gaps == 0 && self.duplicates == 0 && self.resets == 0 && self.error.is_none()
    }

    fn take(&mut self, event: &sse::Event, at: Entry, timeline: &Timeline) {
        if event.name == "reset" {
            self.resets += 1;
            return;
        }
        let Some(feed) = ProofFeeds::by_event(&event.name) else { return };
        let Some(seq) = event.number("seq").map(|s| s as u64) else {
            self.error = Some(format!("a live event without seq: {}", event.data));
            return;
        };
        let last = self.last[feed];
        if seq <= last {
            self.duplicates += 1;
            return;
        }
        self.gaps += seq - last - 1;
        self.last[feed] = seq;
        let Some(sent) = ProofFeeds::KINDS[feed].sent_micros(event) else { return };
        let latency = micros().saturating_sub(sent);
        let samples = match at {
            Entry::Balancer => &mut self.latencies.balanced,
            Entry::Node(node) => match timeline.place(sent, feed, node) {
                Placement::Near => &mut self.latencies.near,
                Placement::Far => &mut self.latencies.far,
                Placement::Unsettled => &mut self.latencies.unsettled,
            },
        };
        samples.push(latency);
    }

    fn reached(&self, ends: &[u64; 2]) -> bool {
        self.last.iter().zip(ends).all(|(last, end)| last >= end)
    }
}

/// Runs one viewer until it has every message or gives up; `ready` hears
/// once its first stream is open.
pub async fn run(stage: Stage, entry: Entry, ready: mpsc::Sender<()>) -> Seen {
    let mut seen = Seen {
        entry,
        last: [0, 0],
        gaps: 0,
        duplicates: 0,
        resets: 0,
        reconnects: 0,
        complete: false,
        error: None,
        latencies: Latencies::default(),
    };
    let (mut at, mut last_id, mut ready) = (entry, None::<String>, Some(ready));
    let mut ends_known: Option<Instant> = None;
    loop {
        let Some((mut stream, now_at)) = connect(&stage, at, last_id.as_deref()).await else {
            seen.error = Some(format!("no node accepted the stream for {RECONNECT_LIMIT:?}"));
            return seen;
        };
        at = now_at;
        loop {
            match stream.next(Duration::from_millis(500)).await {
                Ok(Some(event)) => {
                    if event.id.is_some() {
                        last_id.clone_from(&event.id);
                    }
                    if event.name == "ready"
                        && let Some(ready) = ready.take()
                    {
                        let _ = ready.send(()).await;
                    }
                    seen.take(&event, at, &stage.timeline);
                }
                Ok(None) if !stream.ended() => {}
                Ok(None) | Err(_) => break,
            }
            if let Some(ends) = *stage.ends.borrow() {
                if seen.reached(&ends) {
                    seen.complete = true;
                    return seen;
                }
                if ends_known.get_or_insert_with(Instant::now).elapsed() > FINISH_LIMIT {
                    seen.error = Some(format!("stuck at {:?} of {ends:?}", seen.last));
                    return seen;
                }
            }
        }
        seen.reconnects += 1;
        at = match at {
            Entry::Node(node) => Entry::Node((node + 1) % stage.nodes.len()),
            Entry::Balancer => Entry::Balancer,
        };
    }
}

/// Opens the stream at `at`, resuming after `last_id`; a direct viewer tries
/// the nodes in turn from `at` on. `None` after [`RECONNECT_LIMIT`].
async fn connect(stage: &Stage, at: Entry, last_id: Option<&str>) -> Option<(sse::Sse, Entry)> {
    let started = Instant::now();
    let mut attempt = 0;
    while started.elapsed() < RECONNECT_LIMIT {
        let (base, entry) = match at {
            Entry::Balancer => (&stage.balancer, Entry::Balancer),
            Entry::Node(first) => {
                let node = (first + attempt) % stage.nodes.len();
                (&stage.nodes[node], Entry::Node(node))
            }
        };
        attempt += 1;
        let opened = tokio::time::timeout(CONNECT_TIMEOUT, sse::connect(&stage.http, base, &stage.feeds, last_id));
        if let Ok(Ok(stream)) = opened.await {
            return Some((stream, entry));
        }
        if matches!(at, Entry::Balancer) || attempt % stage.nodes.len() == 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    None
}
