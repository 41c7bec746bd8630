//! Creating, changing and deleting dashboards.

use crate::{
    error::{AppError, FieldError},
    model::Dashboard,
    server::AppState,
    store,
};
use serde_json::json;

/// One dashboard, or 404.
pub async fn get(state: &AppState, slug: &str) -> Result<Dashboard, AppError> {
    Ok(find(state, slug).await?.dashboard)
}

/// One dashboard with its database id, or 404.
pub async fn find(state: &AppState, slug: &str) -> Result<store::dashboards::DashboardRow, AppError> {
    store::dashboards::by_slug(&state.db, slug).await?.ok_or_else(|| AppError::not_found(format!("dashboard {slug:?}")))
}

pub async fn create(state: &AppState, actor: &str, dashboard: Dashboard) -> Result<Dashboard, AppError> {
    validate(state, &dashboard).await?;
    store::dashboards::insert(&state.db, &dashboard).await?;
    store::audit::record(&state.db, actor, "dashboard.create", &target(&dashboard.slug), json!(dashboard)).await?;
    Ok(dashboard)
}

pub async fn update(state: &AppState, actor: &str, slug: &str, dashboard: Dashboard) -> Result<Dashboard, AppError> {
    validate(state, &dashboard).await?;
    store::dashboards::update(&state.db, slug, &dashboard).await?;
    store::audit::record(&state.db, actor, "dashboard.update", &target(slug), json!(dashboard)).await?;
    Ok(dashboard)
}

pub async fn delete(state: &AppState, actor: &str, slug: &str) -> Result<(), AppError> {
    store::dashboards::delete(&state.db, slug).await?;
    store::audit::record(&state.db, actor, "dashboard.delete", &target(slug), json!({})).await?;
    Ok(())
}

/// Field checks plus: every widget's feed exists and has the right kind.
async fn validate(state: &AppState, dashboard: &Dashboard) -> Result<(), AppError> {
    dashboard.validate().map_err(AppError::invalid_fields)?;
    let feeds = store::feeds::by_names(&state.db, &dashboard.feeds()).await?;
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
