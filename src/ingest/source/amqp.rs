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

/// Connects to `url` with a name the broker's management UI shows.
pub async fn connect(url: &str, name: &str) -> Result<Connection, SourceError> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let connect = Connection::connect(url, properties);
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
