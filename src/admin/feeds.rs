//! Creating, changing and deleting feeds; the ingest supervisor picks up
//! each change at once.

use crate::{
    error::{AppError, ErrorCode},
    model::{Feed, FeedSpec},
    server::AppState,
    store::{self, feeds::FeedRow},
};
use serde_json::json;

/// Every feed with its live status.
pub async fn list(state: &AppState) -> Result<Vec<Feed>, AppError> {
    Ok(store::feeds::list(&state.db).await?.into_iter().map(|row| with_status(state, row)).collect())
}

/// One feed with its live status.
pub async fn get(state: &AppState, name: &str) -> Result<Feed, AppError> {
    Ok(with_status(state, find(state, name).await?))
}

/// The stored feed called `name`, or 404.
pub async fn find(state: &AppState, name: &str) -> Result<FeedRow, AppError> {
    store::feeds::by_name(&state.db, name).await?.ok_or_else(|| AppError::not_found(format!("feed {name:?}")))
}

pub async fn create(state: &AppState, actor: &str, spec: FeedSpec) -> Result<Feed, AppError> {
    spec.validate().map_err(AppError::invalid_fields)?;
    let row = store::feeds::insert(&state.db, &spec).await?;
    let shown = FeedSpec { source: spec.source.redacted(), ..spec.clone() };
    store::audit::record(&state.db, actor, "feed.create", &target(&spec.name), json!(shown)).await?;
    apply(state).await?;
    Ok(with_status(state, row))
}

pub async fn update(state: &AppState, actor: &str, name: &str, mut spec: FeedSpec) -> Result<Feed, AppError> {
    spec.validate().map_err(AppError::invalid_fields)?;
    let before = find(state, name).await?;
    spec.source = spec.source.unmasked(&before.spec.source).map_err(|e| AppError::invalid_fields(vec![e]))?;
    if before.spec.kind != spec.kind {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "a feed's kind cannot change once it has data; create a new feed instead",
        ));
    }
    let row = store::feeds::update(&state.db, name, &spec).await?;
    let redact = |s: &FeedSpec| FeedSpec { source: s.source.redacted(), ..s.clone() };
    let details = json!({"before": redact(&before.spec), "after": redact(&spec)});
    store::audit::record(&state.db, actor, "feed.update", &target(name), details).await?;
    apply(state).await?;
    Ok(with_status(state, row))
}

pub async fn delete(state: &AppState, actor: &str, name: &str) -> Result<(), AppError> {
    store::feeds::delete(&state.db, name).await?;
    store::audit::record(&state.db, actor, "feed.delete", &target(name), json!({})).await?;
    apply(state).await
}

async fn apply(state: &AppState) -> Result<(), AppError> {
    state.ingest.reconcile().await.map_err(AppError::from)
}

/// The feed as shown to clients: live status, password masked.
fn with_status(state: &AppState, row: FeedRow) -> Feed {
    let spec = FeedSpec { source: row.spec.source.redacted(), ..row.spec };
    Feed { status: state.ingest.status(row.id), spec }
}

fn target(name: &str) -> String {
    format!("feed:{name}")
}
