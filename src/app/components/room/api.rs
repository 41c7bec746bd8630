//! Server functions the room components load history with: the chat page
//! to (re)start from, a dashboard's annotations, and the small lists of
//! recent log lines and symbols the interaction preview shows (through the
//! same history domain as the REST API).

use crate::{
    error::AppError,
    model::{Annotation, ChatMessage, LogLine, SymbolSummary},
};
use leptos::prelude::*;

/// Chat messages asked for at once.
pub const CHAT_PAGE: i64 = 100;

/// The newest page of a room's chat, or everything after `after_id` (a
/// page at a time), oldest first.
#[server]
pub async fn room_chat(slug: String, after_id: Option<i64>) -> Result<Vec<ChatMessage>, AppError> {
    use crate::domain::interaction::{ChatPage, chat_page};
    let page = ChatPage { before_id: None, after_id, limit: CHAT_PAGE };
    chat_page(&crate::app::api::ctx::viewer().await?, &slug, page).await
}

/// Every live annotation of a room (the newest 1000), oldest first.
#[server]
pub async fn room_annotations(slug: String) -> Result<Vec<Annotation>, AppError> {
    crate::domain::interaction::room_annotations(&crate::app::api::ctx::viewer().await?, &slug, 1000).await
}

/// The newest log lines of a feed, newest first.
#[server]
pub async fn recent_log_lines(feed: String, limit: i64) -> Result<Vec<LogLine>, AppError> {
    let params = crate::domain::history::LogParams { limit: Some(limit.clamp(1, 50)), ..Default::default() };
    Ok(crate::domain::history::logs(&crate::app::api::ctx::viewer().await?, &feed, params).await?.items)
}

/// Each symbol's latest tick of a feed.
#[server]
pub async fn latest_points(feed: String) -> Result<Vec<SymbolSummary>, AppError> {
    let params = crate::domain::history::SymbolParams { recent: Some(1), ..Default::default() };
    Ok(crate::domain::history::symbols(&crate::app::api::ctx::viewer().await?, &feed, params).await?.items)
}
