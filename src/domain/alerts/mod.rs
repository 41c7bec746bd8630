//! Alerts: rules over one feed, evaluated on the server from committed data
//! ([`engine`]), fired once per crossing ([`evaluate`]), delivered live to
//! the feed's viewers and to a webhook ([`webhooks`]).

pub mod engine;
pub mod evaluate;
pub mod webhooks;

use crate::{
    domain::Core,
    error::{AppError, FieldError},
    model::{Alert, AlertSpec, FeedKind, Firing, Silence},
    store::{self, alerts::Start},
};
use chrono::{TimeDelta, Utc};
use evaluate::Memory;
use serde_json::json;

/// Most firings one page lists.
pub const FIRINGS_PAGE: i64 = 100;

/// Every rule.
pub async fn list(core: &Core) -> Result<Vec<Alert>, AppError> {
    Ok(store::alerts::list(&core.db).await?.into_iter().map(|r| r.alert).collect())
}

/// One rule, or 404.
pub async fn get(core: &Core, id: i64) -> Result<Alert, AppError> {
    Ok(find(core, id).await?.alert)
}

async fn find(core: &Core, id: i64) -> Result<store::alerts::AlertRow, AppError> {
    store::alerts::by_id(&core.db, id).await?.ok_or_else(|| AppError::not_found(format!("alert {id}")))
}

/// Creates a rule; it watches what its feed stores from now on.
pub async fn create(core: &Core, actor: &str, spec: AlertSpec) -> Result<Alert, AppError> {
    let feed_id = validate(core, &spec).await?;
    let id = store::alerts::insert(&core.db, &spec, feed_id, &start(core, feed_id).await?).await?;
    store::audit::record(&core.db, actor, "alert.create", &target(id), json!(spec)).await?;
    get(core, id).await
}

/// Replaces a rule. A changed rule, feed or switch starts watching afresh
/// from now on; a new name or webhook keeps where it was.
pub async fn update(core: &Core, actor: &str, id: i64, spec: AlertSpec) -> Result<Alert, AppError> {
    let before = find(core, id).await?;
    let feed_id = validate(core, &spec).await?;
    let old = &before.alert.spec;
    let restart = old.rule != spec.rule || before.feed_id != feed_id || old.enabled != spec.enabled;
    let start = if restart { Some(start(core, feed_id).await?) } else { None };
    store::alerts::update(&core.db, id, &spec, feed_id, start.as_ref()).await?;
    store::audit::record(&core.db, actor, "alert.update", &target(id), json!(spec)).await?;
    get(core, id).await
}

pub async fn delete(core: &Core, actor: &str, id: i64) -> Result<(), AppError> {
    store::alerts::delete(&core.db, id).await?;
    store::audit::record(&core.db, actor, "alert.delete", &target(id), json!({})).await?;
    Ok(())
}

/// Holds a rule's firings back for a while, or lifts the silence.
pub async fn silence(core: &Core, actor: &str, id: i64, silence: Silence) -> Result<Alert, AppError> {
    let until = silence
        .duration
        .map(|d| Utc::now() + TimeDelta::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 1000)));
    store::alerts::silence(&core.db, id, until).await?;
    store::audit::record(&core.db, actor, "alert.silence", &target(id), json!(silence)).await?;
    get(core, id).await
}

/// A rule's firings, newest first (older than `before`, to page back).
pub async fn firings(core: &Core, id: i64, before: Option<i64>) -> Result<Vec<Firing>, AppError> {
    find(core, id).await?;
    Ok(store::alerts::firings(&core.db, id, before, FIRINGS_PAGE).await?)
}

/// The newest firings on the named feeds (a dashboard's bell).
pub async fn recent(core: &Core, feeds: &[String]) -> Result<Vec<Firing>, AppError> {
    let ids: Vec<i64> = store::feeds::by_names(&core.db, feeds).await?.into_iter().map(|f| f.id).collect();
    Ok(store::alerts::recent_firings(&core.db, &ids, FIRINGS_PAGE).await?)
}

/// Marks a firing as seen.
pub async fn acknowledge(core: &Core, actor: &str, id: i64, firing: i64) -> Result<Firing, AppError> {
    let acknowledged = store::alerts::acknowledge(&core.db, id, firing, actor).await?;
    store::audit::record(&core.db, actor, "alert.acknowledge", &target(id), json!({"firing": firing})).await?;
    Ok(acknowledged)
}

/// Field checks plus: the feed exists and stores what the rule reads; the
/// feed's id.
async fn validate(core: &Core, spec: &AlertSpec) -> Result<i64, AppError> {
    spec.validate().map_err(AppError::invalid_fields)?;
    let Some(feed) = store::feeds::by_name(&core.db, &spec.feed).await? else {
        return Err(field("feed", format!("no feed named {:?}", spec.feed)));
    };
    let needs = spec.rule.reads_ticks().map(|ticks| if ticks { FeedKind::Ticks } else { FeedKind::Logs });
    if let Some(kind) = needs.filter(|kind| *kind != feed.spec.kind) {
        let message = format!(
            "a {} rule needs a {} feed; {:?} stores {}",
            spec.rule.type_name(),
            kind.as_str(),
            spec.feed,
            feed.spec.kind.as_str()
        );
        return Err(field("rule.type", message));
    }
    Ok(feed.id)
}

fn field(field: &str, message: String) -> AppError {
    AppError::invalid_fields(vec![FieldError { field: field.to_owned(), message }])
}

/// A rule starting now: after the feed's newest message.
async fn start(core: &Core, feed_id: i64) -> Result<Start, AppError> {
    let watermark = store::history::last_seq(&core.db, feed_id).await?;
    let memory = serde_json::to_value(Memory::starting(Utc::now())).unwrap_or_default();
    Ok(Start { watermark, memory })
}

fn target(id: i64) -> String {
    format!("alert:{id}")
}
