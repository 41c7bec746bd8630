//! Users and their password hashes.

use super::StoreError;
use crate::model::{Role, UserInfo};
use sqlx::PgPool;

/// A user row, hash included; never leaves the server.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
}

impl UserRow {
    /// The role column, which the schema restricts to known values.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Viewer)
    }

    pub fn info(&self) -> UserInfo {
        UserInfo { username: self.username.clone(), role: self.role() }
    }
}

pub async fn count(db: &PgPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(db).await?)
}

pub async fn by_name(db: &PgPool, username: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as("SELECT id, username, password_hash, role FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(db)
        .await?)
}

pub async fn by_id(db: &PgPool, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as("SELECT id, username, password_hash, role FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// All users, oldest first.
pub async fn list(db: &PgPool) -> Result<Vec<UserInfo>, StoreError> {
    let rows: Vec<UserRow> =
        sqlx::query_as("SELECT id, username, password_hash, role FROM users ORDER BY id").fetch_all(db).await?;
    Ok(rows.iter().map(UserRow::info).collect())
}

/// Inserts a user; `Conflict` when the name is taken.
pub async fn insert(db: &PgPool, username: &str, password_hash: &str, role: Role) -> Result<UserRow, StoreError> {
    sqlx::query_as(
        "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
         RETURNING id, username, password_hash, role",
    )
    .bind(username)
    .bind(password_hash)
    .bind(role.as_str())
    .fetch_one(db)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, format!("user {username:?}")))
}

/// Inserts the first user only if the table is still empty; `None` if it was not.
pub async fn insert_first(db: &PgPool, username: &str, password_hash: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as(
        "INSERT INTO users (username, password_hash, role)
         SELECT $1, $2, 'admin' WHERE NOT EXISTS (SELECT 1 FROM users)
         ON CONFLICT (username) DO NOTHING
         RETURNING id, username, password_hash, role",
    )
    .bind(username)
    .bind(password_hash)
    .fetch_optional(db)
    .await?)
}

/// Changes a user's role; `NotFound` if there is no such user.
pub async fn set_role(db: &PgPool, username: &str, role: Role) -> Result<UserInfo, StoreError> {
    let row: Option<UserRow> =
        sqlx::query_as("UPDATE users SET role = $2 WHERE username = $1 RETURNING id, username, password_hash, role")
            .bind(username)
            .bind(role.as_str())
            .fetch_optional(db)
            .await?;
    row.map(|r| r.info()).ok_or_else(|| StoreError::NotFound(format!("user {username:?}")))
}

/// How many admins exist (an admin may not demote the last one).
pub async fn admin_count(db: &PgPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin'").fetch_one(db).await?)
}
