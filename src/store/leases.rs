//! Feed leases: which process ingests a feed. A lease is taken when it is
//! free or expired, renewed by its holder, and fenced by a token that grows
//! with every takeover (batch writes check it, see `batch::write`). Times
//! come from the database clock only, so process clocks do not matter.

use super::StoreError;
use crate::model::FeedStatus;
use sqlx::{PgPool, types::Json};
use std::time::Duration;

/// A lease held by this process: its fencing token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    pub feed_id: i64,
    pub token: i64,
}

/// Who holds a feed's lease, and the status they last reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    pub holder: String,
    pub expired: bool,
    pub status: Option<FeedStatus>,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Takes the lease of `feed_id` for `holder` if it is free, expired or
/// still `holder`'s; `None` while another process holds it. (A lease
/// `holder` released or let expire counts as anyone's, so a node that hands
/// a feed over does not take it straight back.)
pub async fn acquire(db: &PgPool, feed_id: i64, holder: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
    acquire_after(db, feed_id, holder, ttl, Duration::ZERO).await
}

/// Like [`acquire`], but takes an expired lease only once it has been
/// expired for `grace` (and a new feed's first lease only once the feed is
/// that old): a process that is not the feed's preferred node leaves the
/// preferred one the first go.
pub async fn acquire_after(
    db: &PgPool,
    feed_id: i64,
    holder: &str,
    ttl: Duration,
    grace: Duration,
) -> Result<Option<Lease>, StoreError> {
    let token: Option<i64> = sqlx::query_scalar(
        "INSERT INTO feed_leases (feed_id, holder, token, expires_at)
         SELECT $1, $2, 1, now() + make_interval(secs => $3)
         WHERE EXISTS (SELECT 1 FROM feeds WHERE id = $1 AND created_at <= now() - make_interval(secs => $4))
         ON CONFLICT (feed_id) DO UPDATE
             SET holder = EXCLUDED.holder, token = feed_leases.token + 1, expires_at = EXCLUDED.expires_at, status = NULL
             WHERE (feed_leases.holder = EXCLUDED.holder AND feed_leases.expires_at >= now())
                OR feed_leases.expires_at < now() - make_interval(secs => $4)
         RETURNING token",
    )
    .bind(feed_id)
    .bind(holder)
    .bind(secs(ttl))
    .bind(secs(grace))
    .fetch_optional(db)
    .await?;
    Ok(token.map(|token| Lease { feed_id, token }))
}

/// Extends a held lease and publishes the holder's status; `false` when the
/// lease has been taken over (the token moved on).
pub async fn renew(db: &PgPool, lease: Lease, ttl: Duration, status: &FeedStatus) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE feed_leases SET expires_at = now() + make_interval(secs => $3), status = $4
         WHERE feed_id = $1 AND token = $2",
    )
    .bind(lease.feed_id)
    .bind(lease.token)
    .bind(secs(ttl))
    .bind(Json(status))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a lease up at once, so another process may take the feed without
/// waiting for it to expire.
pub async fn release(db: &PgPool, lease: Lease) -> Result<(), StoreError> {
    sqlx::query("UPDATE feed_leases SET expires_at = now() - interval '1 second' WHERE feed_id = $1 AND token = $2")
        .bind(lease.feed_id)
        .bind(lease.token)
        .execute(db)
        .await?;
    Ok(())
}

/// The current holder of a feed's lease, if any.
pub async fn holder(db: &PgPool, feed_id: i64) -> Result<Option<Holder>, StoreError> {
    let row: Option<(String, bool, Option<Json<FeedStatus>>)> =
        sqlx::query_as("SELECT holder, expires_at < now(), status FROM feed_leases WHERE feed_id = $1")
            .bind(feed_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(holder, expired, status)| Holder { holder, expired, status: status.map(|s| s.0) }))
}
