//! Feed configurations.

use super::StoreError;
use crate::model::{FeedKind, FeedSpec, Mapping, Source};
use sqlx::{PgPool, types::Json};

/// A stored feed: its id and what the admin configured.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedRow {
    pub id: i64,
    pub spec: FeedSpec,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    kind: String,
    source: Json<Source>,
    mapping: Json<Mapping>,
    enabled: bool,
}

impl From<Row> for FeedRow {
    fn from(r: Row) -> Self {
        let kind = if r.kind == "logs" { FeedKind::Logs } else { FeedKind::Ticks };
        FeedRow {
            id: r.id,
            spec: FeedSpec { name: r.name, kind, source: r.source.0, mapping: r.mapping.0, enabled: r.enabled },
        }
    }
}

const COLUMNS: &str = "id, name, kind, source, mapping, enabled";

/// Every feed, by name.
pub async fn list(db: &PgPool) -> Result<Vec<FeedRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM feeds ORDER BY name")).fetch_all(db).await?;
    Ok(rows.into_iter().map(FeedRow::from).collect())
}

pub async fn by_name(db: &PgPool, name: &str) -> Result<Option<FeedRow>, StoreError> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM feeds WHERE name = $1")).bind(name).fetch_optional(db).await?;
    Ok(row.map(FeedRow::from))
}

/// Looks up several feeds at once; unknown names are left out.
pub async fn by_names(db: &PgPool, names: &[String]) -> Result<Vec<FeedRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM feeds WHERE name = ANY($1) ORDER BY name"))
        .bind(names)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(FeedRow::from).collect())
}

/// Creates a feed and its sequence counter; `Conflict` if the name is taken.
pub async fn insert(db: &PgPool, spec: &FeedSpec) -> Result<FeedRow, StoreError> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO feeds (name, kind, source, mapping, enabled) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&spec.name)
    .bind(spec.kind.as_str())
    .bind(Json(&spec.source))
    .bind(Json(&spec.mapping))
    .bind(spec.enabled)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, format!("feed {:?}", spec.name)))?;
    sqlx::query("INSERT INTO feed_positions (feed_id) VALUES ($1)").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(FeedRow { id, spec: spec.clone() })
}

/// Replaces the feed called `name` with `spec` (which may rename it).
pub async fn update(db: &PgPool, name: &str, spec: &FeedSpec) -> Result<FeedRow, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE feeds SET name = $2, kind = $3, source = $4, mapping = $5, enabled = $6, updated_at = now()
         WHERE name = $1 RETURNING id",
    )
    .bind(name)
    .bind(&spec.name)
    .bind(spec.kind.as_str())
    .bind(Json(&spec.source))
    .bind(Json(&spec.mapping))
    .bind(spec.enabled)
    .fetch_optional(db)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, format!("feed {:?}", spec.name)))?;
    let id = id.ok_or_else(|| StoreError::NotFound(format!("feed {name:?}")))?;
    Ok(FeedRow { id, spec: spec.clone() })
}

/// Deletes a feed with everything stored for it.
pub async fn delete(db: &PgPool, name: &str) -> Result<(), StoreError> {
    let done = sqlx::query("DELETE FROM feeds WHERE name = $1").bind(name).execute(db).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("feed {name:?}")));
    }
    Ok(())
}

/// Totals for a feed's status: messages stored and rejected, ever; zero
/// for a feed deleted meanwhile (a reconcile can race a delete).
pub async fn totals(db: &PgPool, feed_id: i64) -> Result<(u64, u64), StoreError> {
    let (stored, rejected): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE((SELECT last_seq FROM feed_positions WHERE feed_id = $1), 0),
                (SELECT count(*) FROM rejected_messages WHERE feed_id = $1)",
    )
    .bind(feed_id)
    .fetch_one(db)
    .await?;
    Ok((stored.max(0) as u64, rejected.max(0) as u64))
}
