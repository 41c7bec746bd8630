//! Reading the server's database directly, as the benches' ground truth.

use crate::{Result, context};
use sqlx::PgPool;

/// The last `seq` stored for `feed` (how many messages it holds).
pub async fn last_seq(db: &PgPool, feed: &str) -> Result<u64> {
    let seq: i64 = sqlx::query_scalar(
        "SELECT p.last_seq FROM feed_positions p JOIN feeds f ON f.id = p.feed_id WHERE f.name = $1",
    )
    .bind(feed)
    .fetch_one(db)
    .await
    .map_err(context("read the feed position"))?;
    Ok(seq as u64)
}
