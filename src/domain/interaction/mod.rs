//! Chat and annotations: who may write where, what is checked and stored,
//! and the history pages. The WebSocket handler broadcasts what these
//! return; the REST API and the room's server functions read through them.

pub mod settings;

use super::Core;
use crate::{
    error::AppError,
    model::{
        Annotation, AnnotationTarget, ChatMessage, FeedKind, Role, ServerMessage, TextError, WsErrorCode, check_text,
    },
    store::{self, StoreError, annotations::AnnotationQuery, dashboards::DashboardRow, users::UserRow},
};
use chrono::{DateTime, Utc};

pub use crate::store::chat::ChatPage;

/// Why a client's interaction message was refused; sent back to it alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: WsErrorCode,
    pub message: String,
}

impl Refusal {
    /// A refusal with `code`.
    pub fn new(code: WsErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// A malformed or impossible request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(WsErrorCode::BadRequest, message)
    }

    /// The `error` message for a failed client message of type `request`.
    pub fn into_message(self, request: Option<&str>) -> ServerMessage {
        ServerMessage::Error { code: self.code, message: self.message, request: request.map(str::to_owned) }
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Refusal::bad_request(format!("{what} not found")),
            StoreError::Conflict(what) => Refusal::bad_request(format!("{what} already exists")),
            e @ (StoreError::Db(_) | StoreError::Fenced(_)) => {
                tracing::error!(error = %e, "storing an interaction message failed");
                Refusal::new(WsErrorCode::Unavailable, "the message could not be stored; try again")
            }
        }
    }
}

impl From<TextError> for Refusal {
    fn from(e: TextError) -> Self {
        Refusal::new(e.code(), e.to_string())
    }
}

/// A signed-in user writing in a room they joined.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    pub user: &'a UserRow,
    pub room: &'a DashboardRow,
}

/// The room (dashboard) `slug`, to join.
pub async fn room(core: &Core, slug: &str) -> Result<DashboardRow, Refusal> {
    store::dashboards::by_slug(&core.db, slug)
        .await?
        .ok_or_else(|| Refusal::bad_request(format!("no dashboard {slug:?}")))
}

/// Stores a chat message.
pub async fn chat(core: &Core, w: Writer<'_>, text: &str) -> Result<ChatMessage, Refusal> {
    check_text(text)?;
    Ok(store::chat::insert(&core.db, w.room.id, &w.room.dashboard.slug, w.user.id, &w.user.username, text).await?)
}

/// Stores an annotation on a chart point or log line of a feed the room shows.
pub async fn annotate(
    core: &Core,
    w: Writer<'_>,
    target: &AnnotationTarget,
    text: &str,
) -> Result<Annotation, Refusal> {
    check_text(text)?;
    let feed_id = target_feed(core, w.room, target).await?;
    Ok(store::annotations::insert(&core.db, w.room.id, feed_id, target, w.user.id, text).await?)
}

/// Stores a reply to annotation `parent_id` of the room.
pub async fn reply(core: &Core, w: Writer<'_>, parent_id: i64, text: &str) -> Result<Annotation, Refusal> {
    check_text(text)?;
    Ok(store::annotations::reply(&core.db, w.room.id, parent_id, w.user.id, text).await?)
}

/// Deletes annotation `id` of the room: its author or an admin only.
pub async fn delete_annotation(core: &Core, w: Writer<'_>, id: i64) -> Result<(), Refusal> {
    let owner = store::annotations::ownership(&core.db, id)
        .await?
        .filter(|o| o.dashboard_id == w.room.id)
        .ok_or_else(|| Refusal::bad_request(format!("annotation {id} not found in {:?}", w.room.dashboard.slug)))?;
    // The role may have changed since the socket opened: ask again.
    let is_admin = store::users::by_id(&core.db, w.user.id).await?.is_some_and(|u| u.role() == Role::Admin);
    if owner.user_id != w.user.id && !is_admin {
        return Err(Refusal::new(WsErrorCode::Forbidden, "only its author or an admin may delete an annotation"));
    }
    Ok(store::annotations::delete(&core.db, id).await?)
}

/// The id of the target's feed, which must be one the dashboard shows, of
/// the kind the target needs.
async fn target_feed(core: &Core, room: &DashboardRow, target: &AnnotationTarget) -> Result<i64, Refusal> {
    let name = target.feed();
    if !room.dashboard.widgets.iter().any(|w| w.feed == name) {
        return Err(Refusal::bad_request(format!("the dashboard does not show feed {name:?}")));
    }
    let feed = store::feeds::by_name(&core.db, name)
        .await?
        .ok_or_else(|| Refusal::bad_request(format!("no feed {name:?}")))?;
    let wanted = match target {
        AnnotationTarget::Point { .. } => FeedKind::Ticks,
        AnnotationTarget::LogLine { .. } => FeedKind::Logs,
    };
    if feed.spec.kind != wanted {
        return Err(Refusal::bad_request(format!("feed {name:?} has no {}", wanted.as_str())));
    }
    Ok(feed.id)
}

/// A page of room `slug`'s chat, oldest first (404 for an unknown room).
pub async fn chat_page(core: &Core, slug: &str, page: ChatPage) -> Result<Vec<ChatMessage>, AppError> {
    let room = super::dashboards::find(core, slug).await?;
    Ok(store::chat::page(&core.db, room.id, slug, page).await?)
}

/// Which annotations of a feed to list.
#[derive(Clone, Debug, Default)]
pub struct FeedAnnotations {
    /// Only this dashboard's.
    pub dashboard: Option<String>,
    /// Only points of this symbol.
    pub symbol: Option<String>,
    /// Target time at or after this…
    pub from: Option<DateTime<Utc>>,
    /// …and before this.
    pub to: Option<DateTime<Utc>>,
    /// The newest this many matches.
    pub limit: i64,
}

/// Annotations (and replies) on feed `name`, oldest first.
pub async fn feed_annotations(core: &Core, name: &str, f: FeedAnnotations) -> Result<Vec<Annotation>, AppError> {
    let feed = super::feeds::find(core, name).await?;
    let dashboard_id = match f.dashboard.as_deref() {
        Some(slug) => Some(super::dashboards::find(core, slug).await?.id),
        None => None,
    };
    let query = AnnotationQuery {
        feed_id: Some(feed.id),
        dashboard_id,
        symbol: f.symbol,
        from: super::history::check_time("from", f.from)?,
        to: super::history::check_time("to", f.to)?,
        limit: f.limit,
    };
    Ok(store::annotations::list(&core.db, &query).await?)
}

/// The newest `limit` annotations of room `slug`, oldest first.
pub async fn room_annotations(core: &Core, slug: &str, limit: i64) -> Result<Vec<Annotation>, AppError> {
    let room = super::dashboards::find(core, slug).await?;
    let query = AnnotationQuery { dashboard_id: Some(room.id), limit, ..Default::default() };
    Ok(store::annotations::list(&core.db, &query).await?)
}
