//! Broker connections: each source keeps a feed's subscription alive
//! (reconnecting with backoff) and hands every message to the writer with
//! the means to acknowledge it once it is stored.
//!
//! Stopping is a handshake, so nothing stored goes unacknowledged: the
//! source stops consuming, the pipeline closes the [`Intake`], the writer
//! stores what it holds and the finisher acknowledges it over the
//! still-open connection; only then (`drained`) does the source leave its
//! broker, cleaning up what the feed's change made stale.

pub mod amqp;
pub mod ending;
pub mod mqtt;
pub mod tls;

pub use ending::{Ending, Stopping};

use super::{backoff::Backoff, budget::Budget, budget::Held, status::FeedMonitor};
use crate::model::{FeedState, Source};
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// One message from a broker, not yet acknowledged.
pub struct Delivery {
    pub payload: bytes::Bytes,
    /// MQTT topic or AMQP routing key.
    pub origin: String,
    /// The broker's id and time of the message, if it gave them.
    pub envelope: super::parse::Envelope,
    pub received_at: DateTime<Utc>,
    pub ack: Ack,
    /// Its share of the feed's byte budget.
    pub held: Option<Held>,
}

/// How to acknowledge a delivery to its broker.
pub enum Ack {
    Mqtt(mqtt::MqttAck),
    Amqp(amqp::AmqpAck),
    /// Nothing to acknowledge (unit tests name deliveries by number).
    #[cfg(test)]
    Test(u64),
}

/// Acknowledges a committed batch: MQTT one by one, AMQP with one
/// multi-ack per channel. Acks for a connection that has since closed are
/// skipped: the broker redelivers those messages, and storage is idempotent.
pub async fn ack_all(acks: Vec<Ack>) {
    let mut last_amqp: Option<amqp::AmqpAck> = None;
    for ack in acks {
        match ack {
            Ack::Mqtt(a) => within_limit(a.ack()).await,
            Ack::Amqp(a) => {
                if let Some(prev) = last_amqp.take_if(|p| p.epoch != a.epoch) {
                    within_limit(prev.ack_up_to()).await;
                }
                last_amqp = Some(a);
            }
            #[cfg(test)]
            Ack::Test(_) => {}
        }
    }
    if let Some(last) = last_amqp {
        within_limit(last.ack_up_to()).await;
    }
}

/// Longest one acknowledgement may take. An ack handed to a connection as
/// it broke may never be answered; waiting for it would stall the feed,
/// while the broker redelivers what it did not get anyway.
const ACK_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

async fn within_limit(ack: impl Future<Output = ()>) {
    if tokio::time::timeout(ACK_LIMIT, ack).await.is_err() {
        tracing::warn!("a broker acknowledgement got no answer within {ACK_LIMIT:?}; the broker redelivers it");
    }
}

/// The way from a source into its writer. The pipeline closes it when the
/// feed stops; the writer then stores what it holds and ends.
#[derive(Clone)]
pub struct Intake {
    tx: Arc<Mutex<Option<mpsc::Sender<Delivery>>>>,
}

/// The intake is closed: the feed is stopping.
#[derive(Debug)]
pub struct Closed;

impl Intake {
    pub fn new(tx: mpsc::Sender<Delivery>) -> Self {
        Intake { tx: Arc::new(Mutex::new(Some(tx))) }
    }

    /// Hands a delivery to the writer, waiting for room.
    pub async fn send(&self, delivery: Delivery) -> Result<(), Closed> {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner()).clone().ok_or(Closed)?;
        tx.send(delivery).await.map_err(|_| Closed)
    }

    /// Lets no more deliveries in; the writer sees its channel end once the
    /// sends under way have finished.
    pub fn close(&self) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Why a broker session ended. Never holds a URL: they may carry passwords.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("invalid broker URL: {0}")]
    Url(String),
    #[error("MQTT: {0}")]
    Mqtt(Box<rumqttc::v5::ConnectionError>),
    #[error("MQTT 3.1.1: {0}")]
    Mqtt311(Box<rumqttc::ConnectionError>),
    #[error("MQTT client: {0}")]
    MqttClient(String),
    #[error("TLS settings: {}", .0.join("; "))]
    TlsSettings(Vec<String>),
    #[error("MQTT subscription to {topic:?} refused: {reason}")]
    Subscription { topic: String, reason: String },
    #[error("AMQP: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("AMQP consumer was cancelled by the broker")]
    ConsumerEnded,
    #[error("timed out: {0}")]
    Timeout(&'static str),
}

