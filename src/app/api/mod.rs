//! Server functions the pages call. Each is a thin adapter: find the caller,
//! call the domain, return its result.

pub mod live;

use crate::{
    error::AppError,
    model::{Dashboard, DashboardSummary, Role, UserInfo},
};
use leptos::prelude::*;

pub mod dashboards;
pub mod feeds;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    //! What a server function knows about its request.
    use crate::{auth::session, error::AppError, server::AppState, store::users::UserRow};
    use leptos::prelude::*;

    pub fn state() -> AppState {
        expect_context::<AppState>()
    }

    pub async fn session() -> Result<tower_sessions::Session, AppError> {
        leptos_axum::extract::<tower_sessions::Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session in server function");
            AppError::internal()
        })
    }

    pub async fn user() -> Result<Option<UserRow>, AppError> {
        session::user_of(&state(), &session().await?).await
    }

    /// The app state, once the caller may view dashboards (anyone with
    /// `FEEDBOARD_ANONYMOUS_VIEW`, else a signed-in user).
    pub async fn viewer() -> Result<AppState, AppError> {
        let state = state();
        if !state.config.anonymous_view && user().await?.is_none() {
            return Err(AppError::unauthorized());
        }
        Ok(state)
    }

    pub async fn admin() -> Result<UserRow, AppError> {
        let user = user().await?.ok_or_else(AppError::unauthorized)?;
        if user.role() == crate::model::Role::Admin { Ok(user) } else { Err(AppError::forbidden()) }
    }
}

/// The signed-in user, if any.
#[server]
pub async fn current_user() -> Result<Option<UserInfo>, AppError> {
    Ok(ctx::user().await?.map(|u| u.info()))
}

/// Signs in, then sends the browser to `next` (a local path) or home.
#[server]
pub async fn login(username: String, password: String, next: Option<String>) -> Result<UserInfo, AppError> {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let state = ctx::state();
    let ConnectInfo(peer) =
        leptos_axum::extract::<ConnectInfo<SocketAddr>>().await.map_err(|_| AppError::internal())?;
    let user =
        crate::auth::users::authenticate(&state.db, &state.login_limiter, peer.ip(), &username, &password).await?;
    crate::auth::session::sign_in(&ctx::session().await?, &user).await?;
    leptos_axum::redirect(&local_path(next.as_deref()));
    Ok(user.info())
}

/// Signs out and closes this session's WebSockets.
#[server]
pub async fn logout() -> Result<(), AppError> {
    crate::auth::session::sign_out(&ctx::state(), &ctx::session().await?).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Every dashboard, for the home page.
#[server]
pub async fn list_dashboards() -> Result<Vec<DashboardSummary>, AppError> {
    Ok(crate::store::dashboards::summaries(&ctx::state().db).await?)
}

/// One dashboard with its widgets.
#[server]
pub async fn get_dashboard(slug: String) -> Result<Dashboard, AppError> {
    crate::admin::dashboards::get(&ctx::viewer().await?, &slug).await
}

/// All users (admin).
#[server]
pub async fn list_users() -> Result<Vec<UserInfo>, AppError> {
    ctx::admin().await?;
    Ok(crate::store::users::list(&ctx::state().db).await?)
}

/// Creates a user (admin).
#[server]
pub async fn create_user(username: String, password: String, role: Role) -> Result<UserInfo, AppError> {
    let admin = ctx::admin().await?;
    let new = crate::auth::users::NewUser { username, password, role };
    crate::auth::users::create(&ctx::state().db, &admin.username, new).await
}

/// Changes a user's role (admin).
#[server]
pub async fn set_user_role(username: String, role: Role) -> Result<UserInfo, AppError> {
    let admin = ctx::admin().await?;
    crate::auth::users::set_role(&ctx::state().db, &admin.username, &username, role).await
}

/// `next` if it is a path on this site, else `/` (no open redirects).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/admin/users")), "/admin/users");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
