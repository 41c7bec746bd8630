//! WebSocket interaction at `/api/v1/ws`: rooms per dashboard, chat,
//! annotations, presence.
//!
//! One concept per file: [`upgrade`] (origin and session checks),
//! [`connection`] (one socket's life: frames, pings, timeouts, close codes),
//! [`handle`] (what each client message does), [`rooms`] (membership,
//! presence, fan-out), `domain::interaction::settings` (limits). Which sockets a sign-out
//! closes is `domain::sockets`.

pub mod connection;
pub mod handle;
pub mod rooms;
pub mod upgrade;

pub use crate::domain::interaction::settings::WsSettings;
pub use rooms::Rooms;
pub use upgrade::upgrade;
