//! The batcher: takes deliveries off the channel in batches (up to
//! `batch_max` messages or `batch_bytes` bytes), parses them, stores the
//! batch in one transaction, and hands it to the finisher, which
//! acknowledges it to the broker and publishes it.
//!
//! The rule it keeps: a message is acknowledged only once its row (stored
//! or rejected) has committed.
//! - The database unreachable, short of resources, cancelling statements,
//!   deadlocked: the batch is held and retried with backoff (the feed shows
//!   `error`), after checking whether the failed attempt committed after all.
//! - The data refused: the batch is stored one message at a time, so only the
//!   culprits become rejects.
//! - The feed's lease lost: the writer stops; nothing more is acknowledged.

mod batch;
mod store;
#[cfg(test)]
mod tests;

pub use batch::Rules;
pub use store::{BatchStore, PgBatches};

use super::{backoff::Backoff, source::Delivery, status::FeedMonitor};
use crate::{
    model::{FeedState, NewRejected},
    store::{
        StoreError, WriteFailure,
        batch::{Rows, Stored},
    },
};
use batch::{Item, Outcome, Parts};
use chrono::Utc;
use std::{sync::Arc, time::Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How big a batch may grow.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most messages in one batch.
    pub batch_max: usize,
    /// A batch is closed once its payloads reach this many bytes.
    pub batch_bytes: usize,
}

/// A batch in the database, waiting to be acknowledged and published.
pub struct Committed {
    /// In delivery order.
    pub acks: Vec<super::source::Ack>,
    pub stored: Stored,
    pub rejected: usize,
    /// Budget shares, given back once the batch is acknowledged.
    pub held: Vec<super::budget::Held>,
}

/// Why the writer ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    /// The channel closed and everything received was stored and handed on.
    Drained,
    /// Told to give up while holding a batch (left unacknowledged).
    Abandoned,
    /// The feed's lease has passed to another process.
    Fenced,
}

/// Everything the writer of one feed needs.
pub struct Writer<S> {
    pub store: S,
    pub feed_name: String,
    pub rules: Rules,
    pub limits: Limits,
    pub monitor: Arc<FeedMonitor>,
    /// Fires when a held batch must be given up (the feed stops and its
    /// drain time is over): it is then left to the broker to redeliver.
    pub abandon: CancellationToken,
}

/// A write that did not succeed.
enum Failed {
    Stop(Exit),
    Refused(StoreError),
}

impl<S: BatchStore> Writer<S> {
    /// Runs until the channel closes (then stores what is left) or a stop.
    pub async fn run(self, mut rx: mpsc::Receiver<Delivery>, done: mpsc::Sender<Committed>) -> Exit {
        loop {
            let first = tokio::select! {
                first = rx.recv() => first,
                _ = self.abandon.cancelled() => return Exit::Abandoned,
            };
            let Some(first) = first else { return Exit::Drained };
            let batch = self.fill(first, &mut rx);
            let (committed, exit) = self.commit(batch).await;
            if let Some(committed) = committed
                && done.send(committed).await.is_err()
            {
                return Exit::Abandoned;
            }
            if let Some(exit) = exit {
                return exit;
            }
        }
    }

    /// The first delivery plus whatever has already arrived, within limits.
    fn fill(&self, first: Delivery, rx: &mut mpsc::Receiver<Delivery>) -> Vec<Item> {
        let mut bytes = first.payload.len();
        let mut batch = vec![self.rules.parse(first)];
        while batch.len() < self.limits.batch_max && bytes < self.limits.batch_bytes {
            let Ok(next) = rx.try_recv() else { break };
            bytes += next.payload.len();
            batch.push(self.rules.parse(next));
        }
        batch
    }

    /// Stores one batch. Returns what committed (a prefix of the batch, in
    /// delivery order) and, if the writer must stop, why.
    async fn commit(&self, items: Vec<Item>) -> (Option<Committed>, Option<Exit>) {
        let started = Instant::now();
        let parts = Parts::of(&items);
        let result = self.write_held(parts.rows(), &parts.rejected).await;
        if let Some(oldest) = parts.oldest() {
            let lag = (Utc::now() - oldest).to_std().unwrap_or_default();
            metrics::histogram!("feedboard_ingest_lag_seconds", "feed" => self.feed_name.clone())
                .record(lag.as_secs_f64());
        }
        match result {
            Ok(stored) => {
                metrics::histogram!("feedboard_commit_seconds").record(started.elapsed().as_secs_f64());
                (Some(committed(items, stored, parts.rejected.len())), None)
            }
            Err(Failed::Stop(exit)) => (None, Some(exit)),
            Err(Failed::Refused(e)) => {
                tracing::warn!(feed = %self.feed_name, error = %e, "batch refused; storing its messages one by one");
                self.one_by_one(items).await
            }
        }
    }

