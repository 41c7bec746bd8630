//! Server functions the room components load history with: the chat page
//! to (re)start from, a dashboard's annotations, and the small lists of
//! recent log lines and symbols the interaction preview shows.

use crate::{
    error::AppError,
    model::{Annotation, ChatMessage, LogLine},
};
use leptos::prelude::*;

/// Chat messages asked for at once.
pub const CHAT_PAGE: i64 = 100;

#[cfg(feature = "ssr")]
mod viewer {
    //! The same viewing rule as the REST API and the dashboard page.
    use crate::{app::api::ctx, error::AppError, server::AppState, store::dashboards::DashboardRow};

    /// The app state, once the caller may view dashboards.
    pub async fn state() -> Result<AppState, AppError> {
        let state = ctx::state();
        if !state.config.anonymous_view && ctx::user().await?.is_none() {
            return Err(AppError::unauthorized());
        }
        Ok(state)
    }

    /// A dashboard the caller may view, or 404.
    pub async fn room(slug: &str) -> Result<(AppState, DashboardRow), AppError> {
        let state = state().await?;
        let room = crate::store::dashboards::by_slug(&state.db, slug)
            .await?
            .ok_or_else(|| AppError::not_found(format!("dashboard {slug:?}")))?;
        Ok((state, room))
    }
}

/// The newest page of a room's chat, or everything after `after_id` (a
/// page at a time), oldest first.
#[server]
pub async fn room_chat(slug: String, after_id: Option<i64>) -> Result<Vec<ChatMessage>, AppError> {
    use crate::store::chat::{ChatPage, page};
    let (state, room) = viewer::room(&slug).await?;
    Ok(page(&state.db, room.id, &slug, ChatPage { before_id: None, after_id, limit: CHAT_PAGE }).await?)
}

/// Every live annotation of a room (the newest 1000), oldest first.
#[server]
pub async fn room_annotations(slug: String) -> Result<Vec<Annotation>, AppError> {
    use crate::store::annotations::{AnnotationQuery, list};
    let (state, room) = viewer::room(&slug).await?;
    Ok(list(&state.db, &AnnotationQuery { dashboard_id: Some(room.id), limit: 1000, ..Default::default() }).await?)
}

/// The newest log lines of a feed, newest first.
#[server]
pub async fn recent_log_lines(feed: String, limit: i64) -> Result<Vec<LogLine>, AppError> {
    use crate::store::history::{LogQuery, logs};
    let state = viewer::state().await?;
    let feed = crate::admin::feeds::find(&state, &feed).await?;
    Ok(logs(&state.db, feed.id, &LogQuery { limit: limit.clamp(1, 50), ..Default::default() }).await?)
}

/// A symbol's latest tick time and price.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatestPoint {
    pub symbol: String,
    pub price: f64,
    #[serde(with = "crate::model::time")]
    pub ts: chrono::DateTime<chrono::Utc>,
}

/// Each symbol's latest tick of the last 24 hours.
#[server]
pub async fn latest_points(feed: String) -> Result<Vec<LatestPoint>, AppError> {
    let state = viewer::state().await?;
    let feed = crate::admin::feeds::find(&state, &feed).await?;
    let since = chrono::Utc::now() - chrono::Duration::hours(24);
    Ok(crate::store::history::symbols(&state.db, feed.id, since)
        .await?
        .into_iter()
        .map(|s| LatestPoint { symbol: s.symbol, price: s.last, ts: s.ts })
        .collect())
}
