//! A lean SSE client for `/api/v1/stream`: splits the byte stream into
//! events without parsing their JSON, so one process can hold thousands.

use crate::{Result, context};
use bytes::{Buf, BytesMut};
use futures::{Stream, StreamExt};
use std::{pin::Pin, time::Duration};

/// One event: its name, its `id:` cursor, its raw `data:` text.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub name: String,
    pub id: Option<String>,
    pub data: String,
}

impl Event {
    /// The data as JSON (a string value when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or_else(|_| serde_json::Value::String(self.data.clone()))
    }

    /// The number after `"field":` in the data, without parsing the JSON.
    pub fn number(&self, field: &str) -> Option<f64> {
        let key = format!("\"{field}\":");
        let start = self.data.find(&key)? + key.len();
        let rest = &self.data[start..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        rest[..end].trim().parse().ok()
    }
}

/// An open stream.
pub struct Sse {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: BytesMut,
    ended: bool,
}

/// Opens the stream of `feeds` on `base`, resuming after `last_id` if given.
pub async fn connect(http: &reqwest::Client, base: &str, feeds: &str, last_id: Option<&str>) -> Result<Sse> {
    let mut req = http.get(format!("{base}/api/v1/stream?feeds={feeds}"));
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    open(req).await
}

/// Opens the stream `req` asks for (e.g. a replay's query).
pub async fn open(req: reqwest::RequestBuilder) -> Result<Sse> {
    let res = req.send().await.map_err(context("SSE connect"))?;
    if res.status() != 200 {
        return Err(format!("SSE stream answered {}", res.status()));
    }
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with("text/event-stream") {
        return Err(format!("SSE stream answered with content-type {content_type:?}"));
    }
    Ok(Sse { body: Box::pin(res.bytes_stream()), buffer: BytesMut::with_capacity(16 * 1024), ended: false })
}

impl Sse {
    /// The next event (comments and keep-alives skipped); `Ok(None)` when the
    /// stream ended or nothing came for `wait`.
    pub async fn next(&mut self, wait: Duration) -> Result<Option<Event>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block = self.buffer.split_to(end + 2);
                if let Some(event) = parse(&block) {
                    return Ok(Some(event));
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.extend_from_slice(chunk.chunk()),
                Ok(Some(Err(e))) => {
                    self.ended = true;
                    return Err(format!("SSE stream broke: {e}"));
                }
                Ok(None) => {
                    self.ended = true;
                    return Ok(None);
                }
                Err(_) => return Ok(None),
            }
        }
    }

    /// Whether the server ended the stream or the connection broke (as
    /// opposed to [`Sse::next`] only waiting in vain).
    pub fn ended(&self) -> bool {
        self.ended
    }
}

fn parse(block: &[u8]) -> Option<Event> {
    let text = std::str::from_utf8(block).ok()?;
    let mut event = Event { name: "message".into(), ..Event::default() };
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            event.name = v.trim().to_owned();
        } else if let Some(v) = line.strip_prefix("id:") {
            event.id = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("data:") {
            if !event.data.is_empty() {
                event.data.push('\n');
            }
            event.data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    (!event.data.is_empty()).then_some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_event_and_reads_a_number() {
        let event = parse(b"id: abc\nevent: tick\ndata: {\"feed\":\"f\",\"seq\":42,\"size\":1.5}\n\n").unwrap();
        assert_eq!((event.name.as_str(), event.id.as_deref()), ("tick", Some("abc")));
        assert_eq!(event.number("seq"), Some(42.0));
        assert_eq!(event.number("size"), Some(1.5));
        assert_eq!(event.number("price"), None);
        assert!(parse(b": keep-alive\n\n").is_none());
    }
}
