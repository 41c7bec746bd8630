//! One socket as the rooms see it, and the encoding every broadcast shares.

use crate::model::ServerMessage;
use axum::extract::ws::Utf8Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How the rooms reach one socket.
#[derive(Clone, Debug)]
pub struct Member {
    /// The signed-in user's name; `None` for an anonymous viewer.
    pub user: Option<String>,
    /// The socket's bounded queue of outgoing JSON texts.
    pub outbox: mpsc::Sender<Utf8Bytes>,
    /// Cancelled when the socket cannot keep up.
    pub kick: CancellationToken,
}

impl Member {
    /// Queues `text` without waiting; kicks the socket when its queue is full.
    pub fn send(&self, text: Utf8Bytes) {
        match self.outbox.try_send(text) {
            Ok(()) => metrics::counter!("feedboard_ws_messages_total", "direction" => "out").increment(1),
            Err(mpsc::error::TrySendError::Full(_)) => {
                if !self.kick.is_cancelled() {
                    metrics::counter!("feedboard_ws_slow_closed_total").increment(1);
                    tracing::info!(user = ?self.user, "closing a WebSocket that cannot keep up");
                }
                self.kick.cancel();
            }
            // The socket is closing; it leaves its rooms on the way out.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// Serializes a server message once for any number of sockets.
pub fn encode(message: &ServerMessage) -> Utf8Bytes {
    match serde_json::to_string(message) {
        Ok(json) => json.into(),
        // Our own types always serialize; keep the socket alive regardless.
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a WebSocket message");
            Utf8Bytes::from_static(r#"{"type":"error","code":"unavailable","message":"internal error"}"#)
        }
    }
}
