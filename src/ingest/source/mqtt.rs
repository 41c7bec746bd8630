//! MQTT (v5) sessions: QoS 1 subscription in a persistent session with a
//! stable client id, acknowledged only after the message is stored.

use super::{Ack, Delivery, SourceContext, SourceError, credentials};
use crate::ingest::backoff::Backoff;
use crate::model::FeedState;
use rumqttc::v5::{
    AsyncClient, Event, EventLoop, MqttOptions,
    mqttbytes::{
        QoS,
        v5::{Packet, Publish, SubscribeReasonCode},
    },
};
use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::sync::mpsc;

/// How long the broker keeps our session (and queued messages) while we
/// are away.
const SESSION_EXPIRY_SECS: u32 = 7 * 24 * 3600;

/// Largest incoming packet; bigger payloads are rejected by the parser's
/// own limit, so this only bounds memory.
const MAX_PACKET: u32 = 16 * 1024 * 1024;

/// Acknowledges one MQTT delivery, if its connection is still the current one.
pub struct MqttAck {
    client: AsyncClient,
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

/// One connection: subscribe on every CONNACK, forward publishes, end with
/// the error that broke the connection.
pub async fn session(
    url: &str,
    topic: &str,
    ctx: &SourceContext,
    backoff: &mut Backoff,
) -> Result<Infallible, SourceError> {
    let client_id = format!("feedboard-{}-{}", ctx.install_id, ctx.feed_id);
    let mut options = options(url, &client_id)?;
    let receive_max = ctx.settings.mqtt_receive_maximum;
    options
        .set_clean_start(false)
        .set_session_expiry_interval(Some(SESSION_EXPIRY_SECS))
        .set_manual_acks(true)
        .set_receive_maximum(Some(receive_max))
        .set_max_packet_size(Some(MAX_PACKET))
        // Acks queue here; room for one per message the broker may have in flight.
        .set_request_channel_capacity(usize::from(receive_max) + 64);
    let (client, mut events) = AsyncClient::new(options, usize::from(receive_max) + 64);
    let epoch = Arc::new(AtomicU64::new(0));
    // The event loop also carries our acks, so it must never wait for the
    // writer: a forwarder does, and the broker's receive maximum bounds what
    // it holds. Dropped with the session: what it held is unacknowledged and
    // comes again.
    let (forward, mut forwarding) = mpsc::unbounded_channel::<Delivery>();
    let deliveries = ctx.deliveries.clone();
    let forwarder = AbortOnDrop(tokio::spawn(async move {
        while let Some(delivery) = forwarding.recv().await {
            if deliveries.send(delivery).await.is_err() {
                break;
            }
        }
    }));
    loop {
        match events.poll().await? {
            Event::Incoming(Packet::ConnAck(_)) => {
                epoch.fetch_add(1, Ordering::AcqRel);
                client.subscribe(topic, QoS::AtLeastOnce).await?;
            }
            Event::Incoming(Packet::SubAck(ack)) => {
                if let Some(refused) = ack.return_codes.iter().find(|c| !matches!(c, SubscribeReasonCode::Success(_))) {
                    return Err(SourceError::Subscription { topic: topic.to_owned(), reason: format!("{refused:?}") });
                }
                ctx.monitor.set_state(FeedState::Connected, None);
                backoff.reset();
            }
            Event::Incoming(Packet::Publish(publish)) => {
                ctx.monitor.add_received(1);
                let delivery = Delivery {
                    payload: publish.payload.clone(),
                    origin: String::from_utf8_lossy(&publish.topic).into_owned(),
                    received_at: chrono::Utc::now(),
                    ack: Ack::Mqtt(MqttAck {
                        client: client.clone(),
                        epoch: epoch.load(Ordering::Acquire),
                        current: epoch.clone(),
                        publish,
                    }),
                };
                forward.send(delivery).map_err(|_| SourceError::Stopped)?;
                if forwarder.0.is_finished() {
                    return Err(SourceError::Stopped);
                }
            }
            _ => {}
        }
    }
}

/// Connects without a session to `url` and returns the event loop once the
/// broker has accepted the connection (used by preview and probes).
pub async fn connect_ephemeral(url: &str, client_id: &str) -> Result<(AsyncClient, EventLoop), SourceError> {
    let mut options = options(url, client_id)?;
    options.set_clean_start(true).set_max_packet_size(Some(MAX_PACKET));
    let (client, mut events) = AsyncClient::new(options, 64);
    let connack = async {
        loop {
            if let Event::Incoming(Packet::ConnAck(_)) = events.poll().await? {
                return Ok::<_, SourceError>(());
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), connack).await.map_err(|_| SourceError::Timeout("MQTT connect"))??;
    Ok((client, events))
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "hunter2-secret";

    #[test]
    fn url_errors_never_show_the_url() {
        for url in [
            format!("mqtt://user:{PASSWORD}@127.0.0.1:99999"),
            format!("mqtt://user:{PASSWORD}@[::1"),
            format!("http://user:{PASSWORD}@h"),
            format!("mqtt://user:{PASSWORD}@/"),
        ] {
            let err = options(&url, "fb-test").unwrap_err();
            assert!(matches!(err, SourceError::Url(_)), "{err}");
            assert!(!err.to_string().contains(PASSWORD), "{err}");
        }
    }

    #[tokio::test]
    async fn connection_errors_never_show_the_password() {
        // Nothing listens on port 1.
        let url = format!("mqtt://user:{PASSWORD}@127.0.0.1:1");
        let Err(err) = connect_ephemeral(&url, "fb-test-refused").await else { panic!("nothing listens there") };
        assert!(matches!(err, SourceError::Mqtt(_)), "{err}");
        assert!(!err.to_string().contains(PASSWORD) && !format!("{err:?}").contains(PASSWORD), "{err:?}");
    }
}
