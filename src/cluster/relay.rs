//! Brings batches committed on other nodes into this node's hub: one read
//! per batch and node, shared by every viewer here, in commit order.
//!
//! A commit notification names the `seq` range; the relay reads those rows
//! (only for feeds someone here follows and this node does not ingest
//! itself) and publishes them. Missed notifications are caught up from
//! `feed_positions` on [`Event::Resync`] and on a periodic sweep; the live
//! streams fill any jump from Postgres themselves, so a viewer never sees a
//! gap or a duplicate.

use super::{Bus, Event};
use crate::{
    hub::{Hub, LiveMessage},
    model::FeedKind,
    store::{self, StoreError},
};
use sqlx::PgPool;
use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// Most rows published for one feed in one catch-up: the streams read any
/// older ones themselves.
const CATCH_UP_ROWS: i64 = 1000;

/// Whether this node ingests a feed (its own writer publishes it).
pub type Local = Arc<dyn Fn(i64) -> bool + Send + Sync>;

/// How many followed feeds the last check found behind the database.
pub type Lag = Arc<AtomicU32>;

/// The relay's inputs.
pub struct Relay {
    pub bus: Bus,
    pub hub: Hub,
    pub db: PgPool,
    pub local: Local,
    /// How often followed feeds are checked against the database anyway.
    pub sweep: Duration,
    pub lag: Lag,
}

impl Relay {
    /// Runs until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut events = self.bus.subscribe();
        let mut sweep = tokio::time::interval(self.sweep);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut feeds = Feeds::default();
        loop {
            let result = tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = sweep.tick() => self.catch_up(&mut feeds).await,
                event = events.recv() => match event {
                    Ok(event) => match &*event {
                        Event::Commit { feed, from, to } => self.commit(&mut feeds, *feed, *from, *to).await,
                        Event::Feeds => {
                            feeds.0.clear();
                            Ok(())
                        }
                        Event::Resync => self.catch_up(&mut feeds).await,
                        _ => Ok(()),
                    },
                    Err(RecvError::Lagged(_)) => self.catch_up(&mut feeds).await,
                    Err(RecvError::Closed) => return,
                },
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "cluster relay: database unavailable; the next sweep catches up");
            }
        }
    }

    /// Publishes `seq` (from, to] of `feed` if someone here follows it and
    /// has not had them yet.
    async fn commit(&self, feeds: &mut Feeds, feed: i64, from: i64, to: i64) -> Result<(), StoreError> {
        let Some(head) = self.hub.followed_head(feed) else { return Ok(()) };
        if head >= to || (self.local)(feed) {
            return Ok(());
        }
        self.publish(feeds, feed, head.max(from), to).await
    }

    /// Publishes what followed feeds committed beyond what this node carried.
    async fn catch_up(&self, feeds: &mut Feeds) -> Result<(), StoreError> {
        let mut behind = 0;
        for (feed, head) in self.hub.followed() {
            if (self.local)(feed) {
                continue;
            }
            let last = store::history::last_seq(&self.db, feed).await?;
            if last > head {
                behind += 1;
                self.lag.store(behind, Ordering::Relaxed);
                metrics::counter!("feedboard_cluster_caught_up_total").increment(1);
                self.publish(feeds, feed, head.max(last - CATCH_UP_ROWS), last).await?;
            }
        }
        self.lag.store(behind, Ordering::Relaxed);
        Ok(())
    }

    async fn publish(&self, feeds: &mut Feeds, feed: i64, after: i64, to: i64) -> Result<(), StoreError> {
        let Some((name, kind)) = feeds.get(&self.db, feed).await? else { return Ok(()) };
        let messages: Vec<LiveMessage> = match kind {
            FeedKind::Ticks => store::history::ticks_between(&self.db, feed, after, to)
                .await?
                .iter()
                .map(|t| LiveMessage::tick(feed, &name, t, None))
                .collect(),
            FeedKind::Logs => store::history::logs_between(&self.db, feed, after, to)
                .await?
                .iter()
                .map(|l| LiveMessage::log(feed, &name, l, None))
                .collect(),
        };
        metrics::counter!("feedboard_cluster_relayed_total").increment(messages.len() as u64);
        self.hub.publish(feed, messages);
        Ok(())
    }
}

/// Names and kinds of the feeds, read on demand, forgotten on a feed edit.
#[derive(Default)]
struct Feeds(HashMap<i64, (String, FeedKind)>);

impl Feeds {
    async fn get(&mut self, db: &PgPool, feed: i64) -> Result<Option<(String, FeedKind)>, StoreError> {
        if !self.0.contains_key(&feed) {
            self.0 = store::feeds::list(db).await?.into_iter().map(|f| (f.id, (f.spec.name, f.spec.kind))).collect();
        }
        Ok(self.0.get(&feed).cloned())
    }
}
