//! AMQP 0-9-1 sessions: an exchange bound into a durable queue, consumed
//! with bounded prefetch and acknowledged (multi-ack) after commit.

use super::{
    Ack, Delivery, SourceContext, SourceError, Stopping,
    ending::{AmqpLeave, amqp_leave},
};
use crate::ingest::backoff::Backoff;
use crate::model::FeedState;
use futures::StreamExt;
use lapin::{
    Acker, Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{
        BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicGetOptions, BasicQosOptions,
        ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable},
};
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Distinguishes channels, so a multi-ack never spans two of them.
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// A feed's own queue is deleted by the broker after this long without a
/// consumer (the same as an MQTT session's expiry): a safety net for queues
/// whose feed was deleted while feedboard could not clean up.
const OWN_QUEUE_EXPIRY_MS: i32 = 7 * 24 * 3600 * 1000;

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

/// Where a feed's messages come from: its queue and how that is bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub queue: String,
    /// The feed's own queue (not one named by the admin).
    pub own: bool,
    pub exchange: String,
    pub key: String,
}

impl Binding {
    pub fn of(feed: &str, exchange: &str, key: &str, queue: Option<&str>) -> Self {
        let (queue, own) = match queue {
            Some(q) => (q.to_owned(), false),
            None => (default_queue(feed), true),
        };
        Binding { queue, own, exchange: exchange.to_owned(), key: key.to_owned() }
    }
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
    broker_code(e) == Some(404)
}

fn broker_code(e: &lapin::Error) -> Option<u16> {
    match e.kind() {
        lapin::ErrorKind::ProtocolError(amqp) => Some(amqp.get_id()),
        _ => None,
    }
}

