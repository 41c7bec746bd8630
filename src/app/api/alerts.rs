//! Server functions of the alerts admin page and the dashboard's bell:
//! thin adapters over `crate::domain::alerts`.

use crate::{
    error::AppError,
    model::{Alert, AlertSpec, Firing, MaxAge},
};
use leptos::{prelude::*, server_fn::codec::Json};

#[cfg(feature = "ssr")]
use super::ctx;

/// Every alert rule with its state.
#[server]
pub async fn list_alerts() -> Result<Vec<Alert>, AppError> {
    crate::domain::alerts::list(&ctx::viewer().await?).await
}

/// Creates a rule (admin).
#[server(input = Json)]
pub async fn create_alert(spec: AlertSpec) -> Result<Alert, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::alerts::create(&core, &admin.username, spec).await
}

/// Replaces rule `id` (admin).
#[server(input = Json)]
pub async fn update_alert(id: i64, spec: AlertSpec) -> Result<Alert, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::alerts::update(&core, &admin.username, id, spec).await
}

/// Deletes rule `id` (admin).
#[server]
pub async fn delete_alert(id: i64) -> Result<(), AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::alerts::delete(&core, &admin.username, id).await
}

/// Silences rule `id` for `duration`, or lifts its silence (admin).
#[server(input = Json)]
pub async fn silence_alert(id: i64, duration: Option<MaxAge>) -> Result<Alert, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::alerts::silence(&core, &admin.username, id, crate::model::Silence { duration }).await
}

/// Rule `id`'s newest firings.
#[server]
pub async fn alert_firings(id: i64) -> Result<Vec<Firing>, AppError> {
    crate::domain::alerts::firings(&ctx::viewer().await?, id, None).await
}

/// Marks firing `firing` of rule `id` as seen (admin).
#[server]
pub async fn acknowledge_firing(id: i64, firing: i64) -> Result<Firing, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::alerts::acknowledge(&core, &admin.username, id, firing).await
}

/// The newest firings on `feeds` (the dashboard's bell).
#[server(input = Json)]
pub async fn recent_firings(feeds: Vec<String>) -> Result<Vec<Firing>, AppError> {
    crate::domain::alerts::recent(&ctx::viewer().await?, &feeds).await
}
