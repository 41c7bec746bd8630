//! What the live runtime does with events between their arrival and the
//! next frame, without the browser: parse them, drop duplicates, remember
//! which feeds to reload, shed ticks when the tab cannot keep up, and hand
//! everything to the widgets in order, in batches.

use super::FeedEvent;
use crate::model::{FeedStatus, Firing, LiveEvent, LogLine, Tick};
use serde::Deserialize;
use std::collections::{HashMap, HashSet, VecDeque};

/// Queued events beyond this are shed (ticks) rather than let memory grow
/// while the tab cannot render.
pub const MAX_QUEUE: usize = 50_000;

/// A tick as the stream carries it.
#[derive(Debug, Deserialize)]
struct WireTick {
    feed: String,
    #[serde(flatten)]
    tick: Tick,
}

/// A log line as the stream carries it.
#[derive(Debug, Deserialize)]
struct WireLog {
    feed: String,
    #[serde(flatten)]
    log: LogLine,
}

/// A status change as the stream carries it.
#[derive(Debug, Deserialize)]
struct WireStatus {
    feed: String,
    #[serde(flatten)]
    status: FeedStatus,
}

/// The `ready` event: where live delivery starts, per feed.
#[derive(Deserialize)]
struct Ready {
    feeds: Vec<ReadyFeed>,
}

#[derive(Deserialize)]
struct ReadyFeed {
    feed: String,
    seq: i64,
}

/// The `reset` event: the feed's history must be reloaded.
#[derive(Deserialize)]
struct Reset {
    feed: String,
}

/// One event waiting for the next flush.
#[derive(Debug)]
enum Queued {
    Load { feed: String, seq: i64 },
    Tick(WireTick),
    Log(WireLog),
    Status(WireStatus),
    Alert(Box<Firing>),
}

/// Events waiting to be rendered, and what the stream said so far.
#[derive(Debug)]
pub struct LiveQueue {
    queue: VecDeque<Queued>,
    /// Ticks shed per feed since the last flush.
    dropped: HashMap<String, u64>,
    /// The last `seq` queued per feed: anything at or below it is a duplicate.
    delivered: HashMap<String, i64>,
    /// Feeds reset by the server: reload them at the next `ready`.
    reset: HashSet<String>,
    loaded_once: bool,
    cap: usize,
}

/// What one flush hands to the widgets.
#[derive(Debug)]
pub struct Batch {
    queue: VecDeque<Queued>,
    dropped: HashMap<String, u64>,
}

impl LiveQueue {
    /// An empty queue holding at most `cap` events before shedding ticks.
    pub fn new(cap: usize) -> Self {
        LiveQueue {
            queue: VecDeque::new(),
            dropped: HashMap::new(),
            delivered: HashMap::new(),
            reset: HashSet::new(),
            loaded_once: false,
            cap,
        }
    }

    /// Takes one event with its JSON `data`; data that does not parse is
    /// ignored.
    pub fn push(&mut self, event: LiveEvent, data: &str) {
        match event {
            LiveEvent::Ready => self.on_ready(data),
            LiveEvent::Reset => {
                if let Ok(reset) = serde_json::from_str::<Reset>(data) {
                    // Its `seq`s start again from wherever the server is.
                    self.delivered.remove(&reset.feed);
                    self.reset.insert(reset.feed);
                }
            }
            LiveEvent::Tick => {
                if let Ok(t) = serde_json::from_str::<WireTick>(data)
                    && self.is_new(&t.feed, t.tick.seq)
                {
                    self.queue.push_back(Queued::Tick(t));
                }
            }
            LiveEvent::Log => {
                if let Ok(l) = serde_json::from_str::<WireLog>(data)
                    && self.is_new(&l.feed, l.log.seq)
                {
                    self.queue.push_back(Queued::Log(l));
                }
            }
            LiveEvent::Status => {
                if let Ok(s) = serde_json::from_str::<WireStatus>(data) {
                    self.queue.push_back(Queued::Status(s));
                }
            }
            LiveEvent::Alert => {
                if let Ok(firing) = serde_json::from_str::<Firing>(data) {
                    self.queue.push_back(Queued::Alert(Box::new(firing)));
                }
            }
            // Heartbeats only prove the connection is alive; `end` comes on
            // replay streams only, which the replay controls read.
            LiveEvent::Heartbeat | LiveEvent::End => {}
        }
        if self.queue.len() > self.cap {
            self.shed_ticks();
        }
    }

    /// Whether a flush has anything to hand over.
    pub fn has_pending(&self) -> bool {
        !self.queue.is_empty() || !self.dropped.is_empty()
    }

