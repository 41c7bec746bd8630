//! Broker connections: each source keeps a feed's subscription alive
//! (reconnecting with backoff) and hands every message to the writer with
//! the means to acknowledge it once it is stored.

pub mod amqp;
pub mod mqtt;

use super::{backoff::Backoff, status::FeedMonitor};
use crate::model::{FeedState, Source};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One message from a broker, not yet acknowledged.
pub struct Delivery {
    pub payload: bytes::Bytes,
    /// MQTT topic or AMQP routing key.
    pub origin: String,
    pub received_at: DateTime<Utc>,
    pub ack: Ack,
}

/// How to acknowledge a delivery to its broker.
pub enum Ack {
    Mqtt(mqtt::MqttAck),
    Amqp(amqp::AmqpAck),
}

/// Acknowledges a committed batch: MQTT one by one, AMQP with one
/// multi-ack per channel. Acks for a connection that has since closed are
/// skipped: the broker redelivers those messages, and storage is idempotent.
pub async fn ack_all(acks: Vec<Ack>) {
    let mut last_amqp: Option<amqp::AmqpAck> = None;
    for ack in acks {
        match ack {
            Ack::Mqtt(a) => a.ack().await,
            Ack::Amqp(a) => {
                if let Some(prev) = last_amqp.take_if(|p| p.epoch != a.epoch) {
                    prev.ack_up_to().await;
                }
                last_amqp = Some(a);
            }
        }
    }
    if let Some(last) = last_amqp {
        last.ack_up_to().await;
    }
}

/// Why a broker session ended.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("invalid broker URL: {0}")]
    Url(String),
    #[error("MQTT: {0}")]
    Mqtt(#[from] rumqttc::v5::ConnectionError),
    #[error("MQTT client: {0}")]
    MqttClient(Box<rumqttc::v5::ClientError>),
    #[error("MQTT subscription to {topic:?} refused: {reason}")]
    Subscription { topic: String, reason: String },
    #[error("AMQP: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("AMQP consumer was cancelled by the broker")]
    ConsumerEnded,
    #[error("timed out: {0}")]
    Timeout(&'static str),
    /// The writer has stopped: the feed is shutting down.
    #[error("feed stopped")]
    Stopped,
}

impl From<rumqttc::v5::ClientError> for SourceError {
    fn from(e: rumqttc::v5::ClientError) -> Self {
        SourceError::MqttClient(Box::new(e))
    }
}

/// What a source needs from its feed.
pub struct SourceContext {
    pub feed_id: i64,
    pub install_id: String,
    pub deliveries: mpsc::Sender<Delivery>,
    pub monitor: Arc<FeedMonitor>,
    pub settings: super::Settings,
}

/// Keeps `source` consumed until `cancel` fires: connects, forwards
/// deliveries, and on any error records it and reconnects with backoff.
pub async fn run(source: Source, ctx: SourceContext, cancel: CancellationToken) {
    let mut backoff = Backoff::default();
    loop {
        ctx.monitor.set_state(FeedState::Connecting, None);
        let session = async {
            match &source {
                Source::Mqtt { url, topic } => mqtt::session(url, topic, &ctx, &mut backoff).await,
                Source::Amqp { url, exchange, binding_key, queue } => {
                    let queue = queue.clone().unwrap_or_else(|| amqp::default_queue(ctx.monitor.name()));
                    amqp::session(url, exchange, binding_key, &queue, &ctx, &mut backoff).await
                }
            }
        };
        let error = tokio::select! {
            result = session => match result {
                Err(SourceError::Stopped) => return,
                Err(e) => e,
                Ok(never) => match never {},
            },
            _ = cancel.cancelled() => return,
        };
        tracing::warn!(feed = ctx.monitor.name(), error = %error, "broker session ended; reconnecting");
        ctx.monitor.set_state(FeedState::Error, Some(error.to_string()));
        tokio::select! {
            _ = tokio::time::sleep(backoff.next_delay()) => {}
            _ = cancel.cancelled() => return,
        }
    }
}

/// Percent-decoded user name and password of a broker URL, if any.
pub fn credentials(url: &url::Url) -> Option<(String, String)> {
    if url.username().is_empty() {
        return None;
    }
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    Some((decode(url.username()), decode(url.password().unwrap_or(""))))
}
