//! Watching feed status through a fault: samples every feed's `status`
//! from the REST API every 50 ms (an unreachable API is a sample too), then
//! answers when a feed recovered and whether its status showed the outage.

use crate::api::Api;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::{sync::watch, task::JoinHandle};

/// One reading of one feed's status; `None` when the API did not answer.
#[derive(Clone, Debug)]
pub struct Sample {
    pub at: Instant,
    pub feed: usize,
    pub status: Option<Value>,
}

/// A running watcher; [`Watcher::finish`] stops it and hands back the samples.
pub struct Watcher {
    stop: watch::Sender<bool>,
    task: JoinHandle<Vec<Sample>>,
}

impl Watcher {
    /// Starts sampling `feeds`.
    pub fn start(api: Api, feeds: Vec<String>) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                // A last round after the stop, so the samples end with the status as it is now.
                let last = tokio::select! {
                    _ = tick.tick() => false,
                    _ = stopped.changed() => true,
                };
                for (feed, name) in feeds.iter().enumerate() {
                    let status =
                        tokio::time::timeout(Duration::from_secs(1), api.status(name)).await.ok().and_then(Result::ok);
                    samples.push(Sample { at: Instant::now(), feed, status });
                }
                if last {
                    return samples;
                }
            }
        });
        Watcher { stop, task }
    }

    /// Stops sampling after one last round; returns every sample in time order.
    pub async fn finish(self) -> Vec<Sample> {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}

/// Waits (at most `limit`) until each of `feeds` shows `connected` with
/// `expected` messages stored. The rows can all be in the database before
/// the status says so, and recovery is judged on the status: a watcher
/// stopped as soon as the rows were in saw no recovery on a loaded machine.
pub async fn until_caught_up(api: &Api, feeds: &[String], expected: u64, limit: Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        let mut all = true;
        for feed in feeds {
            let status = api.status(feed).await.unwrap_or_default();
            all &= status["state"] == "connected" && status["stored"].as_u64().is_some_and(|n| n >= expected);
        }
        if all {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the samples say about one feed and one fault.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// Fault injected → the feed is `connected` and storing again.
    pub after: Option<Duration>,
    /// How the status showed the outage, if it did.
    pub shown: Option<String>,
}

/// Judges `feed` for a fault injected at `fault_at` whose service was back at
/// `back_at`; `expected` is the feed's final stored count (recovered also
/// means everything is stored when no new message came after the fault).
pub fn judge(samples: &[Sample], feed: usize, fault_at: Instant, back_at: Instant, expected: u64) -> Recovery {
    let own: Vec<&Sample> = samples.iter().filter(|s| s.feed == feed).collect();
    let stored = |s: &Sample| s.status.as_ref().and_then(|v| v["stored"].as_u64());
    let error = |s: &Sample| s.status.as_ref().and_then(|v| v["last_error"].as_str().map(str::to_owned));
    let before = own.iter().rev().find(|s| s.at < fault_at && s.status.is_some());
    let error_before = before.and_then(|s| error(s));
    let baseline =
        own.iter().rev().find(|s| s.at <= back_at).and_then(|s| stored(s)).or(before.and_then(|s| stored(s)));
    let after = own
        .iter()
        .filter(|s| s.at >= back_at)
        .find(|s| {
            let connected = s.status.as_ref().is_some_and(|v| v["state"] == "connected");
            let now = stored(s).unwrap_or(0);
            connected && (baseline.is_none_or(|b| now > b) || now >= expected)
        })
        .map(|s| s.at.duration_since(fault_at));
    // Without a recovery, every sample after the fault counts.
    let end = after.map_or_else(|| own.iter().map(|s| s.at).max().unwrap_or(fault_at), |d| fault_at + d);
    let during = own.iter().filter(|s| s.at >= fault_at && s.at <= end);
    let mut shown = None;
    for s in during {
        let seen = match &s.status {
            None => Some("API unreachable".to_owned()),
            Some(v) if v["state"] != "connected" => {
                Some(format!("state {}{}", v["state"], error(s).map(|e| format!(" ({e})")).unwrap_or_default()))
            }
            Some(_) => error(s).filter(|e| Some(e) != error_before.as_ref()).map(|e| format!("last_error {e:?}")),
        };
        // Prefer what the status itself said over the API being down.
        if seen.is_some() && (shown.is_none() || shown.as_deref() == Some("API unreachable")) {
            shown = seen;
        }
    }
    Recovery { after, shown }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(base: Instant, ms: u64, status: Option<Value>) -> Sample {
        Sample { at: base + Duration::from_millis(ms), feed: 0, status }
    }

    #[test]
    fn recovery_needs_connected_and_storing_again() {
        let t0 = Instant::now();
        let ok = |stored: u64| Some(json!({"state": "connected", "stored": stored, "last_error": null}));
        let samples = vec![
            at(t0, 0, ok(10)),
            at(t0, 100, Some(json!({"state": "error", "stored": 12, "last_error": "MQTT: refused"}))),
            at(t0, 200, ok(12)),
            at(t0, 300, ok(20)),
        ];
        let r = judge(&samples, 0, t0 + Duration::from_millis(50), t0 + Duration::from_millis(150), 100);
        assert_eq!(r.after, Some(Duration::from_millis(250)));
        assert_eq!(r.shown.as_deref(), Some("state \"error\" (MQTT: refused)"));
        let quiet = vec![at(t0, 0, ok(10)), at(t0, 100, None), at(t0, 200, ok(10))];
        let r = judge(&quiet, 0, t0 + Duration::from_millis(50), t0 + Duration::from_millis(150), 100);
        assert_eq!((r.after, r.shown.as_deref()), (None, Some("API unreachable")));
    }
}