    /// Everything waiting, emptying the queue.
    pub fn take(&mut self) -> Batch {
        Batch { queue: std::mem::take(&mut self.queue), dropped: std::mem::take(&mut self.dropped) }
    }

    /// Loads every feed on the first `ready`, and the feeds reset since on
    /// later ones (a reconnect resumes the others where they were).
    fn on_ready(&mut self, data: &str) {
        let Ok(ready) = serde_json::from_str::<Ready>(data) else { return };
        let first = !self.loaded_once;
        self.loaded_once = true;
        for f in ready.feeds {
            if first || self.reset.remove(&f.feed) {
                self.delivered.insert(f.feed.clone(), f.seq);
                self.queue.push_back(Queued::Load { feed: f.feed, seq: f.seq });
            }
        }
    }

    /// Whether `seq` is past everything queued for `feed` (and records it).
    fn is_new(&mut self, feed: &str, seq: i64) -> bool {
        match self.delivered.get_mut(feed) {
            Some(last) if *last >= seq => false,
            Some(last) => {
                *last = seq;
                true
            }
            None => {
                self.delivered.insert(feed.to_owned(), seq);
                true
            }
        }
    }

    /// Drops the oldest queued ticks (lossy views) down to half the cap,
    /// counting them per feed; loads, log lines and statuses stay.
    fn shed_ticks(&mut self) {
        let excess = self.queue.len() - self.cap / 2;
        let mut shed = 0;
        let mut kept = VecDeque::with_capacity(self.queue.len());
        for queued in self.queue.drain(..) {
            match queued {
                Queued::Tick(t) if shed < excess => {
                    *self.dropped.entry(t.feed).or_default() += 1;
                    shed += 1;
                }
                other => kept.push_back(other),
            }
        }
        self.queue = kept;
    }
}

impl Batch {
    /// Hands the batch to `call(feed, event)`: the shed counts first, then
    /// each feed's events in the order they came, with all of a feed's
    /// ticks (or log lines) between its other events as one event. A
    /// frame's work is then one update per widget, however the feeds'
    /// messages interleaved (widgets follow one feed each, so the order
    /// across feeds is not kept).
    pub fn dispatch(self, mut call: impl FnMut(&str, FeedEvent<'_>)) {
        for (feed, n) in &self.dropped {
            call(feed, FeedEvent::Dropped(*n));
        }
        let mut runs: Vec<Run> = Vec::new();
        for item in self.queue {
            let (feed, event) = match item {
                Queued::Tick(t) => {
                    Run::of(&mut runs, t.feed).ticks.push(t.tick);
                    continue;
                }
                Queued::Log(l) => {
                    Run::of(&mut runs, l.feed).logs.push(l.log);
                    continue;
                }
                Queued::Load { feed, seq } => (feed, Other::Load(seq)),
                Queued::Status(s) => (s.feed.clone(), Other::Status(s)),
                Queued::Alert(firing) => (firing.feed.clone(), Other::Alert(firing)),
            };
            if let Some(i) = runs.iter().position(|r| r.feed == feed) {
                runs.remove(i).hand_over(&mut call);
            }
            match event {
                Other::Load(seq) => call(&feed, FeedEvent::Load { seq }),
                Other::Status(s) => call(&feed, FeedEvent::Status(&s.status)),
                Other::Alert(firing) => call(&feed, FeedEvent::Alert(&firing)),
            }
        }
        for run in runs {
            run.hand_over(&mut call);
        }
    }
}

/// The messages of one feed gathered for one call.
struct Run {
    feed: String,
    ticks: Vec<Tick>,
    logs: Vec<LogLine>,
}

impl Run {
    /// The run of `feed`, started at the end if there is none.
    fn of(runs: &mut Vec<Run>, feed: String) -> &mut Run {
        let i = match runs.iter().position(|r| r.feed == feed) {
            Some(i) => i,
            None => {
                runs.push(Run { feed, ticks: Vec::new(), logs: Vec::new() });
                runs.len() - 1
            }
        };
        &mut runs[i]
    }

    fn hand_over(self, call: &mut impl FnMut(&str, FeedEvent<'_>)) {
        if !self.ticks.is_empty() {
            call(&self.feed, FeedEvent::Ticks(&self.ticks));
        }
        if !self.logs.is_empty() {
            call(&self.feed, FeedEvent::Logs(&self.logs));
        }
    }
}

/// An event that ends its feed's run.
enum Other {
    Load(i64),
    Status(WireStatus),
    Alert(Box<Firing>),
}

#[cfg(test)]
mod tests;
