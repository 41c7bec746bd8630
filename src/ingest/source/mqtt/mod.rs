//! MQTT (v5) sessions: QoS 1 subscription in a persistent session with a
//! stable client id, acknowledged only after the message is stored.

use super::{
    Ack, Delivery, SourceContext, SourceError, Stopping, credentials,
    ending::{MqttLeave, mqtt_leave},
};
mod ephemeral;
#[cfg(test)]
mod tests;

pub use ephemeral::{connect_ephemeral, discard_session};

use crate::ingest::backoff::Backoff;
use crate::model::FeedState;
use rumqttc::{
    Outgoing,
    v5::{
        AsyncClient, Event, EventLoop, MqttOptions,
        mqttbytes::{
            QoS,
            v5::{Packet, Publish, SubscribeReasonCode},
        },
    },
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long the broker keeps our session (and queued messages) while we
/// are away.
const SESSION_EXPIRY_SECS: u32 = 7 * 24 * 3600;

/// Largest incoming packet. Bigger payloads than the feed's limit are still
/// taken (and rejected with a reason, keeping a prefix); the byte budget
/// bounds what is held at once.
pub const MAX_PACKET: u32 = 16 * 1024 * 1024;

/// How long leaving a broker (unsubscribe, disconnect) may take.
const LEAVE_LIMIT: Duration = Duration::from_secs(5);

/// Acknowledges one MQTT delivery, if its connection is still the current one.
pub struct MqttAck {
    client: AsyncClient,
    /// The delivery without its payload: only the packet id counts.
    publish: Publish,
    epoch: u64,
    current: Arc<AtomicU64>,
}

impl MqttAck {
    pub async fn ack(self) {
        if self.current.load(Ordering::Acquire) != self.epoch {
            return;
        }
        if let Err(e) = self.client.ack(&self.publish).await {
            tracing::debug!(error = %e, "MQTT ack not sent; the broker will redeliver");
        }
    }
}

/// Builds client options from a `mqtt://` / `mqtts://` URL (credentials in
/// the URL's user info). Errors name the problem, never the URL.
pub fn options(url: &str, client_id: &str) -> Result<MqttOptions, SourceError> {
    let parsed = url::Url::parse(url).map_err(|e| SourceError::Url(e.to_string()))?;
    let tls = match parsed.scheme() {
        "mqtts" | "ssl" => true,
        "mqtt" | "tcp" => false,
        other => return Err(SourceError::Url(format!("unsupported scheme {other:?}"))),
    };
    let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| SourceError::Url("no host".into()))?;
    let port = parsed.port().unwrap_or(if tls { 8883 } else { 1883 });
    let mut options = MqttOptions::new(client_id, host.trim_matches(['[', ']']), port);
    options.set_keep_alive(Duration::from_secs(15)).set_connection_timeout(5);
    if let Some((user, password)) = credentials(&parsed) {
        options.set_credentials(user, password);
    }
    if tls {
        options.set_transport(rumqttc::Transport::tls_with_default_config());
    }
    Ok(options)
}

/// What the poller hands the session: a delivery, or another event.
enum Polled {
    Delivery(Delivery),
    Event(Event),
    Failed(SourceError),
}

/// Polls the event loop in a task of its own, so a poll is never cancelled
/// halfway (an ack taken off the request channel would be lost), and so the
/// event loop never waits for the writer. Publishes become deliveries once
/// the byte budget has room for them; while it has none, reading stops.
/// After `forwarding` is cancelled, publishes are neither forwarded nor
/// acknowledged: the broker keeps them for the next session.
fn spawn_poller(
    mut events: EventLoop,
    client: AsyncClient,
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
                    let _ = tx.send(Polled::Failed(e.into()));
                    return;
                }
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    epoch.fetch_add(1, Ordering::AcqRel);
                    Polled::Event(Event::Incoming(Packet::ConnAck(ack)))
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    if forwarding.is_cancelled() {
                        continue;
                    }
                    monitor.add_received(1);
                    let held = tokio::select! {
                        held = budget.take(publish.payload.len()) => held,
                        _ = forwarding.cancelled() => continue,
                    };
                    let Publish { payload, topic, .. } = &publish;
                    Polled::Delivery(Delivery {
                        payload: payload.clone(),
                        origin: String::from_utf8_lossy(topic).into_owned(),
                        envelope: Default::default(),
                        received_at: chrono::Utc::now(),
                        held: Some(held),
                        ack: Ack::Mqtt(MqttAck {
                            client: client.clone(),
                            epoch: epoch.load(Ordering::Acquire),
                            current: epoch.clone(),
                            publish: Publish { payload: bytes::Bytes::new(), ..publish },
                        }),
                    })
                }
                Ok(event) => {
                    let _ = tx.send(Polled::Event(event));
                    continue;
                }
            };
            if tx.send(polled).is_err() {
                return;
            }
        }
    });
    (rx, AbortOnDrop(task))
}

