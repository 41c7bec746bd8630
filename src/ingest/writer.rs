//! The batcher: takes deliveries off the channel in batches (up to
//! `batch_max`, or what arrived within `linger`), parses them, stores the
//! batch in one transaction, then acknowledges it to the broker and
//! publishes it to the hub, in that order.
//!
//! Two stages overlap: while the finisher acknowledges and publishes one
//! committed batch, the writer already parses and stores the next. The
//! finisher takes batches in commit order, so acks and `seq`s stay ordered.

use super::{
    Settings,
    backoff::Backoff,
    parse::{self, Arrival, Parsed},
    source::{self, Delivery},
    status::FeedMonitor,
};
use crate::{
    hub::{Hub, LiveMessage},
    model::{FeedKind, FeedState, Mapping},
    store::{
        self,
        batch::{NewRejected, Rows, Stored},
    },
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::{sync::Arc, time::Instant};
use tokio::sync::mpsc;

/// Rejected payloads are kept whole up to this size.
const MAX_KEPT_PAYLOAD: usize = 1024 * 1024;

/// Everything the writer of one feed needs.
pub struct Writer {
    pub feed_id: i64,
    pub feed_name: String,
    pub kind: FeedKind,
    pub mapping: Mapping,
    pub db: PgPool,
    pub hub: Hub,
    pub monitor: Arc<FeedMonitor>,
    pub settings: Settings,
    /// Fires when the feed stops; a batch still waiting for the database is
    /// then left unacknowledged for the broker to redeliver.
    pub cancel: tokio_util::sync::CancellationToken,
}

impl Writer {
    /// Runs until the channel closes, then stores what is left.
    pub async fn run(self, mut rx: mpsc::Receiver<Delivery>) {
        let (committed_tx, committed_rx) = mpsc::channel(2);
        let finisher = Finisher {
            feed_id: self.feed_id,
            feed_name: self.feed_name.clone(),
            hub: self.hub.clone(),
            monitor: self.monitor.clone(),
        };
        let finishing = tokio::spawn(finisher.run(committed_rx));
        let mut batch = Vec::with_capacity(self.settings.batch_max);
        while let Some(first) = rx.recv().await {
            batch.push(first);
            let deadline = tokio::time::Instant::now() + self.settings.linger;
            while batch.len() < self.settings.batch_max {
                match rx.try_recv() {
                    Ok(d) => batch.push(d),
                    Err(mpsc::error::TryRecvError::Disconnected) => break,
                    Err(mpsc::error::TryRecvError::Empty) if self.settings.linger.is_zero() => break,
                    Err(mpsc::error::TryRecvError::Empty) => match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(d)) => batch.push(d),
                        _ => break,
                    },
                }
            }
            let Some(committed) = self.commit(std::mem::take(&mut batch)).await else { continue };
            if committed_tx.send(committed).await.is_err() {
                break;
            }
        }
        drop(committed_tx);
        let _ = finishing.await;
    }

    /// Parses and stores one batch (retrying while the database is
    /// unreachable); `None` when the feed stopped before it was stored.
    async fn commit(&self, batch: Vec<Delivery>) -> Option<Committed> {
        let started = Instant::now();
        let mut good = Goods::new(self.kind);
        let mut rejected = Vec::new();
        let mut acks = Vec::with_capacity(batch.len());
        for d in batch {
            let arrival = Arrival { origin: &d.origin, received_at: d.received_at };
            match parse::parse(self.kind, &self.mapping, &d.payload, arrival, self.settings.max_payload) {
                Ok(parsed) => good.push(parsed, d.received_at),
                Err(reason) => rejected.push(reject(&d, reason)),
            }
            acks.push(d.ack);
        }
        let oldest = good.oldest().into_iter().chain(rejected.iter().map(|r| r.received_at)).min();
        let stored = self.store(&good, &rejected).await?;
        if let Some(oldest) = oldest {
            let lag = (Utc::now() - oldest).to_std().unwrap_or_default();
            metrics::histogram!("feedboard_ingest_lag_seconds", "feed" => self.feed_name.clone())
                .record(lag.as_secs_f64());
        }
        metrics::histogram!("feedboard_commit_seconds").record(started.elapsed().as_secs_f64());
        Some(Committed { acks, stored, rejected: rejected.len() })
    }

    /// Writes the batch; retries transient failures forever (with backoff),
    /// and on a permanent failure stores each message on its own so that
    /// only the offending ones end up rejected.
    async fn store(&self, good: &Goods, rejected: &[NewRejected]) -> Option<Stored> {
        let mut backoff = Backoff::default();
        let mut outage = false;
        loop {
            match store::batch::write(&self.db, self.feed_id, good.rows(), rejected).await {
                Ok(stored) => {
                    if outage {
                        tracing::info!(feed = %self.feed_name, "database is back; ingest resumes");
                        self.monitor.set_state(FeedState::Connected, None);
                    }
                    return Some(stored);
                }
                Err(e) if e.is_transient() => {
                    if !outage {
                        tracing::warn!(feed = %self.feed_name, error = %e, "database unavailable; holding the batch");
                        self.monitor.set_state(FeedState::Error, Some(format!("database unavailable: {e}")));
                        outage = true;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff.next_delay()) => {}
                        _ = self.cancel.cancelled() => return None,
                    }
                }
                Err(e) => {
                    tracing::error!(feed = %self.feed_name, error = %e, "batch refused; storing one by one");
                    return Some(self.store_one_by_one(good, rejected).await);
                }
            }
        }
    }

    async fn store_one_by_one(&self, good: &Goods, rejected: &[NewRejected]) -> Stored {
        let mut all = Stored::default();
        let mut refused = rejected.to_vec();
        for single in good.singles() {
            match store::batch::write(&self.db, self.feed_id, single.rows(), &[]).await {
                Ok(stored) => {
                    all.ticks.extend(stored.ticks);
                    all.logs.extend(stored.logs);
                }
                Err(e) => refused.push(NewRejected {
                    received_at: Utc::now(),
                    reason: format!("database refused the message: {e}"),
                    payload: single.describe().into_bytes(),
                }),
            }
        }
        if let Err(e) = store::batch::write(&self.db, self.feed_id, Rows::Ticks(&[]), &refused).await {
            tracing::error!(feed = %self.feed_name, error = %e, count = refused.len(), "could not store rejects");
        }
        all
    }
}

