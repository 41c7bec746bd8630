//! Per-installation settings.

use super::StoreError;
use sqlx::PgPool;

/// A short random id of this installation (made by the first migration).
pub async fn install_id(db: &PgPool) -> Result<String, StoreError> {
    Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = 'install_id'").fetch_one(db).await?)
}
