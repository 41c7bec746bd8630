//! Dashboards: named sets of widgets over feeds.

use super::StoreError;
use crate::model::{Dashboard, DashboardSummary, Widget};
use sqlx::{PgPool, types::Json};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    slug: String,
    title: String,
    widgets: Json<Vec<Widget>>,
}

/// A stored dashboard with its database id.
#[derive(Clone, Debug)]
pub struct DashboardRow {
    pub id: i64,
    pub dashboard: Dashboard,
}

impl From<Row> for DashboardRow {
    fn from(r: Row) -> Self {
        DashboardRow { id: r.id, dashboard: Dashboard { slug: r.slug, title: r.title, widgets: r.widgets.0 } }
    }
}

/// All dashboards, by title.
pub async fn list(db: &PgPool) -> Result<Vec<Dashboard>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as("SELECT id, slug, title, widgets FROM dashboards ORDER BY lower(title), slug")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| DashboardRow::from(r).dashboard).collect())
}

/// All dashboards as lines of a list.
pub async fn summaries(db: &PgPool) -> Result<Vec<DashboardSummary>, StoreError> {
    Ok(list(db)
        .await?
        .into_iter()
        .map(|d| DashboardSummary { widget_count: d.widgets.len(), slug: d.slug, title: d.title })
        .collect())
}

pub async fn by_slug(db: &PgPool, slug: &str) -> Result<Option<DashboardRow>, StoreError> {
    let row: Option<Row> = sqlx::query_as("SELECT id, slug, title, widgets FROM dashboards WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await?;
    Ok(row.map(DashboardRow::from))
}

/// Creates a dashboard; `Conflict` if the slug is taken.
pub async fn insert(db: &PgPool, d: &Dashboard) -> Result<DashboardRow, StoreError> {
    let id: i64 = sqlx::query_scalar("INSERT INTO dashboards (slug, title, widgets) VALUES ($1, $2, $3) RETURNING id")
        .bind(&d.slug)
        .bind(d.title.trim())
        .bind(Json(&d.widgets))
        .fetch_one(db)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("dashboard {:?}", d.slug)))?;
    Ok(DashboardRow { id, dashboard: d.clone() })
}

/// Replaces the dashboard `slug` with `d` (which may change the slug).
pub async fn update(db: &PgPool, slug: &str, d: &Dashboard) -> Result<DashboardRow, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE dashboards SET slug = $2, title = $3, widgets = $4, updated_at = now() WHERE slug = $1 RETURNING id",
    )
    .bind(slug)
    .bind(&d.slug)
    .bind(d.title.trim())
    .bind(Json(&d.widgets))
    .fetch_optional(db)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, format!("dashboard {:?}", d.slug)))?;
    let id = id.ok_or_else(|| StoreError::NotFound(format!("dashboard {slug:?}")))?;
    Ok(DashboardRow { id, dashboard: d.clone() })
}

pub async fn delete(db: &PgPool, slug: &str) -> Result<(), StoreError> {
    let done = sqlx::query("DELETE FROM dashboards WHERE slug = $1").bind(slug).execute(db).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("dashboard {slug:?}")));
    }
    Ok(())
}
