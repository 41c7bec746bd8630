//! Who is asking: passwords, sessions, roles and login throttling.

pub mod login;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod users;

pub use crate::store::users::UserRow;
pub use session::{Admin, CurrentUser, MaybeUser, Viewer};
