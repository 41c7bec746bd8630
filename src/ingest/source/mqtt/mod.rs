//! MQTT sessions (version 5 or 3.1.1, over TCP, TLS or WebSocket): QoS 1
//! subscription in a persistent session with a stable client id,
//! acknowledged only after the message is stored.

use super::{
    Ack, Delivery, SourceContext, SourceError, Stopping,
    ending::{MqttLeave, mqtt_leave},
};
pub mod client;
mod ephemeral;
#[cfg(test)]
mod tests;
mod version;

pub use client::{Client, Protocol, Target};
pub use ephemeral::{connect_ephemeral, discard_session};
use version::Broke;
pub use version::Negotiated;

use crate::ingest::backoff::Backoff;
use crate::model::FeedState;
use client::{Events, Happened, Receipt, SessionKind};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Largest incoming packet. Bigger payloads than the feed's limit are still
/// taken (and rejected with a reason, keeping a prefix); the byte budget
/// bounds what is held at once.
pub const MAX_PACKET: u32 = 16 * 1024 * 1024;

/// How long leaving a broker (unsubscribe, disconnect) may take.
const LEAVE_LIMIT: Duration = Duration::from_secs(5);

/// Acknowledges one MQTT delivery, if its connection is still the current one.
pub struct MqttAck {
    client: Client,
    receipt: Receipt,
    epoch: u64,
    current: Arc<AtomicU64>,
}

impl MqttAck {
    pub async fn ack(self) {
        if self.current.load(Ordering::Acquire) != self.epoch {
            return;
        }
        if let Err(e) = self.client.ack(&self.receipt).await {
            tracing::debug!(error = %e, "MQTT ack not sent; the broker will redeliver");
        }
    }
}

/// What the poller hands the session: a delivery, or another event.
enum Polled {
    Delivery(Delivery),
    Event(Happened),
    Failed(SourceError),
}

/// Polls the event loop in a task of its own, so a poll is never cancelled
/// halfway (an ack taken off the request channel would be lost), and so the
/// event loop never waits for the writer. Publishes become deliveries once
/// the byte budget has room for them; while it has none, reading stops.
/// After `forwarding` is cancelled, publishes are neither forwarded nor
/// acknowledged: the broker keeps them for the next session.
fn spawn_poller(
    mut events: Events,
    client: Client,
    ctx: &SourceContext,
    forwarding: CancellationToken,
) -> (mpsc::UnboundedReceiver<Polled>, AbortOnDrop) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (budget, monitor) = (ctx.budget.clone(), ctx.monitor.clone());
    let epoch = Arc::new(AtomicU64::new(0));
    let task = tokio::spawn(async move {
        loop {
            let polled = match events.poll().await {
                Err(e) => {
                    let _ = tx.send(Polled::Failed(e));
                    return;
                }
                Ok(Happened::ConnAck) => {
                    epoch.fetch_add(1, Ordering::AcqRel);
                    Polled::Event(Happened::ConnAck)
                }
                Ok(Happened::Publish { topic, payload, receipt }) => {
                    if forwarding.is_cancelled() {
                        continue;
                    }
                    monitor.add_received(1);
                    let held = tokio::select! {
                        held = budget.take(payload.len()) => held,
                        _ = forwarding.cancelled() => continue,
                    };
                    Polled::Delivery(Delivery {
                        payload,
                        origin: topic,
                        envelope: Default::default(),
                        received_at: chrono::Utc::now(),
                        held: Some(held),
                        ack: Ack::Mqtt(MqttAck {
                            client: client.clone(),
                            receipt,
                            epoch: epoch.load(Ordering::Acquire),
                            current: epoch.clone(),
                        }),
                    })
                }
                Ok(event) => Polled::Event(event),
            };
            if tx.send(polled).is_err() {
                return;
            }
        }
    });
    (rx, AbortOnDrop(task))
}

/// A feed's MQTT source: connects with the version `negotiated` says,
/// falling back to 3.1.1 once when `auto` meets a broker that refuses 5.
/// Ends with `Ok` after a stop, with the error that broke the connection
/// otherwise.
pub async fn session(
    target: &Target<'_>,
    topic: &str,
    negotiated: &mut Negotiated,
    ctx: &SourceContext,
    stopping: &Stopping,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    loop {
        let protocol = negotiated.next();
        let Err(broke) = connection(target, topic, protocol, ctx, stopping, backoff).await else { return Ok(()) };
        if let Some(error) = negotiated.failed(protocol, broke, &ctx.feed_name) {
            return Err(error);
        }
    }
}

