//! Annotations on chart points and log lines, with their replies.
//!
//! A reply copies the target of the annotation it answers, so listing a
//! feed's annotations (by time, symbol or dashboard) finds the replies too.
//! Deleting is soft (`deleted_at`) and takes the replies along.

use super::StoreError;
use crate::model::{Annotation, AnnotationTarget};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Filters for listing annotations; unset fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct AnnotationQuery {
    pub feed_id: Option<i64>,
    pub dashboard_id: Option<i64>,
    pub symbol: Option<String>,
    /// Target time (the chart point's, or the log line's) at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Target time before this.
    pub to: Option<DateTime<Utc>>,
    /// The newest `limit` matches are returned, oldest first.
    pub limit: i64,
}

/// Who may do what with an annotation: its author and room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ownership {
    pub user_id: i64,
    pub dashboard_id: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    dashboard: String,
    feed: String,
    symbol: Option<String>,
    point_ts: Option<DateTime<Utc>>,
    log_seq: Option<i64>,
    username: String,
    text: String,
    ts: DateTime<Utc>,
    parent_id: Option<i64>,
}

impl From<Row> for Annotation {
    fn from(r: Row) -> Self {
        let target = match (r.symbol, r.point_ts) {
            (Some(symbol), Some(ts)) => AnnotationTarget::Point { feed: r.feed, symbol, ts },
            _ => AnnotationTarget::LogLine { feed: r.feed, seq: r.log_seq.unwrap_or_default() },
        };
        Annotation {
            id: r.id,
            dashboard: r.dashboard,
            target,
            user: r.username,
            text: r.text,
            ts: r.ts,
            parent_id: r.parent_id,
            deleted: false,
        }
    }
}

const SELECT: &str = "SELECT a.id, d.slug AS dashboard, f.name AS feed, a.symbol, a.point_ts, a.log_seq,
        u.username, a.text, a.ts, a.parent_id
    FROM annotations a
    JOIN dashboards d ON d.id = a.dashboard_id
    JOIN feeds f ON f.id = a.feed_id
    JOIN users u ON u.id = a.user_id";

/// Stores an annotation on `target` (whose feed has id `feed_id`).
pub async fn insert(
    db: &PgPool,
    dashboard_id: i64,
    feed_id: i64,
    target: &AnnotationTarget,
    user_id: i64,
    text: &str,
) -> Result<Annotation, StoreError> {
    let (symbol, point_ts, log_seq) = match target {
        AnnotationTarget::Point { symbol, ts, .. } => (Some(symbol.as_str()), Some(*ts), None),
        AnnotationTarget::LogLine { seq, .. } => (None, None, Some(*seq)),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO annotations (dashboard_id, feed_id, symbol, point_ts, log_seq, user_id, text)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(dashboard_id)
    .bind(feed_id)
    .bind(symbol)
    .bind(point_ts)
    .bind(log_seq)
    .bind(user_id)
    .bind(text)
    .fetch_one(db)
    .await?;
    by_id(db, id).await
}

/// Stores a reply to the live annotation `parent_id` of the dashboard;
/// threads stay one level deep (a reply to a reply answers its root).
/// `NotFound` when there is no such annotation in that room.
pub async fn reply(
    db: &PgPool,
    dashboard_id: i64,
    parent_id: i64,
    user_id: i64,
    text: &str,
) -> Result<Annotation, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO annotations (dashboard_id, feed_id, parent_id, symbol, point_ts, log_seq, user_id, text)
         SELECT dashboard_id, feed_id, COALESCE(parent_id, id), symbol, point_ts, log_seq, $3, $4
         FROM annotations WHERE id = $2 AND dashboard_id = $1 AND deleted_at IS NULL
         RETURNING id",
    )
    .bind(dashboard_id)
    .bind(parent_id)
    .bind(user_id)
    .bind(text)
    .fetch_optional(db)
    .await?;
    let id = id.ok_or_else(|| StoreError::NotFound(format!("annotation {parent_id}")))?;
    by_id(db, id).await
}

async fn by_id(db: &PgPool, id: i64) -> Result<Annotation, StoreError> {
    let row: Row = sqlx::query_as(&format!("{SELECT} WHERE a.id = $1")).bind(id).fetch_one(db).await?;
    Ok(row.into())
}

/// The author and room of a live annotation, if there is one.
pub async fn ownership(db: &PgPool, id: i64) -> Result<Option<Ownership>, StoreError> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT user_id, dashboard_id FROM annotations WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(user_id, dashboard_id)| Ownership { user_id, dashboard_id }))
}

/// Marks an annotation and its replies deleted; `NotFound` if it is gone.
pub async fn delete(db: &PgPool, id: i64) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE annotations SET deleted_at = now() WHERE (id = $1 OR parent_id = $1) AND deleted_at IS NULL",
    )
    .bind(id)
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("annotation {id}")));
    }
    Ok(())
}

/// Live annotations matching `q`: the newest `q.limit`, oldest first.
pub async fn list(db: &PgPool, q: &AnnotationQuery) -> Result<Vec<Annotation>, StoreError> {
    let mut rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT}
         LEFT JOIN logs l ON a.log_seq IS NOT NULL AND l.feed_id = a.feed_id AND l.seq = a.log_seq
         WHERE a.deleted_at IS NULL
           AND ($1::bigint IS NULL OR a.feed_id = $1)
           AND ($2::bigint IS NULL OR a.dashboard_id = $2)
           AND ($3::text IS NULL OR a.symbol = $3)
           AND ($4::timestamptz IS NULL OR COALESCE(a.point_ts, l.ts) >= $4)
           AND ($5::timestamptz IS NULL OR COALESCE(a.point_ts, l.ts) < $5)
         ORDER BY a.id DESC LIMIT $6"
    ))
    .bind(q.feed_id)
    .bind(q.dashboard_id)
    .bind(&q.symbol)
    .bind(q.from)
    .bind(q.to)
    .bind(q.limit)
    .fetch_all(db)
    .await?;
    rows.reverse();
    Ok(rows.into_iter().map(Annotation::from).collect())
}
