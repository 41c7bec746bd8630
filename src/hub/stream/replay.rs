//! Where a pump reads what the hub no longer holds: the newest `seq` of a
//! feed and pages of stored messages. Postgres in production; tests give
//! the pump a replay of their own.

use super::{StreamFeed, Window};
use crate::{
    hub::LiveMessage,
    model::{FeedKind, Firing},
    store::{
        self, StoreError,
        history::{LogQuery, TickQuery},
    },
};
use sqlx::PgPool;

/// The stored side of the feeds a stream follows.
pub trait Replay: Send + Sync + 'static {
    /// The newest committed `seq` of `feed` (0 when it has none).
    fn head(&self, feed: &StreamFeed) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The highest `seq` of `feed` that retention removed (0: none): a
    /// client whose cursor is below it would miss messages, so it is reset.
    fn pruned(&self, feed: &StreamFeed) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Up to `limit` messages of `feed` after `after_seq`, oldest first.
    fn page(
        &self,
        feed: &StreamFeed,
        after_seq: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<LiveMessage>, StoreError>> + Send;

    /// Up to `limit` messages of `feed` after `after_seq` whose `ts` is in
    /// `window`, in `seq` order (a time-travel replay).
    fn window_page(
        &self,
        feed: &StreamFeed,
        window: &Window,
        after_seq: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<LiveMessage>, StoreError>> + Send;

    /// Up to `limit` alert firings of `feeds` whose `ts` is in `window`, by
    /// time.
    fn window_firings(
        &self,
        feeds: &[StreamFeed],
        window: &Window,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Firing>, StoreError>> + Send;
}

impl Replay for PgPool {
    async fn head(&self, feed: &StreamFeed) -> Result<i64, StoreError> {
        store::history::last_seq(self, feed.id).await
    }

    async fn pruned(&self, feed: &StreamFeed) -> Result<i64, StoreError> {
        store::history::pruned_seq(self, feed.id).await
    }

    async fn page(&self, feed: &StreamFeed, after_seq: i64, limit: i64) -> Result<Vec<LiveMessage>, StoreError> {
        replay_page(self, feed, None, after_seq, limit).await
    }

    async fn window_page(
        &self,
        feed: &StreamFeed,
        window: &Window,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<LiveMessage>, StoreError> {
        replay_page(self, feed, Some(window), after_seq, limit).await
    }

    async fn window_firings(
        &self,
        feeds: &[StreamFeed],
        window: &Window,
        limit: i64,
    ) -> Result<Vec<Firing>, StoreError> {
        let ids: Vec<i64> = feeds.iter().map(|f| f.id).collect();
        store::alerts::firings_between(self, &ids, window.from, window.to, limit).await
    }
}

/// Stored messages of `feed` after `after_seq` (with `ts` in `window`, if
/// given), oldest first, as live events.
async fn replay_page(
    db: &PgPool,
    feed: &StreamFeed,
    window: Option<&Window>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<LiveMessage>, StoreError> {
    let (from, to) = (window.map(|w| w.from), window.map(|w| w.to));
    Ok(match feed.kind {
        FeedKind::Ticks => {
            let q = TickQuery { after_seq: Some(after_seq), limit, from, to, ..TickQuery::default() };
            store::history::ticks(db, feed.id, &q)
                .await?
                .iter()
                .map(|t| LiveMessage::tick(feed.id, &feed.name, t, None))
                .collect()
        }
        FeedKind::Logs => {
            let q = LogQuery { after_seq: Some(after_seq), limit, from, to, ..LogQuery::default() };
            store::history::logs(db, feed.id, &q)
                .await?
                .iter()
                .map(|l| LiveMessage::log(feed.id, &feed.name, l, None))
                .collect()
        }
    })
}