/// A batch in the database, waiting to be acknowledged and published.
struct Committed {
    acks: Vec<source::Ack>,
    stored: Stored,
    rejected: usize,
}

/// The second stage: acknowledges committed batches to the broker, counts
/// them and publishes them to the hub, in commit order.
struct Finisher {
    feed_id: i64,
    feed_name: String,
    hub: Hub,
    monitor: Arc<FeedMonitor>,
}

impl Finisher {
    async fn run(self, mut committed: mpsc::Receiver<Committed>) {
        while let Some(batch) = committed.recv().await {
            let count = batch.acks.len();
            source::ack_all(batch.acks).await;
            self.monitor.add_stored(batch.stored.len() as u64, batch.rejected as u64);
            metrics::histogram!("feedboard_batch_size").record(count as f64);
            self.publish(batch.stored);
        }
    }

    fn publish(&self, stored: Stored) {
        let (feed, id, now) = (self.feed_name.as_str(), self.feed_id, Some(Instant::now()));
        let ticks = stored.ticks.iter().map(|t| LiveMessage::tick(id, feed, t, now));
        let logs = stored.logs.iter().map(|l| LiveMessage::log(id, feed, l, now));
        self.hub.publish(self.feed_id, ticks.chain(logs));
    }
}

fn reject(d: &Delivery, reason: String) -> NewRejected {
    let kept = d.payload.len().min(MAX_KEPT_PAYLOAD);
    let reason = if kept < d.payload.len() { format!("{reason} (first {kept} bytes kept)") } else { reason };
    NewRejected { received_at: d.received_at, reason, payload: d.payload[..kept].to_vec() }
}

/// The parsed messages of a batch, by kind.
enum Goods {
    Ticks(Vec<(parse::NewTick, DateTime<Utc>)>),
    Logs(Vec<(parse::NewLog, DateTime<Utc>)>),
}

impl Goods {
    fn new(kind: FeedKind) -> Self {
        match kind {
            FeedKind::Ticks => Goods::Ticks(Vec::new()),
            FeedKind::Logs => Goods::Logs(Vec::new()),
        }
    }

    fn push(&mut self, parsed: Parsed, at: DateTime<Utc>) {
        match (self, parsed) {
            (Goods::Ticks(v), Parsed::Tick(t)) => v.push((t, at)),
            (Goods::Logs(v), Parsed::Log(l)) => v.push((l, at)),
            _ => unreachable!("the parser returns the feed's kind"),
        }
    }

    fn rows(&self) -> Rows<'_> {
        match self {
            Goods::Ticks(v) => Rows::Ticks(v),
            Goods::Logs(v) => Rows::Logs(v),
        }
    }

    fn singles(&self) -> Vec<Goods> {
        match self {
            Goods::Ticks(v) => v.iter().map(|t| Goods::Ticks(vec![t.clone()])).collect(),
            Goods::Logs(v) => v.iter().map(|l| Goods::Logs(vec![l.clone()])).collect(),
        }
    }

    /// When the earliest message of the batch arrived from the broker.
    fn oldest(&self) -> Option<DateTime<Utc>> {
        match self {
            Goods::Ticks(v) => v.iter().map(|t| t.1).min(),
            Goods::Logs(v) => v.iter().map(|l| l.1).min(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Goods::Ticks(v) => format!("{:?}", v.first().map(|t| &t.0)),
            Goods::Logs(v) => format!("{:?}", v.first().map(|l| &l.0)),
        }
    }
}
