//! A small SSE client for tests: reads events off `/api/v1/stream`.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde_json::Value;
use std::{pin::Pin, time::Duration};

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: Value,
}

/// An open stream.
pub struct SseStream {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    buffer: String,
}

/// Opens `/api/v1/stream?feeds=…`, resuming after `last_id` if given.
pub async fn connect(base: &str, feeds: &[&str], last_id: Option<&str>) -> SseStream {
    let client = reqwest::Client::new();
    let mut req = client.get(format!("{base}/api/v1/stream?feeds={}", feeds.join(",")));
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    let res = req.send().await.expect("stream request");
    assert_eq!(res.status(), 200, "stream status");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    SseStream { body: Box::pin(res.bytes_stream()), buffer: String::new() }
}

impl SseStream {
    /// The next event (comments skipped), or `None` after `wait` without one.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&block) {
                    return Some(event);
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Some(Err(e))) => panic!("stream broke: {e}"),
                Ok(None) | Err(_) => return None,
            }
        }
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

fn parse(block: &str) -> Option<SseEvent> {
    let (mut event, mut id, mut data) = (String::from("message"), None, String::new());
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            event = v.trim().to_owned();
        } else if let Some(v) = line.strip_prefix("id:") {
            id = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    if data.is_empty() {
        return None;
    }
    Some(SseEvent { event, id, data: serde_json::from_str(&data).unwrap_or(Value::String(data)) })
}
