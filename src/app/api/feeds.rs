//! Server functions of the feeds admin page: thin adapters over
//! `crate::domain::feeds`, `crate::history` and the preview of
//! `crate::http::feeds`, which do the validation, storage and auditing.
//!
//! Each takes the app state before its first `.await`: while the server
//! renders a page, a resource's owner can be replaced while its future still
//! runs, and context is only reachable through a live owner.

use crate::{
    error::AppError,
    model::{Feed, FeedKind, FeedSpec, Mapping, Preview, Rejected, Reparse, Retention, Source},
};
use leptos::{prelude::*, server_fn::codec::Json};

#[cfg(feature = "ssr")]
use super::ctx;

/// How long a preview waits for live messages, in milliseconds.
pub const PREVIEW_WAIT_MS: u64 = 5_000;

/// How many rejected payloads the admin page shows per feed.
pub const REJECTED_SHOWN: i64 = 50;

/// Every feed with its live status, passwords in URLs masked (admin).
#[server]
pub async fn list_feeds() -> Result<Vec<Feed>, AppError> {
    let core = ctx::core()?;
    ctx::admin().await?;
    crate::domain::feeds::list(&core).await
}

/// One feed's configuration to edit it, password masked; saving the mask
/// back keeps the stored password (admin).
#[server]
pub async fn get_feed_spec(name: String) -> Result<FeedSpec, AppError> {
    let core = ctx::core()?;
    ctx::admin().await?;
    Ok(crate::domain::feeds::get(&core, &name).await?.spec)
}

/// The retention a feed gets when created without one
/// (`FEEDBOARD_RETENTION`), for the form's "Default" choice (admin).
#[server]
pub async fn default_retention() -> Result<Retention, AppError> {
    let core = ctx::core()?;
    ctx::admin().await?;
    Ok(core.config.history.default_retention)
}

/// Creates a feed; it starts at once when enabled (admin).
#[server(input = Json)]
pub async fn create_feed(spec: FeedSpec) -> Result<Feed, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::feeds::create(&core, &admin.username, spec).await
}

/// Replaces the configuration of the feed called `name` (admin).
#[server(input = Json)]
pub async fn update_feed(name: String, spec: FeedSpec) -> Result<Feed, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::feeds::update(&core, &admin.username, &name, spec).await
}

/// Turns a feed's ingest on or off, keeping the rest of its settings (admin).
#[server]
pub async fn set_feed_enabled(name: String, enabled: bool) -> Result<Feed, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    let spec = FeedSpec { enabled, ..crate::domain::feeds::find(&core, &name).await?.spec };
    crate::domain::feeds::update(&core, &admin.username, &name, spec).await
}

/// Deletes a feed and its stored messages (admin).
#[server]
pub async fn delete_feed(name: String) -> Result<(), AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    crate::domain::feeds::delete(&core, &admin.username, &name).await
}

/// Connects with unsaved settings and shows how the next live messages
/// parse, waiting up to [`PREVIEW_WAIT_MS`] (admin). `editing` names the
/// stored feed the form edits, whose password stands in for a masked one.
#[server(input = Json)]
pub async fn preview_feed(
    kind: FeedKind,
    source: Source,
    mapping: Mapping,
    editing: Option<String>,
) -> Result<Preview, AppError> {
    let core = ctx::core()?;
    ctx::admin().await?;
    let source = match editing {
        Some(name) => {
            crate::domain::feeds::unmask(&core.secrets, &source, &crate::domain::feeds::find(&core, &name).await?)?
        }
        None => source,
    };
    crate::domain::feeds::preview(&core, kind, source, mapping, Some(PREVIEW_WAIT_MS), None).await
}

/// The latest rejected payloads of a feed with their reasons (admin).
#[server]
pub async fn rejected_messages(name: String) -> Result<Vec<Rejected>, AppError> {
    let core = ctx::core()?;
    ctx::admin().await?;
    crate::domain::history::rejected(&core, &name, Some(REJECTED_SHOWN)).await
}

/// Runs a feed's stored rejected messages through its current rules
/// (admin): with `dry_run`, only counts those that would parse now;
/// otherwise stores them, once, and removes them from the rejected list.
#[server]
pub async fn reparse_rejected(name: String, dry_run: bool) -> Result<Reparse, AppError> {
    let core = ctx::core()?;
    let admin = ctx::admin().await?;
    if dry_run {
        crate::domain::reparse::dry_run(&core, &name).await
    } else {
        crate::domain::reparse::run(&core, &admin.username, &name).await
    }
}
