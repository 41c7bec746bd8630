//! Users, their password hashes and their session epoch.

use super::StoreError;
use crate::model::{Role, UserInfo};
use sqlx::{PgConnection, PgExecutor, PgPool};

/// The columns of a [`UserRow`], in every query that returns one.
const COLUMNS: &str = "id, username, password_hash, role, session_epoch, time_zone";

/// A user row, hash included; never leaves the server.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    /// Sessions signed in under another epoch are no longer valid.
    pub session_epoch: i64,
    /// The time zone they chose for the UI, if any.
    pub time_zone: Option<String>,
}

impl UserRow {
    /// The role column, which the schema restricts to known values.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Viewer)
    }

    pub fn info(&self) -> UserInfo {
        UserInfo { username: self.username.clone(), role: self.role(), time_zone: self.time_zone.clone() }
    }
}

pub async fn count(db: &PgPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(db).await?)
}

pub async fn by_name(db: impl PgExecutor<'_>, username: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username)
        .fetch_optional(db)
        .await?)
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(db).await?)
}

/// All users, oldest first.
pub async fn list(db: &PgPool) -> Result<Vec<UserInfo>, StoreError> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY id")).fetch_all(db).await?;
    Ok(rows.iter().map(UserRow::info).collect())
}

/// Inserts a user; `Conflict` when the name is taken.
pub async fn insert(db: &PgPool, username: &str, password_hash: &str, role: Role) -> Result<UserRow, StoreError> {
    sqlx::query_as(&format!(
        "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING {COLUMNS}"
    ))
    .bind(username)
    .bind(password_hash)
    .bind(role.as_str())
    .fetch_one(db)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, format!("user {username:?}")))
}

/// Inserts the first user only if the table is still empty; `None` if it was not.
pub async fn insert_first(db: &PgPool, username: &str, password_hash: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO users (username, password_hash, role)
         SELECT $1, $2, 'admin' WHERE NOT EXISTS (SELECT 1 FROM users)
         ON CONFLICT (username) DO NOTHING
         RETURNING {COLUMNS}"
    ))
    .bind(username)
    .bind(password_hash)
    .fetch_optional(db)
    .await?)
}

/// Serializes the changes that could leave no admin (demotions, deletions)
/// for the rest of the transaction on `tx`: the lock conflicts with itself
/// and with inserts and updates, but not with reads, so sign-ins go on.
/// Checking "is there another admin?" and acting on it is then atomic.
pub async fn lock_for_admin_change(tx: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").execute(tx).await?;
    Ok(())
}

/// Changes a user's role; `NotFound` if there is no such user.
pub async fn set_role(db: impl PgExecutor<'_>, username: &str, role: Role) -> Result<UserInfo, StoreError> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("UPDATE users SET role = $2 WHERE username = $1 RETURNING {COLUMNS}"))
            .bind(username)
            .bind(role.as_str())
            .fetch_optional(db)
            .await?;
    row.map(|r| r.info()).ok_or_else(|| StoreError::NotFound(format!("user {username:?}")))
}

/// Replaces a user's password hash and starts a new session epoch, which
/// ends every session signed in before; `None` if there is no such user.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    id: i64,
    password_hash: &str,
) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(password_hash)
    .fetch_optional(db)
    .await?)
}

/// Deletes a user (their chat messages and annotations go with them).
/// Sets (or, with `None`, forgets) the user's time zone.
pub async fn set_time_zone(db: impl PgExecutor<'_>, id: i64, zone: Option<&str>) -> Result<UserInfo, StoreError> {
    let row: UserRow = sqlx::query_as(&format!("UPDATE users SET time_zone = $2 WHERE id = $1 RETURNING {COLUMNS}"))
        .bind(id)
        .bind(zone)
        .fetch_one(db)
        .await?;
    Ok(row.info())
}

pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// How many admins exist (an admin may not demote or delete the last one).
pub async fn admin_count(db: impl PgExecutor<'_>) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin'").fetch_one(db).await?)
}
