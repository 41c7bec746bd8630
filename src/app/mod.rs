//! The Leptos application: HTML shell, routes and the signed-in user.

pub mod api;
pub mod clock;
pub mod components;
#[cfg(feature = "ssr")]
mod csp;
pub mod live;
pub mod pages;
pub mod range;
mod theme;
pub mod widgets;

use crate::model::UserInfo;
use components::layout::Layout;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{Route, Router, Routes},
    path,
};
use pages::{dashboard::DashboardPage, home::HomePage, lazy, login::LoginPage, not_found::NotFound};

/// The HTML document around the app. On the server it also sets the
/// page's Content-Security-Policy, which allows the inline scripts that
/// carry this response's nonce (the theme boot script here, Leptos'
/// hydration and streaming scripts) and no others.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::set_page_policy(&options);
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <script nonce=nonce>{theme::BOOT_SCRIPT}</script>
                <HashedStylesheet options=options.clone() id="leptos" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// Who is signed in, shared by every page; refreshed after sign-in/out.
#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<UserInfo>, crate::error::AppError>>,
    pub login: ServerAction<api::Login>,
    pub logout: ServerAction<api::Logout>,
}

impl Session {
    /// The signed-in user, once loaded (`None` while loading or signed out).
    pub fn current(&self) -> Option<UserInfo> {
        self.user.get().and_then(Result::ok).flatten()
    }
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<api::Login>::new();
    let logout = ServerAction::<api::Logout>::new();
    let user = Resource::new(move || (login.version().get(), logout.version().get()), |_| api::current_user());
    provide_context(Session { user, login, logout });
    theme::Theme::provide();
    clock::Clock::provide();

    view! {
        <Title formatter=|page: String| if page.is_empty() { "feedboard".to_owned() } else { format!("{page} · feedboard") } />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/d/:slug") view=DashboardPage />
                    // Split off into their own wasm chunks (see pages::lazy).
                    <Route path=path!("/account") view={Lazy::<lazy::Account>::new()} />
                    <Route path=path!("/admin/feeds") view={Lazy::<lazy::AdminFeeds>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/dashboards") view={Lazy::<lazy::AdminDashboards>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view={Lazy::<lazy::AdminUsers>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/cluster") view={Lazy::<lazy::AdminCluster>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/alerts") view={Lazy::<lazy::AdminAlerts>::new()} ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
