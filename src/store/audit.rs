//! The audit trail: who changed what, when.

use super::StoreError;
use serde_json::Value;
use sqlx::PgExecutor;

/// Records that `actor` did `action` to `target`.
pub async fn record(
    db: impl PgExecutor<'_>,
    actor: &str,
    action: &str,
    target: &str,
    details: Value,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)")
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(details)
        .execute(db)
        .await?;
    Ok(())
}