    /// Stores each item in a transaction of its own; an item the database
    /// refuses is rejected with the reason instead.
    async fn one_by_one(&self, items: Vec<Item>) -> (Option<Committed>, Option<Exit>) {
        let mut done: Vec<Item> = Vec::with_capacity(items.len());
        let mut stored = Stored::default();
        let mut rejected = 0;
        let mut exit = None;
        for mut item in items {
            let parts = Parts::of([&item]);
            let result = match self.write_held(parts.rows(), &parts.rejected).await {
                Err(Failed::Refused(e)) if !matches!(item.outcome, Outcome::Rejected(_)) => {
                    let reason = format!("the database refused the message: {}", sanitize(&e.to_string()));
                    item.outcome = Outcome::Rejected(self.rules.reject(&item.payload, item.arrival(), reason));
                    self.write_reject(&item).await
                }
                Err(Failed::Refused(e)) => {
                    // A reject the database refuses (its reason, say): keep a plain one.
                    let reason =
                        format!("stored without its reason, which the database refused: {}", sanitize(&e.to_string()));
                    item.outcome = Outcome::Rejected(self.rules.reject(&item.payload, item.arrival(), reason));
                    self.write_reject(&item).await
                }
                other => other,
            };
            match result {
                Ok(s) => {
                    rejected += usize::from(matches!(item.outcome, Outcome::Rejected(_)));
                    stored.ticks.extend(s.ticks);
                    stored.logs.extend(s.logs);
                    done.push(item);
                }
                Err(Failed::Stop(e)) => {
                    exit = Some(e);
                    break;
                }
                Err(Failed::Refused(e)) => {
                    // Even a bare reject was refused: something is wrong beyond this message.
                    tracing::error!(feed = %self.feed_name, error = %e, "cannot store a reject; holding the feed");
                    exit = Some(self.hold_forever(&e).await);
                    break;
                }
            }
        }
        let committed = (!done.is_empty()).then(|| committed(done, stored, rejected));
        (committed, exit)
    }

    /// Writes a reject; if its payload is refused too, without the payload.
    async fn write_reject(&self, item: &Item) -> Result<Stored, Failed> {
        let Outcome::Rejected(reject) = &item.outcome else { unreachable!("called for rejects only") };
        match self.write_held(Rows::Ticks(&[]), std::slice::from_ref(reject)).await {
            Err(Failed::Refused(_)) => {
                let bare = NewRejected { payload: Vec::new(), reason: sanitize(&reject.reason), ..reject.clone() };
                self.write_held(Rows::Ticks(&[]), &[bare]).await
            }
            other => other,
        }
    }

    /// Writes, holding through every failure that is not about the data.
    async fn write_held(&self, rows: Rows<'_>, rejected: &[NewRejected]) -> Result<Stored, Failed> {
        let id: i64 = rand::random();
        let mut backoff = Backoff::default();
        let mut outage = false;
        loop {
            let error = match self.store.write(id, rows, rejected).await {
                Ok(stored) => {
                    if outage {
                        self.recovered();
                    }
                    return Ok(stored);
                }
                Err(e) => e,
            };
            match error.write_failure() {
                WriteFailure::Fenced => return Err(Failed::Stop(Exit::Fenced)),
                WriteFailure::Refused => return Err(Failed::Refused(error)),
                WriteFailure::Hold => {}
            }
            if !outage {
                outage = true;
                tracing::warn!(feed = %self.feed_name, error = %error, "database write failed; holding the batch");
            }
            self.monitor.set_state(FeedState::Error, Some(format!("database unavailable: {error}")));
            // The attempt may have committed before its connection broke: ask
            // before writing it again (asking fails too while the database is away).
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(backoff.next_delay()) => {}
                    _ = self.abandon.cancelled() => return Err(Failed::Stop(Exit::Abandoned)),
                }
                match self.store.committed(id).await {
                    Ok(Some(stored)) => {
                        self.recovered();
                        return Ok(stored);
                    }
                    Ok(None) => break,
                    Err(e) if e.write_failure() == WriteFailure::Fenced => return Err(Failed::Stop(Exit::Fenced)),
                    Err(_) => {}
                }
            }
        }
    }

    /// Waits until the feed is stopped, showing why it cannot go on.
    async fn hold_forever(&self, error: &StoreError) -> Exit {
        self.monitor.set_state(FeedState::Error, Some(format!("cannot store rejected messages: {error}")));
        self.abandon.cancelled().await;
        Exit::Abandoned
    }

    fn recovered(&self) {
        tracing::info!(feed = %self.feed_name, "database writes work again; ingest resumes");
        self.monitor.set_state(FeedState::Connected, None);
    }
}

fn committed(items: Vec<Item>, stored: Stored, rejected: usize) -> Committed {
    let mut acks = Vec::with_capacity(items.len());
    let mut held = Vec::with_capacity(items.len());
    for item in items {
        acks.push(item.ack);
        held.extend(item.held);
    }
    Committed { acks, stored, rejected, held }
}

/// Text Postgres can store and people can read: no NUL, at most 1,000 characters.
fn sanitize(text: &str) -> String {
    text.chars().filter(|c| *c != '\0').take(1000).collect()
}
