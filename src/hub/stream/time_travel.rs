//! Time travel: a stream of a past window (`replay_from`, `replay_to`,
//! `speed`). The same `tick` and `log` events as live, read page by page
//! per feed in `seq` order, merged across feeds by `ts`, and paced so that
//! `ts` runs `speed` times as fast as the wall clock; then `end`. At most one
//! page per feed is held, whatever the window's size, and a page is read
//! only when the previous one has been sent, so database work follows the
//! pace. Events carry no `id:`: a replay is not a position to resume live from.

use super::{
    HEARTBEAT, Outgoing, PumpLimits, REPLAY_PAGE, Replay, StreamFeed, pump::PumpError, sink::Sink, spawn_stream,
};
use crate::{
    hub::LiveMessage,
    model::{Firing, LiveEvent, time},
};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::{collections::VecDeque, time::Duration};
use tokio::{sync::mpsc, time::Instant};
use tokio_util::sync::CancellationToken;

/// Most alert firings one replay plays (they are few; all are read at the
/// start).
const MAX_FIRINGS: i64 = 10_000;

/// The part of history a replay covers: `from <= ts < to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What a replay client asked for.
pub struct ReplayRequest {
    pub feeds: Vec<StreamFeed>,
    pub window: Window,
    /// How many times as fast as it happened (1 to 100).
    pub speed: f64,
}

/// Starts a replay; events arrive on the returned channel until `end`, the
/// client goes away, stops reading for the send timeout, or `shutdown`.
pub fn spawn_replay<R: Replay>(
    replay: R,
    request: ReplayRequest,
    limits: PumpLimits,
    shutdown: CancellationToken,
) -> mpsc::Receiver<Outgoing> {
    let send_timeout = limits.send_timeout;
    spawn_stream(metrics::gauge!("feedboard_sse_replays"), send_timeout, shutdown, |sink| async move {
        Player { replay, sink, limits }.run(request).await
    })
}

/// One feed's place in the replay: its current page and where the next starts.
struct Track {
    feed: StreamFeed,
    page: VecDeque<LiveMessage>,
    after_seq: i64,
    exhausted: bool,
}

struct Player<R> {
    replay: R,
    sink: Sink,
    limits: PumpLimits,
}

impl<R: Replay> Player<R> {
    async fn run(&mut self, request: ReplayRequest) -> Result<(), PumpError> {
        let ReplayRequest { feeds, window, speed } = request;
        let ready = json!({
            "feeds": feeds.iter().map(|f| json!({"feed": f.name, "kind": f.kind})).collect::<Vec<_>>(),
            "resumed": false,
            "replay": {"from": time::format(&window.from), "to": time::format(&window.to), "speed": speed},
        });
        self.sink.send(LiveEvent::Ready, None, ready.to_string()).await?;
        let mut firings: VecDeque<Firing> = self.replay.window_firings(&feeds, &window, MAX_FIRINGS).await?.into();
        let mut tracks: Vec<Track> = feeds
            .into_iter()
            .map(|feed| Track { feed, page: VecDeque::new(), after_seq: 0, exhausted: false })
            .collect();
        let started = Instant::now();
        let mut beat = Instant::now() + HEARTBEAT;
        loop {
            for track in tracks.iter_mut().filter(|t| t.page.is_empty() && !t.exhausted) {
                self.refill(track, &window).await?;
            }
            // The earliest of all feeds' heads (ties: feed order), or the
            // next firing when it is no later.
            let head = tracks.iter().enumerate().filter_map(|(i, t)| t.page.front().map(|m| (m.ts, i))).min();
            let firing_next = firings.front().is_some_and(|f| head.is_none_or(|(ts, _)| f.ts <= ts));
            let (ts, event, data) = if let Some(firing) = firings.pop_front_if(|_| firing_next) {
                (firing.ts, LiveEvent::Alert, serde_json::to_string(&firing).unwrap_or_default())
            } else if let Some((_, next)) = head {
                let message = tracks[next].page.pop_front().expect("the chosen track has a message");
                (message.ts, message.kind.event(), message.data.to_string())
            } else {
                break;
            };
            let due = started + offset(window.from, ts, speed);
            while Instant::now() < due {
                tokio::select! {
                    _ = tokio::time::sleep_until(due.min(beat)) => {}
                    _ = self.sink.closed() => return Err(PumpError::Closed),
                }
                if Instant::now() >= beat {
                    self.sink.beat().await?;
                    beat = Instant::now() + HEARTBEAT;
                }
            }
            self.sink.send(event, None, data).await?;
        }
        let end = json!({"replay_to": time::format(&window.to)});
        self.sink.send(LiveEvent::End, None, end.to_string()).await
    }

    /// Reads the next page of `track` (waiting for a turn, as live replays do).
    async fn refill(&self, track: &mut Track, window: &Window) -> Result<(), PumpError> {
        let permit = self.limits.replays.acquire().await;
        let page = self.replay.window_page(&track.feed, window, track.after_seq, REPLAY_PAGE).await?;
        drop(permit);
        metrics::counter!("feedboard_sse_replayed_total").increment(page.len() as u64);
        track.exhausted = (page.len() as i64) < REPLAY_PAGE;
        if let Some(last) = page.last() {
            track.after_seq = last.seq;
        }
        track.page = page.into();
        Ok(())
    }
}

/// When, after the start, a message at `ts` is due: its distance from the
/// window's start divided by `speed` (none for one before the start).
fn offset(from: DateTime<Utc>, ts: DateTime<Utc>, speed: f64) -> Duration {
    let micros = (ts - from).num_microseconds().unwrap_or(i64::MAX).max(0) as f64;
    Duration::from_micros((micros / speed) as u64)
}

#[cfg(test)]
mod tests;
