//! Signing in and out, and finding the user behind a request's session.
//!
//! A signed-in session holds the user's id, the user's session epoch at
//! sign-in (a password change or reset moves the epoch on, which ends every
//! older session), and a login token that stays the same for the life of
//! the login, through session-id changes: the WebSockets opened with the
//! session are registered under it, so signing out closes them.

use crate::{domain::Core, error::AppError, store::users::UserRow};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use tower_sessions::Session;

const USER_ID: &str = "user_id";
const EPOCH: &str = "session_epoch";
const LOGIN: &str = "login_token";

/// A session's signed-in user and the token of that login.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: UserRow,
    /// Stable for the whole login; WebSockets are registered under it.
    pub login: String,
}

/// The signed-in user of `session` and the login's token, if the session is
/// signed in and still valid (the user exists, the epoch is current).
pub async fn signed_in(core: &Core, session: &Session) -> Result<Option<SignedIn>, AppError> {
    let Some(id) = session.get::<i64>(USER_ID).await.map_err(session_error)? else {
        return Ok(None);
    };
    let epoch = session.get::<i64>(EPOCH).await.map_err(session_error)?.unwrap_or(0);
    let user = crate::store::users::by_id(&core.db, id).await?;
    let Some(user) = user.filter(|u| u.session_epoch == epoch) else {
        // Deleted, or signed out everywhere since: forget the session.
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    };
    let login = match session.get::<String>(LOGIN).await.map_err(session_error)? {
        Some(login) => login,
        None => {
            // Signed in before login tokens existed.
            let login = new_login_token();
            session.insert(LOGIN, &login).await.map_err(session_error)?;
            login
        }
    };
    Ok(Some(SignedIn { user, login }))
}

/// Loads the signed-in user of `session`, if any.
pub async fn user_of(core: &Core, session: &Session) -> Result<Option<UserRow>, AppError> {
    Ok(signed_in(core, session).await?.map(|s| s.user))
}

/// Binds `user` to the session under a fresh id (no session fixation).
/// Signing in again as the same user keeps the login (and its sockets);
/// as someone else, the previous login's sockets are closed.
pub async fn sign_in(core: &Core, session: &Session, user: &UserRow) -> Result<(), AppError> {
    let previous_user = session.get::<i64>(USER_ID).await.map_err(session_error)?;
    let previous_epoch = session.get::<i64>(EPOCH).await.map_err(session_error)?.unwrap_or(0);
    let previous_login = session.get::<String>(LOGIN).await.map_err(session_error)?;
    let login = match previous_login {
        Some(login) if previous_user == Some(user.id) && previous_epoch == user.session_epoch => login,
        Some(login) => {
            core.sockets.close_login(&login);
            new_login_token()
        }
        None => new_login_token(),
    };
    session.cycle_id().await.map_err(session_error)?;
    session.insert(USER_ID, user.id).await.map_err(session_error)?;
    session.insert(EPOCH, user.session_epoch).await.map_err(session_error)?;
    session.insert(LOGIN, login).await.map_err(session_error)
}

/// Keeps this session signed in after its user's epoch moved on (the user
/// changed their own password), under a fresh id.
pub async fn renew(session: &Session, user: &UserRow) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(EPOCH, user.session_epoch).await.map_err(session_error)
}

/// The login token of `session`, if it is signed in.
pub async fn login_token(session: &Session) -> Result<Option<String>, AppError> {
    session.get::<String>(LOGIN).await.map_err(session_error)
}

/// Ends the session and closes the WebSockets opened with it.
pub async fn sign_out(core: &Core, session: &Session) -> Result<(), AppError> {
    if let Some(login) = login_token(session).await? {
        core.sockets.close_login(&login);
    }
    session.flush().await.map_err(session_error)
}

fn new_login_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::internal()
}

/// The signed-in user of a request; rejects with 401 when there is none.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub UserRow);

impl CurrentUser {
    /// Rejects with 403 unless the user is an admin.
    pub fn require_admin(self) -> Result<Self, AppError> {
        if self.0.role() == crate::model::Role::Admin { Ok(self) } else { Err(AppError::forbidden()) }
    }
}

/// The signed-in user of a request, if any.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<UserRow>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser
where
    Core: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await.map_err(|(_, msg)| {
            tracing::error!(msg, "session layer missing");
            AppError::internal()
        })?;
        Ok(MaybeUser(user_of(&Core::from_ref(state), &session).await?))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser
where
    Core: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        user.map(CurrentUser).ok_or_else(AppError::unauthorized)
    }
}

/// Someone allowed to watch: anyone when anonymous viewing is on
/// (`FEEDBOARD_ANONYMOUS_VIEW`), else a signed-in user (401 otherwise).
#[derive(Clone, Debug)]
pub struct Viewer(pub Option<UserRow>);

impl<S: Send + Sync> FromRequestParts<S> for Viewer
where
    Core: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        if user.is_none() && !Core::from_ref(state).config.anonymous_view {
            return Err(AppError::unauthorized());
        }
        Ok(Viewer(user))
    }
}

/// A signed-in admin; 401 without a session, 403 for viewers.
#[derive(Clone, Debug)]
pub struct Admin(pub UserRow);

impl<S: Send + Sync> FromRequestParts<S> for Admin
where
    Core: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?.require_admin()?;
        Ok(Admin(user))
    }
}
