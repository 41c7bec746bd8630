//! The pages most visitors never open (account, admin) as lazy routes: in
//! a split build (`cargo leptos build --split`) their code is a separate
//! wasm chunk that the browser fetches the first time one is shown, so the
//! dashboards load and hydrate without it.

use super::{
    account::AccountPage, admin_alerts::AdminAlertsPage, admin_cluster::AdminClusterPage,
    admin_dashboards::AdminDashboardsPage, admin_feeds::AdminFeedsPage, admin_users::AdminUsersPage,
};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// A lazy route named `$route` that shows the component `$page`.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($page), "`, loaded on demand.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    Account => AccountPage,
    AdminAlerts => AdminAlertsPage,
    AdminCluster => AdminClusterPage,
    AdminDashboards => AdminDashboardsPage,
    AdminFeeds => AdminFeedsPage,
    AdminUsers => AdminUsersPage,
}
