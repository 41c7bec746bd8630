//! The client end of a stream: writes wait at most the send timeout, and
//! the heartbeat keeps an idle connection visibly alive.

use super::{Outgoing, pump::PumpError};
use crate::model::LiveEvent;
use std::time::Duration;
use tokio::sync::mpsc;

/// Where a stream's events go.
pub(super) struct Sink {
    pub(super) tx: mpsc::Sender<Outgoing>,
    pub(super) send_timeout: Duration,
}

impl Sink {
    /// Hands `out` to the client, waiting at most the send timeout.
    pub(super) async fn write(&self, out: Outgoing) -> Result<(), PumpError> {
        match tokio::time::timeout(self.send_timeout, self.tx.send(out)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(PumpError::Closed),
            Err(_) => Err(PumpError::Stalled),
        }
    }

    /// Sends `event` with `data` (and `id`, the cursor, if any).
    pub(super) async fn send(&self, event: LiveEvent, id: Option<String>, data: String) -> Result<(), PumpError> {
        self.write(Outgoing { event: event.as_str(), id, data }).await
    }

    /// The `: keep-alive` comment and the `heartbeat` event.
    pub(super) async fn beat(&self) -> Result<(), PumpError> {
        for out in Outgoing::heartbeat() {
            self.write(out).await?;
        }
        Ok(())
    }

    /// Resolves when the client is gone.
    pub(super) async fn closed(&self) {
        self.tx.closed().await
    }
}
