//! Short MQTT connections beside a feed's session: one that removes a
//! session, one without a session for previews, probes and the demo.

use super::{
    LEAVE_LIMIT,
    client::{self, Client, Events, Happened, Protocol, SessionKind, Target},
    version::{Broke, Negotiated},
};
use crate::{ingest::source::SourceError, model::MqttVersion};
use std::time::Duration;

/// Removes the persistent session of `target.client_id` (and what the
/// broker queued for it): a clean start with no expiry replaces it.
pub async fn discard_session(target: &Target<'_>, version: MqttVersion) -> Result<(), SourceError> {
    let done = async {
        let (client, mut events, _) = connect(target, version, SessionKind::Discard).await?;
        client.disconnect().await?;
        while !matches!(events.poll().await?, Happened::DisconnectSent) {}
        Ok::<_, SourceError>(())
    };
    tokio::time::timeout(LEAVE_LIMIT, done).await.map_err(|_| SourceError::Timeout("MQTT session removal"))?
}

/// Connects without a session and returns the connection once the broker
/// has accepted it, with the version it speaks.
pub async fn connect_ephemeral(
    target: &Target<'_>,
    version: MqttVersion,
) -> Result<(Client, Events, Protocol), SourceError> {
    connect(target, version, SessionKind::Clean).await
}

/// Connects as `kind` says, falling back to 3.1.1 where `version` allows.
async fn connect(
    target: &Target<'_>,
    version: MqttVersion,
    kind: SessionKind,
) -> Result<(Client, Events, Protocol), SourceError> {
    let mut negotiated = Negotiated::new(version);
    loop {
        let protocol = negotiated.next();
        let (client, mut events) = client::open(target, protocol, kind, 64)?;
        let connack = async {
            while !matches!(events.poll().await?, Happened::ConnAck) {}
            Ok::<_, SourceError>(())
        };
        let error = match tokio::time::timeout(Duration::from_secs(5), connack).await {
            Ok(Ok(())) => return Ok((client, events, protocol)),
            Ok(Err(e)) => e,
            Err(_) => SourceError::Timeout("MQTT connect"),
        };
        if let Some(error) = negotiated.failed(protocol, Broke { error, accepted: false }, target.client_id) {
            return Err(error);
        }
    }
}
