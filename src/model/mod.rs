//! Types shared by the server and the browser, as they travel in JSON.

mod name;
mod user;

pub use name::{Slug, SlugError};
pub use user::{Role, UserInfo};
mod dashboard;
pub use dashboard::{Dashboard, DashboardSummary, Widget, WidgetKind};
