//! One module per page.

pub mod account;
pub mod admin_alerts;
pub mod admin_cluster;
pub mod admin_dashboards;
pub mod admin_feeds;
pub mod admin_users;
pub mod dashboard;
pub mod home;
pub mod lazy;
pub mod login;
pub mod not_found;
