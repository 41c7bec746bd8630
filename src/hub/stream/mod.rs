//! One live stream (one SSE connection): replays what the client missed from
//! Postgres, then follows the hub, never emitting a `seq` other than the next
//! one per feed. A jump (or a lagged receiver) is filled from Postgres, so a
//! stream has no gap and no duplicate, whatever the timing. A client too far
//! behind gets a `reset` for that feed instead. Replay pages take turns
//! process-wide ([`ReplayLimiter`]); a client that reads nothing for the
//! send timeout is dropped (it resumes when it reads again).

mod pump;
mod replay;
mod sink;
#[cfg(test)]
mod tests;
mod time_travel;

pub use replay::Replay;
pub use time_travel::{ReplayRequest, Window, spawn_replay};

use super::{Hub, cursor::Cursor, replays::ReplayLimiter};
use crate::model::{FeedKind, LiveEvent};
use pump::{Pump, PumpError};
use sink::Sink;
use std::time::Duration;
use tokio::{sync::mpsc, time::MissedTickBehavior};
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
        let data = serde_json::json!({"ts": now}).to_string();
        [Outgoing::comment("keep-alive"), Outgoing { event: LiveEvent::Heartbeat.as_str(), id: None, data }]
    }
}

/// Where a client asks to start.
#[derive(Clone, Debug)]
pub enum Resume {
    /// A new stream: from each feed's newest `seq`.
    Fresh,
    /// After these positions (the `Last-Event-ID` cursor).
    From(Cursor),
    /// A `Last-Event-ID` that could not be read: every feed is reset.
    Unreadable,
}

/// What the client asked for.
pub struct StreamRequest {
    pub feeds: Vec<StreamFeed>,
    /// Where the client left off.
    pub resume: Resume,
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
pub fn spawn<R: Replay>(
    hub: Hub,
    replay: R,
    request: StreamRequest,
    limits: PumpLimits,
    shutdown: CancellationToken,
) -> mpsc::Receiver<Outgoing> {
    let send_timeout = limits.send_timeout;
    spawn_stream(metrics::gauge!("feedboard_sse_clients"), send_timeout, shutdown, |sink| async move {
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut pump =
            Pump { replay, sink, cursor: Cursor::default(), max_replay: request.max_replay, limits, heartbeat };
        pump.run(hub, request).await
    })
}

/// Runs one stream in a task of its own: `body` writes to the client
/// through its sink until it is done, the client goes away or stops
/// reading, or `shutdown` fires; `open` counts the streams running.
fn spawn_stream<F>(
    open: metrics::Gauge,
    send_timeout: Duration,
    shutdown: CancellationToken,
    body: impl FnOnce(Sink) -> F + Send + 'static,
) -> mpsc::Receiver<Outgoing>
where
    F: Future<Output = Result<(), PumpError>> + Send,
{
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    tokio::spawn(async move {
        open.increment(1.0);
        let result = tokio::select! {
            r = body(Sink { tx, send_timeout }) => r,
            _ = shutdown.cancelled() => Ok(()),
        };
        report(result);
        open.decrement(1.0);
    });
    rx
}

/// Logs why a stream ended, when that is worth knowing.
fn report(result: Result<(), PumpError>) {
    match result {
        Err(PumpError::Store(e)) => tracing::warn!(error = %e, "live stream ended: database error"),
        Err(PumpError::Stalled) => {
            metrics::counter!("feedboard_sse_stalled_total").increment(1);
            tracing::debug!("live stream ended: the client read nothing for the send timeout");
        }
        Ok(()) | Err(PumpError::Closed) => {}
    }
}
