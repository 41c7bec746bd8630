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
    /// Hands `out` to the client, waiting at most the send timeout (a timer
    /// only when the client's buffer is full: most writes find room, and a
    /// timer per event is a good part of a delivery's cost at 10,000
    /// clients).
    pub(super) async fn write(&self, out: Outgoing) -> Result<(), PumpError> {
        let out = match self.tx.try_send(out) {
            Ok(()) => return Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(PumpError::Closed),
            Err(mpsc::error::TrySendError::Full(out)) => out,
        };
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

    /// Resolves when the client is gone. Owned, so that a pump keeps one
    /// such future for its whole life instead of registering a new waiter
    /// on every event.
    pub(super) fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let tx = self.tx.clone();
        async move { tx.closed().await }
    }
}
