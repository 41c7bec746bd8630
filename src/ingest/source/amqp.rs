//! AMQP 0-9-1 sessions: an exchange bound into a durable queue, consumed
//! with bounded prefetch and acknowledged (multi-ack) after commit.

use super::{Ack, Delivery, SourceContext, SourceError};
use crate::ingest::backoff::Backoff;
use crate::model::FeedState;
use futures::StreamExt;
use lapin::{
    Acker, Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicQosOptions, ExchangeDeclareOptions, QueueBindOptions,
        QueueDeclareOptions,
    },
    types::FieldTable,
};
use std::{
    convert::Infallible,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Distinguishes channels, so a multi-ack never spans two of them.
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// Acknowledges an AMQP delivery (and, with `ack_up_to`, all before it).
pub struct AmqpAck {
    acker: Acker,
    pub(super) epoch: u64,
}

impl AmqpAck {
    /// Acks this delivery and every earlier one on its channel.
    pub async fn ack_up_to(self) {
        if let Err(e) = self.acker.ack(BasicAckOptions { multiple: true }).await {
            tracing::debug!(error = %e, "AMQP ack not sent; the broker will redeliver");
        }
    }
}

/// The queue a feed consumes when none is configured: durable and named
/// after the feed, so messages wait while feedboard is down.
pub fn default_queue(feed: &str) -> String {
    format!("feedboard.{feed}")
}

/// Connects to `url` with a name the broker's management UI shows. The
/// URL is parsed here, not by lapin, whose errors may quote it whole.
pub async fn connect(url: &str, name: &str) -> Result<Connection, SourceError> {
    let uri: lapin::uri::AMQPUri = url.parse().map_err(|e: String| {
        let reason = if e.contains(url) { "not an AMQP URL".to_owned() } else { e };
        SourceError::Url(reason)
    })?;
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let connect = Connection::connect_uri(uri, properties);
    tokio::time::timeout(Duration::from_secs(5), connect)
        .await
        .map_err(|_| SourceError::Timeout("AMQP connect"))?
        .map_err(SourceError::from)
}

/// Uses `exchange` as it is when it exists, else declares it as a durable
/// topic exchange. Returns a usable channel (a failed passive declare
/// closes the channel it ran on).
pub async fn ensure_exchange(conn: &Connection, exchange: &str) -> Result<Channel, SourceError> {
    let channel = conn.create_channel().await?;
    if exchange.is_empty() {
        return Ok(channel); // the default exchange always exists
    }
    let passive = ExchangeDeclareOptions { passive: true, ..Default::default() };
    match channel.exchange_declare(exchange.into(), ExchangeKind::Topic, passive, FieldTable::default()).await {
        Ok(()) => Ok(channel),
        Err(e) if is_not_found(&e) => {
            let channel = conn.create_channel().await?;
            let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
            channel.exchange_declare(exchange.into(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
            Ok(channel)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the broker answered 404 NOT_FOUND.
pub fn is_not_found(e: &lapin::Error) -> bool {
    matches!(e.kind(), lapin::ErrorKind::ProtocolError(amqp) if amqp.get_id() == 404)
}

/// One connection: declare, bind, consume, forward; ends with the error
/// that broke the connection.
pub async fn session(
    url: &str,
    exchange: &str,
    binding_key: &str,
    queue: &str,
    ctx: &SourceContext,
    backoff: &mut Backoff,
) -> Result<Infallible, SourceError> {
    let tag = format!("feedboard-{}-{}", ctx.install_id, ctx.feed_id);
    let conn = connect(url, &tag).await?;
    let channel = ensure_exchange(&conn, exchange).await?;
    channel
        .queue_declare(queue.into(), QueueDeclareOptions { durable: true, ..Default::default() }, FieldTable::default())
        .await?;
    if !exchange.is_empty() {
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                binding_key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    channel.basic_qos(ctx.settings.amqp_prefetch, BasicQosOptions::default()).await?;
    let mut consumer =
        channel.basic_consume(queue.into(), tag.into(), BasicConsumeOptions::default(), FieldTable::default()).await?;
    let epoch = EPOCH.fetch_add(1, Ordering::Relaxed);
    ctx.monitor.set_state(FeedState::Connected, None);
    backoff.reset();
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery?;
        ctx.monitor.add_received(1);
        let forwarded = Delivery {
            payload: delivery.data.into(),
            origin: delivery.routing_key.to_string(),
            received_at: chrono::Utc::now(),
            ack: Ack::Amqp(AmqpAck { acker: delivery.acker, epoch }),
        };
        ctx.deliveries.send(forwarded).await.map_err(|_| SourceError::Stopped)?;
    }
    Err(SourceError::ConsumerEnded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connect_errors_never_show_the_url() {
        for url in [
            "amqp:guest:hunter2@127.0.0.1",
            "amqp://guest:hunter2@127.0.0.1:99999/%2f",
            "amqp://guest:hunter2@127.0.0.1:5672/%2f?heartbeat=often",
            "http://guest:hunter2@127.0.0.1/",
            // Nothing listens on port 1.
            "amqp://guest:hunter2@127.0.0.1:1/%2f",
        ] {
            let Err(err) = connect(url, "feedboard-test").await else { panic!("{url}: connected") };
            assert!(!err.to_string().contains("hunter2") && !format!("{err:?}").contains("hunter2"), "{url}: {err:?}");
        }
    }

    /// Why `connect` parses the URL itself: lapin quotes a URL it cannot use.
    #[tokio::test]
    async fn lapin_alone_would_quote_the_url() {
        let attempt = Connection::connect("amqp:guest:hunter2@127.0.0.1", ConnectionProperties::default()).await;
        let Err(err) = attempt else { panic!("not a usable URL") };
        let text = err.to_string();
        assert!(text.contains("hunter2"), "lapin no longer quotes the URL ({text}); the pre-parse may go");
    }
}
