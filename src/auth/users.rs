//! User management: sign-in checks, creating users, changing roles, and the
//! first admin.

use super::{password, rate_limit::RateLimiter};
use crate::{
    error::{AppError, ErrorCode, FieldError},
    model::{Role, UserInfo},
    store::{self, users::UserRow},
};
use rand::{Rng, distributions::Alphanumeric};
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;

/// Throttles failed sign-in attempts per (address, username).
pub type LoginLimiter = RateLimiter<(IpAddr, String)>;

/// A limiter allowing 10 quick failures, then one attempt every 3 seconds.
pub fn login_limiter() -> LoginLimiter {
    RateLimiter::new(10, 1.0 / 3.0)
}

/// Checks a username and password; the same 401 for an unknown user and a
/// wrong password, after the same amount of work. Only failures count
/// against the rate limit.
pub async fn authenticate(
    db: &PgPool,
    limiter: &LoginLimiter,
    ip: IpAddr,
    username: &str,
    password: &str,
) -> Result<UserRow, AppError> {
    let key = (ip, username.to_owned());
    if let Err(wait) = limiter.check(&key) {
        return Err(AppError::new(
            ErrorCode::RateLimited,
            format!("too many sign-in attempts; try again in {} s", wait.as_secs() + 1),
        ));
    }
    let user = store::users::by_name(db, username).await?;
    let hash = user.as_ref().map_or(password::dummy_hash().to_owned(), |u| u.password_hash.clone());
    match user {
        Some(user) if password::verify(password.to_owned(), hash).await => {
            limiter.refund(&key);
            Ok(user)
        }
        _ => Err(AppError::new(ErrorCode::Unauthorized, "wrong username or password")),
    }
}

/// What an admin submits to create a user.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// Validates and creates a user, recording who did it.
pub async fn create(db: &PgPool, actor: &str, new: NewUser) -> Result<UserInfo, AppError> {
    let mut fields = Vec::new();
    if let Err(msg) = validate_username(&new.username) {
        fields.push(FieldError { field: "username".into(), message: msg.into() });
    }
    if new.password.chars().count() < 8 {
        fields.push(FieldError { field: "password".into(), message: "must be at least 8 characters".into() });
    }
    if !fields.is_empty() {
        return Err(AppError::invalid_fields(fields));
    }
    let hash = password::hash(new.password).await;
    let row = store::users::insert(db, &new.username, &hash, new.role).await?;
    store::audit::record(db, actor, "user.create", &format!("user:{}", row.username), json!({"role": new.role}))
        .await?;
    Ok(row.info())
}

/// Changes a user's role; refuses to demote the last admin.
pub async fn set_role(db: &PgPool, actor: &str, username: &str, role: Role) -> Result<UserInfo, AppError> {
    let current = store::users::by_name(db, username).await?.ok_or_else(|| AppError::not_found("user"))?;
    if current.role() == Role::Admin && role != Role::Admin && store::users::admin_count(db).await? <= 1 {
        return Err(AppError::new(ErrorCode::Conflict, "cannot demote the last admin"));
    }
    let info = store::users::set_role(db, username, role).await?;
    store::audit::record(db, actor, "user.role", &format!("user:{username}"), json!({"role": role})).await?;
    Ok(info)
}

fn validate_username(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 64 {
        return Err("must be 1 to 64 characters");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return Err("may only contain letters, digits, '_', '.' and '-'");
    }
    Ok(())
}

/// Creates the first admin (`admin`) when there are no users. Without a
/// configured password one is generated and returned so it can be shown once.
pub async fn bootstrap_admin(db: &PgPool, configured: Option<&str>) -> Result<Option<String>, AppError> {
    if store::users::count(db).await? > 0 {
        return Ok(None);
    }
    let generated = configured.is_none();
    let password = configured
        .map(str::to_owned)
        .unwrap_or_else(|| rand::thread_rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect());
    let hash = password::hash(password.clone()).await;
    let created = store::users::insert_first(db, "admin", &hash).await?;
    Ok(created.filter(|_| generated).map(|_| password))
}

#[cfg(test)]
mod tests {
    use super::validate_username;

    #[test]
    fn usernames() {
        assert!(validate_username("alice.b-2_x").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("a b").is_err());
        assert!(validate_username("<img>").is_err());
    }
}
