//! User management: creating users, changing roles and passwords, deleting
//! users, and the first admin. Every change is audited.
//!
//! The rule "there is always an admin" is checked and acted on inside one
//! transaction that holds `store::users::lock_for_admin_change`, so two
//! concurrent demotions (or deletions) cannot both pass the check.

use super::{login, password::Passwords};
use crate::{
    domain::Core,
    error::{AppError, ErrorCode, FieldError},
    model::{Role, UserInfo},
    store::{self, StoreError, users::UserRow},
};
use rand::{Rng, distributions::Alphanumeric};
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;

/// What an admin submits to create a user.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// Validates and creates a user, recording who did it.
pub async fn create(core: &Core, actor: &str, new: NewUser) -> Result<UserInfo, AppError> {
    let mut fields = Vec::new();
    if let Err(msg) = validate_username(&new.username) {
        fields.push(FieldError { field: "username".into(), message: msg.into() });
    }
    if let Err(msg) = validate_password(&new.password) {
        fields.push(FieldError { field: "password".into(), message: msg.into() });
    }
    if !fields.is_empty() {
        return Err(AppError::invalid_fields(fields));
    }
    let hash = core.passwords.hash(new.password).await?;
    let row = store::users::insert(&core.db, &new.username, &hash, new.role).await?;
    store::audit::record(&core.db, actor, "user.create", &target(&row.username), json!({"role": new.role})).await?;
    Ok(row.info())
}

/// Changes a user's role; refuses (409) to demote the last admin.
pub async fn set_role(db: &PgPool, actor: &str, username: &str, role: Role) -> Result<UserInfo, AppError> {
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    store::users::lock_for_admin_change(&mut tx).await?;
    let current = store::users::by_name(&mut *tx, username).await?.ok_or_else(|| AppError::not_found("user"))?;
    if current.role() == Role::Admin && role != Role::Admin && store::users::admin_count(&mut *tx).await? <= 1 {
        return Err(AppError::new(ErrorCode::Conflict, "cannot demote the last admin"));
    }
    let info = store::users::set_role(&mut *tx, username, role).await?;
    store::audit::record(&mut *tx, actor, "user.role", &target(username), json!({"role": role})).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(info)
}

/// Deletes a user and closes their sockets (their sessions end with the
/// row); refuses (409) to delete the last admin.
pub async fn delete(core: &Core, actor: &str, username: &str) -> Result<(), AppError> {
    let mut tx = core.db.begin().await.map_err(StoreError::from)?;
    store::users::lock_for_admin_change(&mut tx).await?;
    let user = store::users::by_name(&mut *tx, username).await?.ok_or_else(|| AppError::not_found("user"))?;
    if user.role() == Role::Admin && store::users::admin_count(&mut *tx).await? <= 1 {
        return Err(AppError::new(ErrorCode::Conflict, "cannot delete the last admin"));
    }
    store::users::delete(&mut *tx, user.id).await?;
    store::audit::record(&mut *tx, actor, "user.delete", &target(username), json!({"role": user.role()})).await?;
    tx.commit().await.map_err(StoreError::from)?;
    core.sockets.close_user(user.id, None);
    Ok(())
}

/// The result of [`update`].
#[derive(Debug)]
pub struct Updated {
    pub info: UserInfo,
    /// Set when the admin reset their own password: the caller's session
    /// must be renewed with it to stay signed in.
    pub own: Option<UserRow>,
}

/// An admin's change to a user: the role and/or a new password (at least
/// one). The password is validated first; the role is changed before the
/// password, so a refused demotion changes nothing. `keep` is the admin's
/// own login, which a reset of their own password leaves open.
pub async fn update(
    core: &Core,
    admin: &UserRow,
    keep: Option<&str>,
    username: &str,
    role: Option<Role>,
    password: Option<String>,
) -> Result<Updated, AppError> {
    if let Some(password) = &password {
        validate_new_password("password", password)?;
    }
    let mut updated = match role {
        Some(role) => Updated { info: set_role(&core.db, &admin.username, username, role).await?, own: None },
        None if password.is_some() => Updated {
            info: store::users::by_name(&core.db, username).await?.ok_or_else(|| AppError::not_found("user"))?.info(),
            own: None,
        },
        None => return Err(AppError::new(ErrorCode::Invalid, "nothing to change: send `role` and/or `password`")),
    };
    if let Some(password) = password {
        let row = reset_password(core, &admin.username, username, password, keep).await?;
        updated.info = row.info();
        updated.own = (row.id == admin.id).then_some(row);
    }
    Ok(updated)
}

