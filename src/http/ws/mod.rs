//! WebSocket interaction: rooms, chat, annotations, presence.

mod sockets;

pub use sockets::SessionSockets;
