//! Short MQTT connections beside a feed's session: one that removes a
//! session, one without a session for previews and probes.

use super::{LEAVE_LIMIT, MAX_PACKET, options};
use crate::ingest::source::SourceError;
use rumqttc::{
    Outgoing,
    v5::{AsyncClient, Event, EventLoop, mqttbytes::v5::Packet},
};
use std::time::Duration;

/// Removes the persistent session of `client_id` (and what the broker
/// queued for it): a clean start with no expiry replaces it.
pub async fn discard_session(url: &str, client_id: &str) -> Result<(), SourceError> {
    let mut options = options(url, client_id)?;
    options.set_clean_start(true).set_session_expiry_interval(None);
    let (client, mut events) = AsyncClient::new(options, 8);
    let done = async {
        while !matches!(events.poll().await?, Event::Incoming(Packet::ConnAck(_))) {}
        client.disconnect().await?;
        while !matches!(events.poll().await?, Event::Outgoing(Outgoing::Disconnect)) {}
        Ok::<_, SourceError>(())
    };
    tokio::time::timeout(LEAVE_LIMIT, done).await.map_err(|_| SourceError::Timeout("MQTT session removal"))?
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