/// Sets a user's password (an admin's reset): every session and socket of
/// that user ends, except the login `keep` (the admin's own, when resetting
/// their own password). Returns the updated row.
pub async fn reset_password(
    core: &Core,
    actor: &str,
    username: &str,
    password: String,
    keep: Option<&str>,
) -> Result<UserRow, AppError> {
    validate_new_password("password", &password)?;
    let user = store::users::by_name(&core.db, username).await?.ok_or_else(|| AppError::not_found("user"))?;
    let updated = store_password(core, actor, "user.password_reset", &user, password).await?;
    core.sockets.close_user(user.id, keep);
    Ok(updated)
}

/// A signed-in user's own change: `current` must be their password (a
/// wrong one is a 422 on `current`, and counts against the sign-in limits
/// of `ip`). Every other session and socket of the user ends; the caller
/// keeps the login `keep` and must renew its session with the returned row.
pub async fn change_password(
    core: &Core,
    ip: IpAddr,
    user: &UserRow,
    current: &str,
    new: String,
    keep: Option<&str>,
) -> Result<UserRow, AppError> {
    validate_new_password("new", &new)?;
    match login::authenticate(core, ip, &user.username, current).await {
        Ok(_) => {}
        Err(e) if e.code == ErrorCode::Unauthorized => {
            return Err(field_error("current", "is not your current password"));
        }
        Err(e) => return Err(e),
    }
    let updated = store_password(core, &user.username, "user.password_change", user, new).await?;
    core.sockets.close_user(user.id, keep);
    Ok(updated)
}

/// Hashes and stores a new password (which moves the user's session epoch
/// on) and audits it, in one transaction.
async fn store_password(
    core: &Core,
    actor: &str,
    action: &str,
    user: &UserRow,
    password: String,
) -> Result<UserRow, AppError> {
    let hash = core.passwords.hash(password).await?;
    let mut tx = core.db.begin().await.map_err(StoreError::from)?;
    let updated =
        store::users::set_password(&mut *tx, user.id, &hash).await?.ok_or_else(|| AppError::not_found("user"))?;
    store::audit::record(&mut *tx, actor, action, &target(&user.username), json!({})).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(updated)
}

fn target(username: &str) -> String {
    format!("user:{username}")
}

fn field_error(field: &str, message: &str) -> AppError {
    AppError::invalid_fields(vec![FieldError { field: field.into(), message: message.into() }])
}

fn validate_username(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > login::MAX_USERNAME_BYTES {
        return Err("must be 1 to 64 characters");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return Err("may only contain letters, digits, '_', '.' and '-'");
    }
    Ok(())
}

/// Checks a new password, naming `field` in the 422 when it is unfit.
pub fn validate_new_password(field: &str, password: &str) -> Result<(), AppError> {
    validate_password(password).map_err(|msg| field_error(field, msg))
}

fn validate_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 8 {
        return Err("must be at least 8 characters");
    }
    if password.len() > login::MAX_PASSWORD_BYTES {
        return Err("must be at most 1024 bytes");
    }
    Ok(())
}

/// Creates the first admin (`admin`) when there are no users. Without a
/// configured password one is generated and returned so it can be shown once.
pub async fn bootstrap_admin(
    db: &PgPool,
    passwords: &Passwords,
    configured: Option<&str>,
) -> Result<Option<String>, AppError> {
    if store::users::count(db).await? > 0 {
        return Ok(None);
    }
    let generated = configured.is_none();
    let password = configured
        .map(str::to_owned)
        .unwrap_or_else(|| rand::thread_rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect());
    let hash = passwords.hash(password.clone()).await?;
    let created = store::users::insert_first(db, "admin", &hash).await?;
    Ok(created.filter(|_| generated).map(|_| password))
}

/// Keeps `zone` as the time zone `user` sees times in (`None` forgets it).
pub async fn set_time_zone(core: &Core, user: &UserRow, zone: Option<&str>) -> Result<UserInfo, AppError> {
    if let Some(zone) = zone.filter(|z| !crate::model::is_time_zone(z)) {
        let _ = zone;
        let known = crate::model::NAMED_ZONES.join(", ");
        return Err(field_error("time_zone", &format!("unknown time zone; use browser, UTC or one of {known}")));
    }
    Ok(store::users::set_time_zone(&core.db, user.id, zone).await?)
}

/// Every user, by id.
pub async fn list(core: &Core) -> Result<Vec<UserInfo>, AppError> {
    Ok(store::users::list(&core.db).await?)
}

#[cfg(test)]
mod tests {
    use super::{validate_password, validate_username};

    #[test]
    fn usernames() {
        assert!(validate_username("alice.b-2_x").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("a b").is_err());
        assert!(validate_username("<img>").is_err());
        assert!(validate_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn passwords() {
        assert!(validate_password("long enough").is_ok());
        assert_eq!(validate_password("short"), Err("must be at least 8 characters"));
        assert!(validate_password(&"x".repeat(1025)).is_err());
    }
}
