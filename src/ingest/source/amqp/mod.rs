//! AMQP 0-9-1 sessions: an exchange bound into a durable queue, consumed
//! with bounded prefetch and acknowledged (multi-ack) after commit.

use super::{
    Ack, Delivery, SourceContext, SourceError, Stopping,
    ending::{AmqpLeave, amqp_leave},
};
mod broker;
#[cfg(test)]
mod tests;

pub use broker::{Binding, Broker, connect, default_queue, ensure_exchange, is_not_found};

use crate::ingest::{backoff::Backoff, parse::Envelope};
use crate::model::FeedState;
use broker::declare;
use futures::StreamExt;
use lapin::{
    Acker, Channel, Connection,
    options::{
        BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicGetOptions, BasicQosOptions, QueueDeleteOptions,
    },
    types::FieldTable,
};
use std::{
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

/// One connection: declare, bind, consume, forward; on a stop, cancel the
/// consumer, wait until what was delivered is acknowledged, then leave as
/// the feed's ending asks. Ends with `Ok` after a stop, with the error that
/// broke the connection otherwise.
pub async fn session(
    broker: &Broker<'_>,
    binding: &Binding,
    ctx: &SourceContext,
    stopping: &Stopping,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    let conn = connect(broker, &ctx.client_id).await?;
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
    let leave = amqp_leave(broker.url, binding, &ending);
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
    let properties = &delivery.properties;
    let envelope = Envelope {
        id: properties.message_id().as_ref().map(|id| id.to_string()),
        // AMQP timestamps are whole seconds since the epoch.
        sent_at: properties.timestamp().and_then(|s| chrono::DateTime::from_timestamp(i64::try_from(s).ok()?, 0)),
    };
    let forwarded = Delivery {
        payload: delivery.data.into(),
        origin: delivery.routing_key.to_string(),
        envelope,
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
pub async fn forget(broker: &Broker<'_>, binding: &Binding) -> Result<(), SourceError> {
    let conn = connect(broker, "feedboard-cleanup").await?;
    let channel = conn.create_channel().await?;
    let leave = amqp_leave(broker.url, binding, &super::Ending::Deleted);
    let result = apply_leave(&conn, &channel, binding, &leave).await;
    let _ = conn.close(200, "cleaned up".into()).await;
    result
}
