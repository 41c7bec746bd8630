//! Creating, changing and deleting dashboards.

use crate::{
    domain::Core,
    error::{AppError, FieldError},
    model::Dashboard,
    store,
};
use serde_json::json;

pub use crate::store::dashboards::DashboardRow;

/// One dashboard, or 404.
pub async fn get(core: &Core, slug: &str) -> Result<Dashboard, AppError> {
    Ok(find(core, slug).await?.dashboard)
}

/// One dashboard with its database id, or 404.
pub async fn find(core: &Core, slug: &str) -> Result<store::dashboards::DashboardRow, AppError> {
    store::dashboards::by_slug(&core.db, slug).await?.ok_or_else(|| AppError::not_found(format!("dashboard {slug:?}")))
}

pub async fn create(core: &Core, actor: &str, dashboard: Dashboard) -> Result<Dashboard, AppError> {
    validate(core, &dashboard).await?;
    store::dashboards::insert(&core.db, &dashboard).await?;
    store::audit::record(&core.db, actor, "dashboard.create", &target(&dashboard.slug), json!(dashboard)).await?;
    Ok(dashboard)
}

pub async fn update(core: &Core, actor: &str, slug: &str, dashboard: Dashboard) -> Result<Dashboard, AppError> {
    validate(core, &dashboard).await?;
    store::dashboards::update(&core.db, slug, &dashboard).await?;
    store::audit::record(&core.db, actor, "dashboard.update", &target(slug), json!(dashboard)).await?;
    Ok(dashboard)
}

pub async fn delete(core: &Core, actor: &str, slug: &str) -> Result<(), AppError> {
    store::dashboards::delete(&core.db, slug).await?;
    store::audit::record(&core.db, actor, "dashboard.delete", &target(slug), json!({})).await?;
    Ok(())
}

/// Field checks plus: every widget's feed exists and has the right kind.
async fn validate(core: &Core, dashboard: &Dashboard) -> Result<(), AppError> {
    dashboard.validate().map_err(AppError::invalid_fields)?;
    let feeds = store::feeds::by_names(&core.db, &dashboard.feeds()).await?;
    let mut errors = Vec::new();
    for (i, widget) in dashboard.widgets.iter().enumerate() {
        let field = format!("widgets[{i}].feed");
        match feeds.iter().find(|f| f.spec.name == widget.feed) {
            None => errors.push(FieldError { field, message: format!("no feed named {:?}", widget.feed) }),
            Some(feed) if !widget.kind.shows(feed.spec.kind) => errors.push(FieldError {
                field,
                message: format!(
                    "a {:?} widget cannot show the {} feed {:?}",
                    widget.kind,
                    feed.spec.kind.as_str(),
                    widget.feed
                ),
            }),
            Some(_) => {}
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::invalid_fields(errors)) }
}

fn target(slug: &str) -> String {
    format!("dashboard:{slug}")
}

/// Every dashboard, by title.
pub async fn list(core: &Core) -> Result<Vec<Dashboard>, AppError> {
    Ok(store::dashboards::list(&core.db).await?)
}

/// Every dashboard's slug and title, for the home page.
pub async fn summaries(core: &Core) -> Result<Vec<crate::model::DashboardSummary>, AppError> {
    Ok(store::dashboards::summaries(&core.db).await?)
}
