//! Chat messages of dashboard rooms.

use super::StoreError;
use crate::model::ChatMessage;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Which page of a room's chat to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChatPage {
    /// Only messages older than this id (the newest page without it).
    pub before_id: Option<i64>,
    /// Only messages newer than this id, the oldest first (catching up).
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// Stores a message by `user_id` in the dashboard `dashboard_id`; returns it
/// as the room will see it.
pub async fn insert(
    db: &PgPool,
    dashboard_id: i64,
    dashboard: &str,
    user_id: i64,
    username: &str,
    text: &str,
) -> Result<ChatMessage, StoreError> {
    let (id, ts): (i64, DateTime<Utc>) =
        sqlx::query_as("INSERT INTO chat_messages (dashboard_id, user_id, text) VALUES ($1, $2, $3) RETURNING id, ts")
            .bind(dashboard_id)
            .bind(user_id)
            .bind(text)
            .fetch_one(db)
            .await?;
    Ok(ChatMessage { id, dashboard: dashboard.to_owned(), user: username.to_owned(), text: text.to_owned(), ts })
}

/// A page of a room's chat, always returned oldest first: the newest `limit`
/// messages (before `before_id`), or the oldest `limit` after `after_id`.
pub async fn page(
    db: &PgPool,
    dashboard_id: i64,
    dashboard: &str,
    q: ChatPage,
) -> Result<Vec<ChatMessage>, StoreError> {
    let rows: Vec<(i64, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, username, text, ts FROM (
             SELECT c.id, u.username, c.text, c.ts
             FROM chat_messages c JOIN users u ON u.id = c.user_id
             WHERE c.dashboard_id = $1
               AND ($2::bigint IS NULL OR c.id < $2)
               AND ($3::bigint IS NULL OR c.id > $3)
             ORDER BY CASE WHEN $3::bigint IS NULL THEN -c.id ELSE c.id END
             LIMIT $4
         ) page ORDER BY id",
    )
    .bind(dashboard_id)
    .bind(q.before_id)
    .bind(q.after_id)
    .bind(q.limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, user, text, ts)| ChatMessage { id, dashboard: dashboard.to_owned(), user, text, ts })
        .collect())
}
