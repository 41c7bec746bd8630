//! Dashboards: named sets of widgets over feeds.

use super::StoreError;
use crate::model::DashboardSummary;
use sqlx::PgPool;

/// All dashboards, by title.
pub async fn list(db: &PgPool) -> Result<Vec<DashboardSummary>, StoreError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT slug, title, jsonb_array_length(widgets)::bigint FROM dashboards ORDER BY lower(title), slug",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, title, widgets)| DashboardSummary { slug, title, widget_count: widgets as usize })
        .collect())
}