impl SourceError {
    /// TLS settings that do not make a client configuration, one line per field.
    pub fn tls_settings(errors: Vec<crate::error::FieldError>) -> Self {
        SourceError::TlsSettings(errors.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect())
    }
}

impl From<rumqttc::v5::ClientError> for SourceError {
    fn from(e: rumqttc::v5::ClientError) -> Self {
        SourceError::MqttClient(e.to_string())
    }
}

impl From<rumqttc::v5::ConnectionError> for SourceError {
    fn from(e: rumqttc::v5::ConnectionError) -> Self {
        SourceError::Mqtt(Box::new(e))
    }
}

impl From<rumqttc::ConnectionError> for SourceError {
    fn from(e: rumqttc::ConnectionError) -> Self {
        SourceError::Mqtt311(Box::new(e))
    }
}

impl From<rumqttc::ClientError> for SourceError {
    fn from(e: rumqttc::ClientError) -> Self {
        SourceError::MqttClient(e.to_string())
    }
}

/// What a source needs from its feed.
pub struct SourceContext {
    pub feed_id: i64,
    pub feed_name: String,
    /// MQTT client id and AMQP consumer tag: the same for every process of
    /// an installation, so the session moves with the feed's lease.
    pub client_id: String,
    pub intake: Intake,
    pub monitor: Arc<FeedMonitor>,
    pub settings: super::Settings,
    pub budget: Budget,
    /// The feed's own AMQP queue before a rename: its messages are moved
    /// into the new one, then it is deleted (taken once done).
    pub handover: Arc<Mutex<Option<ending::Handover>>>,
}

/// Keeps `source` consumed until a stop: connects, forwards deliveries, and
/// on any error records it and reconnects with backoff.
pub async fn run(source: Source, ctx: SourceContext, stopping: Stopping) {
    let mut backoff = Backoff::default();
    let mut negotiated = match &source {
        Source::Mqtt { mqtt_version, .. } => mqtt::Negotiated::new(*mqtt_version),
        Source::Amqp { .. } => mqtt::Negotiated::new(Default::default()),
    };
    loop {
        if stopping.is_requested() {
            return;
        }
        ctx.monitor.set_state(FeedState::Connecting, None);
        let ended = match &source {
            Source::Mqtt { url, topic, tls, .. } => {
                let target = mqtt::Target { url, tls: tls.as_ref(), client_id: &ctx.client_id };
                mqtt::session(&target, topic, &mut negotiated, &ctx, &stopping, &mut backoff).await
            }
            Source::Amqp { url, exchange, binding_key, queue, tls } => {
                let binding = amqp::Binding::of(&ctx.feed_name, exchange, binding_key, queue.as_deref());
                amqp::session(&amqp::Broker { url, tls: tls.as_ref() }, &binding, &ctx, &stopping, &mut backoff).await
            }
        };
        let error = match ended {
            Ok(()) => return,
            Err(e) => e,
        };
        tracing::warn!(feed = %ctx.feed_name, error = %error, "broker session ended; reconnecting");
        ctx.monitor.set_state(FeedState::Error, Some(tls::explain(error.to_string())));
        tokio::select! {
            _ = tokio::time::sleep(backoff.next_delay()) => {}
            _ = stopping.requested() => return,
        }
    }
}

/// Cleans up after a feed that was deleted while it was not running: its
/// MQTT session or its own AMQP queue. Best effort; errors are logged.
pub async fn forget(source: Source, feed_name: String, client_id: String) {
    let result = match &source {
        Source::Mqtt { url, tls, mqtt_version, .. } => {
            let target = mqtt::Target { url, tls: tls.as_ref(), client_id: &client_id };
            mqtt::discard_session(&target, *mqtt_version).await
        }
        Source::Amqp { url, exchange, binding_key, queue, tls } => {
            let binding = amqp::Binding::of(&feed_name, exchange, binding_key, queue.as_deref());
            amqp::forget(&amqp::Broker { url, tls: tls.as_ref() }, &binding).await
        }
    };
    if let Err(e) = result {
        tracing::warn!(feed = %feed_name, error = %e, "could not clean up after the deleted feed");
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

/// Whether two broker URLs name the same broker (scheme, host, port and,
/// for AMQP, virtual host); credentials do not matter.
pub fn same_broker(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        url::Url::parse(s)
            .ok()
            .map(|u| (u.scheme().to_owned(), u.host_str().map(str::to_owned), u.port(), u.path().to_owned()))
    };
    matches!((key(a), key(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_ack_that_is_never_answered_does_not_stall_the_feed() {
        let started = tokio::time::Instant::now();
        within_limit(std::future::pending()).await;
        assert_eq!(started.elapsed(), ACK_LIMIT);
    }
}