/// One connection: subscribe on every CONNACK, forward publishes; on a stop,
/// keep the connection until what was delivered is acknowledged, then leave.
async fn connection(
    target: &Target<'_>,
    topic: &str,
    protocol: Protocol,
    ctx: &SourceContext,
    stopping: &Stopping,
    backoff: &mut Backoff,
) -> Result<(), Broke> {
    let receive_max = ctx.settings.mqtt_receive_maximum;
    // Acks queue in the request channel; room for one per message the broker may have in flight.
    let kind = SessionKind::Persistent { receive_max };
    let opened = client::open(target, protocol, kind, usize::from(receive_max) + 64);
    let (client, events) = opened.map_err(|error| Broke { error, accepted: false })?;
    let forwarding = CancellationToken::new();
    let (mut polled, _poller) = spawn_poller(events, client.clone(), ctx, forwarding.clone());
    let mut accepted = false;
    let broke = |error, accepted| Broke { error, accepted };
    loop {
        let next = tokio::select! {
            next = polled.recv() => next,
            _ = stopping.requested() => break,
        };
        match next {
            None => return Err(broke(SourceError::Timeout("MQTT event loop ended"), accepted)),
            Some(Polled::Failed(e)) => return Err(broke(e, accepted)),
            Some(Polled::Event(Happened::ConnAck)) => {
                accepted = true;
                ctx.monitor.set_mqtt_version(Some(protocol.version()));
                client.subscribe(topic).await.map_err(|e| broke(e, accepted))?;
            }
            Some(Polled::Event(Happened::SubAck { refused: Some(reason) })) => {
                return Err(broke(SourceError::Subscription { topic: topic.to_owned(), reason }, accepted));
            }
            Some(Polled::Event(Happened::SubAck { refused: None })) => {
                ctx.monitor.set_state(FeedState::Connected, None);
                backoff.reset();
            }
            Some(Polled::Delivery(delivery)) => {
                if ctx.intake.send(delivery).await.is_err() {
                    break; // the feed is stopping, or its writer is gone
                }
            }
            Some(Polled::Event(_)) => {}
        }
    }
    forwarding.cancel();
    leave(target, topic, protocol, ctx, stopping, &client, &mut polled).await;
    Ok(())
}

/// Waits until the writer is done (its acks travel through the poller),
/// then leaves the broker as the feed's ending asks. (The pipeline stops the
/// source before it says `drained`.)
async fn leave(
    target: &Target<'_>,
    topic: &str,
    protocol: Protocol,
    ctx: &SourceContext,
    stopping: &Stopping,
    client: &Client,
    polled: &mut mpsc::UnboundedReceiver<Polled>,
) {
    loop {
        tokio::select! {
            _ = stopping.drained() => break,
            next = polled.recv() => if matches!(next, None | Some(Polled::Failed(_))) { return },
        }
    }
    let leave = mqtt_leave(target.url, topic, &stopping.ending());
    let left = async {
        if leave == MqttLeave::Unsubscribe {
            client.unsubscribe(topic).await?;
            until(polled, |e| matches!(e, Happened::UnsubAck)).await?;
        }
        client.disconnect().await?;
        until(polled, |e| matches!(e, Happened::DisconnectSent)).await?;
        // Read on until the broker closes the connection: closing a socket
        // with unread data resets it, and the broker may then drop the acks
        // and the DISCONNECT it had not read yet.
        while let Some(polled) = polled.recv().await {
            if let Polled::Failed(_) = polled {
                break;
            }
        }
        Ok::<_, SourceError>(())
    };
    match tokio::time::timeout(LEAVE_LIMIT, left).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(feed = %ctx.feed_name, error = %e, "MQTT disconnect"),
        Err(_) => tracing::debug!(feed = %ctx.feed_name, "MQTT disconnect timed out"),
    }
    if leave == MqttLeave::Discard
        && let Err(e) = discard_session(target, protocol.version()).await
    {
        tracing::warn!(feed = %ctx.feed_name, error = %e, "could not remove the feed's MQTT session");
    }
}

/// Reads the poller's output until an event `wanted` picks.
async fn until(polled: &mut mpsc::UnboundedReceiver<Polled>, wanted: fn(&Happened) -> bool) -> Result<(), SourceError> {
    loop {
        match polled.recv().await {
            Some(Polled::Event(e)) if wanted(&e) => return Ok(()),
            Some(Polled::Failed(e)) => return Err(e),
            None => return Err(SourceError::Timeout("MQTT event loop ended")),
            Some(_) => {}
        }
    }
}

/// Aborts a task when dropped.
pub(super) struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
