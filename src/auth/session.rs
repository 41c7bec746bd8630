//! Signing in and out, and finding the user behind a request's session.

use crate::{error::AppError, server::AppState, store::users::UserRow};
use axum::{extract::FromRequestParts, http::request::Parts};
use tower_sessions::Session;

const USER_ID: &str = "user_id";

/// Loads the signed-in user of `session`, if any.
pub async fn user_of(state: &AppState, session: &Session) -> Result<Option<UserRow>, AppError> {
    let id: Option<i64> = session.get(USER_ID).await.map_err(session_error)?;
    match id {
        None => Ok(None),
        Some(id) => Ok(crate::store::users::by_id(&state.db, id).await?),
    }
}

/// Binds `user` to the session under a fresh id (no session fixation).
pub async fn sign_in(session: &Session, user: &UserRow) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(USER_ID, user.id).await.map_err(session_error)
}

/// Ends the session and closes the WebSockets opened with it.
pub async fn sign_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    if let Some(id) = session.id() {
        state.sockets.close_session(&id.to_string());
    }
    session.flush().await.map_err(session_error)
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

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await.map_err(|(_, msg)| {
            tracing::error!(msg, "session layer missing");
            AppError::internal()
        })?;
        Ok(MaybeUser(user_of(state, &session).await?))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        user.map(CurrentUser).ok_or_else(AppError::unauthorized)
    }
}

/// Someone allowed to watch: anyone when anonymous viewing is on
/// (`FEEDBOARD_ANONYMOUS_VIEW`), else a signed-in user (401 otherwise).
#[derive(Clone, Debug)]
pub struct Viewer(pub Option<UserRow>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        if user.is_none() && !state.config.anonymous_view {
            return Err(AppError::unauthorized());
        }
        Ok(Viewer(user))
    }
}

/// A signed-in admin; 401 without a session, 403 for viewers.
#[derive(Clone, Debug)]
pub struct Admin(pub UserRow);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?.require_admin()?;
        Ok(Admin(user))
    }
}
