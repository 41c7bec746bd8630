//! The test kit's SSE client (`feedboard_testkit::sse`) with the data
//! parsed as JSON and failures as panics, as tests want them.

use feedboard_testkit::sse::{self, Sse};
use serde_json::Value;
use std::time::Duration;

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: Value,
}

/// An open stream.
pub struct SseStream(Sse);

/// Opens `/api/v1/stream?feeds=…`, resuming after `last_id` if given.
pub async fn connect(base: &str, feeds: &[&str], last_id: Option<&str>) -> SseStream {
    let stream = sse::connect(&reqwest::Client::new(), base, &feeds.join(","), last_id).await.expect("stream request");
    SseStream(stream)
}

/// Opens a replay of `feeds` over `from..to` at `speed`.
pub async fn replay(base: &str, feeds: &[&str], from: &str, to: &str, speed: u32) -> SseStream {
    let query = [("feeds", feeds.join(",")), ("replay_from", from.into()), ("replay_to", to.into())];
    let req = reqwest::Client::new().get(format!("{base}/api/v1/stream")).query(&query).query(&[("speed", speed)]);
    SseStream(sse::open(req).await.expect("replay request"))
}

impl SseStream {
    /// The next event (comments skipped), or `None` after `wait` without one
    /// or when the stream ended.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let event = self.0.next(wait).await.unwrap_or_else(|e| panic!("{e}"))?;
        Some(SseEvent { data: event.json(), event: event.name, id: event.id })
    }

    /// The next event that is not `status`.
    pub async fn next_data(&mut self, wait: Duration) -> Option<SseEvent> {
        loop {
            let e = self.next(wait).await?;
            if e.event != "status" {
                return Some(e);
            }
        }
    }
}
