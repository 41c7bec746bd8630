//! Server functions of the dashboards admin page: thin adapters over
//! `crate::domain::dashboards`, which validates, stores and audits.

use crate::{error::AppError, model::Dashboard};
use leptos::{prelude::*, server_fn::codec::Json};

#[cfg(feature = "ssr")]
use super::ctx;

/// Creates a dashboard (admin).
#[server(input = Json)]
pub async fn create_dashboard(dashboard: Dashboard) -> Result<Dashboard, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::dashboards::create(&core, &admin.username, dashboard).await
}

/// Replaces the dashboard called `slug` (admin); the slug may change.
#[server(input = Json)]
pub async fn update_dashboard(slug: String, dashboard: Dashboard) -> Result<Dashboard, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::dashboards::update(&core, &admin.username, &slug, dashboard).await
}

/// Deletes a dashboard (admin).
#[server]
pub async fn delete_dashboard(slug: String) -> Result<(), AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::dashboards::delete(&core, &admin.username, &slug).await
}
