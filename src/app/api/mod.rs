//! Server functions the pages call. Each is a thin adapter: find the caller,
//! call the domain, return its result.

pub mod live;

use crate::{
    error::AppError,
    model::{Dashboard, DashboardSummary, Role, UserInfo},
};
use leptos::prelude::*;

pub mod alerts;
pub mod dashboards;
pub mod feeds;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    //! What a server function knows about its request.
    use crate::{
        auth::{UserRow, session},
        domain::Core,
        error::AppError,
    };
    use leptos::prelude::*;

    /// The domain's core (the router provides it to every page and server
    /// function; outside a request, e.g. while the routes are listed at
    /// start-up, there is none).
    pub fn core() -> Result<Core, AppError> {
        use_context::<Core>().ok_or_else(|| {
            tracing::debug!("a server function ran outside a request");
            AppError::internal()
        })
    }

    pub async fn session() -> Result<tower_sessions::Session, AppError> {
        leptos_axum::extract::<tower_sessions::Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session in server function");
            AppError::internal()
        })
    }

    pub async fn user() -> Result<Option<UserRow>, AppError> {
        session::user_of(&core()?, &session().await?).await
    }

    /// The core, once the caller may view dashboards (anyone with
    /// `FEEDBOARD_ANONYMOUS_VIEW`, else a signed-in user).
    pub async fn viewer() -> Result<Core, AppError> {
        let core = core()?;
        if !core.config.anonymous_view && user().await?.is_none() {
            return Err(AppError::unauthorized());
        }
        Ok(core)
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
    let core = ctx::core()?;
    let ConnectInfo(peer) =
        leptos_axum::extract::<ConnectInfo<SocketAddr>>().await.map_err(|_| AppError::internal())?;
    let user = crate::auth::login::authenticate(&core, peer.ip(), &username, &password).await?;
    crate::auth::session::sign_in(&core, &ctx::session().await?, &user).await?;
    leptos_axum::redirect(&local_path(next.as_deref()));
    Ok(user.info())
}

/// Signs out and closes this session's WebSockets.
#[server]
pub async fn logout() -> Result<(), AppError> {
    crate::auth::session::sign_out(&ctx::core()?, &ctx::session().await?).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Every dashboard, for the home page (to those who may view them).
#[server(endpoint = "list_dashboards")]
pub async fn list_dashboards() -> Result<Vec<DashboardSummary>, AppError> {
    crate::domain::dashboards::summaries(&ctx::viewer().await?).await
}

/// One dashboard with its widgets.
#[server]
pub async fn get_dashboard(slug: String) -> Result<Dashboard, AppError> {
    crate::domain::dashboards::get(&ctx::viewer().await?, &slug).await
}

/// The live nodes of the cluster (admin).
#[server]
pub async fn cluster_info() -> Result<crate::model::ClusterInfo, AppError> {
    ctx::admin().await?;
    crate::domain::cluster::info(&ctx::core()?).await
}

/// All users (admin).
#[server]
pub async fn list_users() -> Result<Vec<UserInfo>, AppError> {
    ctx::admin().await?;
    crate::auth::users::list(&ctx::core()?).await
}

/// Creates a user (admin).
#[server]
pub async fn create_user(username: String, password: String, role: Role) -> Result<UserInfo, AppError> {
    let admin = ctx::admin().await?;
    let new = crate::auth::users::NewUser { username, password, role };
    crate::auth::users::create(&ctx::core()?, &admin.username, new).await
}

/// Changes a user's role (admin).
#[server]
pub async fn set_user_role(username: String, role: Role) -> Result<UserInfo, AppError> {
    let admin = ctx::admin().await?;
    crate::auth::users::set_role(&ctx::core()?.db, &admin.username, &username, role).await
}

/// Sets a user's new password (admin). That user's sessions are signed
/// out and their sockets closed (the admin's own session stays).
#[server]
pub async fn reset_user_password(username: String, password: String) -> Result<UserInfo, AppError> {
    let admin = ctx::admin().await?;
    let session = ctx::session().await?;
    let keep = crate::auth::session::login_token(&session).await?;
    let updated =
        crate::auth::users::update(&ctx::core()?, &admin, keep.as_deref(), &username, None, Some(password)).await?;
    if let Some(own) = &updated.own {
        crate::auth::session::renew(&session, own).await?;
    }
    Ok(updated.info)
}

/// Deletes a user (admin); refuses the last admin.
#[server]
pub async fn delete_user(username: String) -> Result<(), AppError> {
    let admin = ctx::admin().await?;
    crate::auth::users::delete(&ctx::core()?, &admin.username, &username).await
}

/// Changes the signed-in user's own password (`confirm` must repeat
/// `new`); their other sessions are signed out, this one stays.
#[server]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<(), AppError> {
    use axum::extract::ConnectInfo;
    if new != confirm {
        return Err(AppError::invalid_fields(vec![crate::error::FieldError {
            field: "confirm".into(),
            message: "does not match the new password".into(),
        }]));
    }
    use std::net::SocketAddr;
    let core = ctx::core()?;
    let ConnectInfo(peer) =
        leptos_axum::extract::<ConnectInfo<SocketAddr>>().await.map_err(|_| AppError::internal())?;
    let session = ctx::session().await?;
    let user = ctx::user().await?.ok_or_else(AppError::unauthorized)?;
    let keep = crate::auth::session::login_token(&session).await?;
    let updated = crate::auth::users::change_password(&core, peer.ip(), &user, &current, new, keep.as_deref()).await?;
    crate::auth::session::renew(&session, &updated).await
}

/// Keeps `zone` as the signed-in user's time zone.
#[server]
pub async fn save_time_zone(zone: String) -> Result<(), AppError> {
    let user = ctx::user().await?.ok_or_else(AppError::unauthorized)?;
    crate::auth::users::set_time_zone(&ctx::core()?, &user, Some(&zone)).await.map(|_| ())
}

/// `next` if it is a path on this site, else `/` (no open redirects).
///
/// Only a single leading `/` followed by no second `/` is accepted, with no
/// backslash and no control character anywhere: browsers treat `\` like
/// `/` and drop tabs and newlines, so `/\evil.example` and
/// `/<TAB>/evil.example` would become `//evil.example`, another site.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if is_local_path(p) => p.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(p: &str) -> bool {
    let mut chars = p.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !p.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace() && c != ' ')
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/admin/users")), "/admin/users");
        assert_eq!(local_path(Some("/d/markets?log=app:7")), "/d/markets?log=app:7");
        assert_eq!(local_path(Some("/")), "/");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn paths_that_browsers_would_turn_into_another_site_are_refused() {
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\t\t//evil.example",
            "\t//evil.example",
            " //evil.example",
            "/\\\\evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "/a\\..\\..\\evil",
            "/\u{0}/evil.example",
            "/\u{1b}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{85}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{3000}/evil.example",
            "///evil.example",
            "",
            "evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(local_path(Some(hostile)), "/", "{hostile:?} must not be followed");
        }
        // Percent-encoded controls stay encoded in the redirect: still a
        // path here, which the browser does not decode into a host.
        assert_eq!(local_path(Some("/%09/evil.example")), "/%09/evil.example");
    }
}
