//! WebSocket interaction at `/api/v1/ws`: rooms per dashboard, chat,
//! annotations, presence.
//!
//! One concept per file: [`upgrade`] (origin and session checks),
//! [`connection`] (one socket's life: frames, pings, timeouts, close codes),
//! [`handle`] (what each client message does), [`rooms`] (membership,
//! presence, fan-out), [`settings`] (limits), [`sockets`] (which sockets a
//! sign-out closes).

pub mod connection;
pub mod handle;
pub mod rooms;
pub mod settings;
mod sockets;
pub mod upgrade;

pub use rooms::Rooms;
pub use settings::WsSettings;
pub use sockets::SessionSockets;
pub use upgrade::upgrade;