/// Declares the feed's durable queue (its own one with an expiry) and binds
/// it. Returns a usable channel: a queue declared earlier without the
/// expiry refuses the new arguments (406), and is then used as it is.
async fn declare(conn: &Connection, channel: Channel, binding: &Binding) -> Result<Channel, SourceError> {
    let durable = QueueDeclareOptions { durable: true, ..Default::default() };
    let mut arguments = FieldTable::default();
    if binding.own {
        arguments.insert("x-expires".into(), AMQPValue::LongInt(OWN_QUEUE_EXPIRY_MS));
    }
    let channel = match channel.queue_declare(binding.queue.as_str().into(), durable, arguments).await {
        Ok(_) => channel,
        Err(e) if broker_code(&e) == Some(406) => {
            let channel = conn.create_channel().await?;
            let passive = QueueDeclareOptions { passive: true, ..Default::default() };
            channel.queue_declare(binding.queue.as_str().into(), passive, FieldTable::default()).await?;
            channel
        }
        Err(e) => return Err(e.into()),
    };
    if !binding.exchange.is_empty() {
        channel
            .queue_bind(
                binding.queue.as_str().into(),
                binding.exchange.as_str().into(),
                binding.key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(channel)
}

/// One connection: declare, bind, consume, forward; on a stop, cancel the
/// consumer, wait until what was delivered is acknowledged, then leave as
/// the feed's ending asks. Ends with `Ok` after a stop, with the error that
/// broke the connection otherwise.
pub async fn session(
    url: &str,
    binding: &Binding,
    ctx: &SourceContext,
    stopping: &Stopping,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    let conn = connect(url, &ctx.client_id).await?;
    let channel = ensure_exchange(&conn, &binding.exchange).await?;
    let channel = declare(&conn, channel, binding).await?;
    channel.basic_qos(ctx.settings.amqp_prefetch, BasicQosOptions::default()).await?;
    let epoch = EPOCH.fetch_add(1, Ordering::Relaxed);
    take_over(&channel, binding, ctx, stopping, epoch).await?;
    let tag = ctx.client_id.as_str();
    let mut consumer = channel
        .basic_consume(binding.queue.as_str().into(), tag.into(), BasicConsumeOptions::default(), FieldTable::default())
        .await?;
    ctx.monitor.set_state(FeedState::Connected, None);
    backoff.reset();
    loop {
        let next = tokio::select! {
            next = consumer.next() => next,
            _ = stopping.requested() => break,
        };
        let Some(delivery) = next else { return Err(SourceError::ConsumerEnded) };
        if forward(delivery?, ctx, stopping, epoch).await.is_err() {
            break;
        }
    }
    // Deliveries still buffered go back to the queue when the channel closes.
    let _ = channel.basic_cancel(tag.into(), BasicCancelOptions::default()).await;
    stopping.drained().await;
    let ending = stopping.ending();
    let leave = amqp_leave(url, binding, &ending);
    if let Err(e) = apply_leave(&conn, &channel, binding, &leave).await {
        tracing::warn!(feed = %ctx.feed_name, error = %e, "could not clean up the feed's AMQP queue");
    }
    let _ = conn.close(200, "feed stopped".into()).await;
    Ok(())
}

/// Hands one delivery to the writer, once the byte budget has room.
async fn forward(
    delivery: lapin::message::Delivery,
    ctx: &SourceContext,
    stopping: &Stopping,
    epoch: u64,
) -> Result<(), ()> {
    ctx.monitor.add_received(1);
    let held = tokio::select! {
        held = ctx.budget.take(delivery.data.len()) => held,
        _ = stopping.requested() => return Err(()),
    };
    let forwarded = Delivery {
        payload: delivery.data.into(),
        origin: delivery.routing_key.to_string(),
        received_at: chrono::Utc::now(),
        held: Some(held),
        ack: Ack::Amqp(AmqpAck { acker: delivery.acker, epoch }),
    };
    ctx.intake.send(forwarded).await.map_err(|_| ())
}

/// After an edit, with the new binding in place: removes the former one and
/// moves what is left in a former own queue into the pipeline (before the
/// new queue is consumed), then deletes that queue.
async fn take_over(
    channel: &Channel,
    binding: &Binding,
    ctx: &SourceContext,
    stopping: &Stopping,
    epoch: u64,
) -> Result<(), SourceError> {
    let handover = ctx.handover.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let Some(handover) = handover else { return Ok(()) };
    if let Some(old) = &handover.unbind {
        channel
            .queue_unbind(
                old.queue.as_str().into(),
                old.exchange.as_str().into(),
                old.key.as_str().into(),
                FieldTable::default(),
            )
            .await?;
    }
    let done = || ctx.handover.lock().unwrap_or_else(|p| p.into_inner()).take();
    let Some(old) = handover.migrate.filter(|old| *old != binding.queue) else {
        done();
        return Ok(());
    };
    loop {
        let message = match channel.basic_get(old.as_str().into(), BasicGetOptions { no_ack: false }).await {
            Ok(Some(message)) => message,
            Ok(None) => break,
            Err(e) => {
                if is_not_found(&e) {
                    done(); // nothing to move; the closed channel makes the session start over
                }
                return Err(e.into());
            }
        };
        if forward(message.delivery, ctx, stopping, epoch).await.is_err() {
            return Ok(()); // stopping: the rest waits for the next session
        }
    }
    // Deleting a queue drops its unacknowledged messages, whose acks would
    // then break the channel: wait until every moved message is acknowledged
    // (nothing else is in flight yet: the new queue is not consumed).
    while ctx.budget.in_use() > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            _ = stopping.requested() => return Ok(()),
        }
    }
    let if_empty = QueueDeleteOptions { if_empty: true, ..Default::default() };
    channel.queue_delete(old.as_str().into(), if_empty).await?;
    tracing::info!(feed = %ctx.feed_name, queue = %old, "moved the former queue's messages and deleted it");
    done();
    Ok(())
}

async fn apply_leave(
    conn: &Connection,
    channel: &Channel,
    binding: &Binding,
    leave: &AmqpLeave,
) -> Result<(), SourceError> {
    if let Some(next) = &leave.prepare {
        declare(conn, conn.create_channel().await?, next).await?;
    }
    if leave.unbind {
        channel
            .queue_unbind(
                binding.queue.as_str().into(),
                binding.exchange.as_str().into(),
                binding.key.as_str().into(),
                FieldTable::default(),
            )
            .await?;
    }
    if leave.delete {
        channel.queue_delete(binding.queue.as_str().into(), QueueDeleteOptions::default()).await?;
    }
    Ok(())
}

/// Cleans up after a feed deleted while it was not running.
pub async fn forget(url: &str, binding: &Binding) -> Result<(), SourceError> {
    let conn = connect(url, "feedboard-cleanup").await?;
    let channel = conn.create_channel().await?;
    let leave = amqp_leave(url, binding, &super::Ending::Deleted);
    let result = apply_leave(&conn, &channel, binding, &leave).await;
    let _ = conn.close(200, "cleaned up".into()).await;
    result
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
