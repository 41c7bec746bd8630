//! The nodes of a cluster, their dashboard presence, and the outbox for bus
//! events too large to notify. Times come from the database clock only.

use super::StoreError;
use crate::model::{NodeInfo, NodeStats};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, types::Json};
use std::time::Duration;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Announces `id` as running (again): its start time is now.
pub async fn register(db: &PgPool, id: &str) -> Result<(), StoreError> {
    // A restarted node starts with no one in its rooms.
    sqlx::query("DELETE FROM room_presence WHERE node = $1").bind(id).execute(db).await?;
    sqlx::query(
        "INSERT INTO cluster_nodes (id) VALUES ($1)
         ON CONFLICT (id) DO UPDATE SET started_at = now(), last_seen = now()",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Says `id` is still alive, with its latest figures; comes back if another
/// node had given it up for dead.
pub async fn heartbeat(db: &PgPool, id: &str, stats: &NodeStats) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cluster_nodes (id, stats) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET last_seen = now(), stats = EXCLUDED.stats",
    )
    .bind(id)
    .bind(Json(stats))
    .execute(db)
    .await?;
    Ok(())
}

/// Removes `id` (it is shutting down): its presence goes with it.
pub async fn leave(db: &PgPool, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM cluster_nodes WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// The ids of the nodes seen within `ttl`, sorted.
pub async fn live_ids(db: &PgPool, ttl: Duration) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM cluster_nodes WHERE last_seen > now() - make_interval(secs => $1) ORDER BY id",
    )
    .bind(secs(ttl))
    .fetch_all(db)
    .await?)
}

/// Every node seen within `ttl`, with the feeds it ingests.
pub async fn list(db: &PgPool, ttl: Duration) -> Result<Vec<NodeInfo>, StoreError> {
    type Row = (String, DateTime<Utc>, DateTime<Utc>, Json<NodeStats>, Vec<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT n.id, n.started_at, n.last_seen, n.stats,
                coalesce(array_agg(f.name ORDER BY f.name) FILTER (WHERE f.name IS NOT NULL), '{}') AS feeds
         FROM cluster_nodes n
         LEFT JOIN feed_leases l ON l.holder = n.id AND l.expires_at > now()
         LEFT JOIN feeds f ON f.id = l.feed_id
         WHERE n.last_seen > now() - make_interval(secs => $1)
         GROUP BY n.id ORDER BY n.id",
    )
    .bind(secs(ttl))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, started_at, last_seen, stats, feeds)| NodeInfo {
            id,
            started_at,
            last_seen,
            feeds,
            stats: stats.0,
            this_node: false,
        })
        .collect())
}

/// Deletes nodes silent for longer than `after` (their presence too) and
/// outbox rows older than `after`.
pub async fn forget_dead(db: &PgPool, after: Duration) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM cluster_nodes WHERE last_seen < now() - make_interval(secs => $1)")
        .bind(secs(after))
        .execute(db)
        .await?;
    sqlx::query("DELETE FROM cluster_outbox WHERE created_at < now() - make_interval(secs => $1)")
        .bind(secs(after))
        .execute(db)
        .await?;
    Ok(())
}

/// Records who `node` has in the room of `dashboard` (nobody: the row goes).
pub async fn set_presence(
    db: &PgPool,
    node: &str,
    dashboard: &str,
    users: &[String],
    anonymous: u32,
) -> Result<(), StoreError> {
    if users.is_empty() && anonymous == 0 {
        sqlx::query("DELETE FROM room_presence WHERE dashboard = $1 AND node = $2")
            .bind(dashboard)
            .bind(node)
            .execute(db)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO room_presence (dashboard, node, users, anonymous) VALUES ($1, $2, $3, $4)
         ON CONFLICT (dashboard, node) DO UPDATE SET users = EXCLUDED.users, anonymous = EXCLUDED.anonymous",
    )
    .bind(dashboard)
    .bind(node)
    .bind(users)
    .bind(i32::try_from(anonymous).unwrap_or(i32::MAX))
    .execute(db)
    .await?;
    Ok(())
}

/// Who the live nodes other than `node` have in the room of `dashboard`:
/// the distinct users and the number of anonymous viewers.
pub async fn presence_elsewhere(
    db: &PgPool,
    node: &str,
    dashboard: &str,
    ttl: Duration,
) -> Result<(Vec<String>, u32), StoreError> {
    let (users, anonymous): (Vec<String>, i64) = sqlx::query_as(
        "WITH p AS (
             SELECT p.users, p.anonymous FROM room_presence p JOIN cluster_nodes n ON n.id = p.node
             WHERE p.dashboard = $2 AND p.node <> $1 AND n.last_seen > now() - make_interval(secs => $3))
         SELECT coalesce((SELECT array_agg(DISTINCT u ORDER BY u) FROM p, unnest(p.users) AS u), '{}'),
                coalesce((SELECT sum(anonymous) FROM p), 0)::BIGINT",
    )
    .bind(node)
    .bind(dashboard)
    .bind(secs(ttl))
    .fetch_one(db)
    .await?;
    Ok((users, u32::try_from(anonymous).unwrap_or(u32::MAX)))
}

/// Keeps a bus event too large to notify; returns its id.
pub async fn outbox_put(db: &PgPool, body: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("INSERT INTO cluster_outbox (body) VALUES ($1) RETURNING id")
        .bind(body)
        .fetch_one(db)
        .await?)
}

/// A kept bus event, if not purged yet.
pub async fn outbox_get(db: &PgPool, id: i64) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT body FROM cluster_outbox WHERE id = $1").bind(id).fetch_optional(db).await?)
}