/// One connection: subscribe on every CONNACK, forward publishes; on a stop,
/// keep the connection until what was delivered is acknowledged, then leave.
/// Ends with `Ok` after a stop, with the error that broke the connection
/// otherwise.
pub async fn session(
    url: &str,
    topic: &str,
    ctx: &SourceContext,
    stopping: &Stopping,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    let mut options = options(url, &ctx.client_id)?;
    let receive_max = ctx.settings.mqtt_receive_maximum;
    options
        .set_clean_start(false)
        .set_session_expiry_interval(Some(SESSION_EXPIRY_SECS))
        .set_manual_acks(true)
        .set_receive_maximum(Some(receive_max))
        .set_max_packet_size(Some(MAX_PACKET))
        // Acks queue here; room for one per message the broker may have in flight.
        .set_request_channel_capacity(usize::from(receive_max) + 64);
    let (client, events) = AsyncClient::new(options, usize::from(receive_max) + 64);
    let forwarding = CancellationToken::new();
    let (mut polled, _poller) = spawn_poller(events, client.clone(), ctx, forwarding.clone());
    loop {
        let next = tokio::select! {
            next = polled.recv() => next,
            _ = stopping.requested() => break,
        };
        match next {
            None => return Err(SourceError::Timeout("MQTT event loop ended")),
            Some(Polled::Failed(e)) => return Err(e),
            Some(Polled::Event(Event::Incoming(Packet::ConnAck(_)))) => {
                client.subscribe(topic, QoS::AtLeastOnce).await?;
            }
            Some(Polled::Event(Event::Incoming(Packet::SubAck(ack)))) => {
                if let Some(refused) = ack.return_codes.iter().find(|c| !matches!(c, SubscribeReasonCode::Success(_))) {
                    return Err(SourceError::Subscription { topic: topic.to_owned(), reason: format!("{refused:?}") });
                }
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
    leave(url, topic, ctx, stopping, &client, &mut polled).await;
    Ok(())
}

/// Waits until the writer is done (its acks travel through the poller),
/// then leaves the broker as the feed's ending asks. (The pipeline stops the
/// source before it says `drained`.)
async fn leave(
    url: &str,
    topic: &str,
    ctx: &SourceContext,
    stopping: &Stopping,
    client: &AsyncClient,
    polled: &mut mpsc::UnboundedReceiver<Polled>,
) {
    loop {
        tokio::select! {
            _ = stopping.drained() => break,
            next = polled.recv() => if matches!(next, None | Some(Polled::Failed(_))) { return },
        }
    }
    let leave = mqtt_leave(url, topic, &stopping.ending());
    let left = async {
        if leave == MqttLeave::Unsubscribe {
            client.unsubscribe(topic).await?;
            until(polled, |e| matches!(e, Event::Incoming(Packet::UnsubAck(_)))).await?;
        }
        client.disconnect().await?;
        until(polled, |e| matches!(e, Event::Outgoing(Outgoing::Disconnect))).await?;
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
        && let Err(e) = discard_session(url, &ctx.client_id).await
    {
        tracing::warn!(feed = %ctx.feed_name, error = %e, "could not remove the feed's MQTT session");
    }
}

/// Reads the poller's output until an event `wanted` picks.
async fn until(polled: &mut mpsc::UnboundedReceiver<Polled>, wanted: fn(&Event) -> bool) -> Result<(), SourceError> {
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
