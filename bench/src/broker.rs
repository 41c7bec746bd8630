//! Publishers and bare consumers on the real brokers: the load feedboard
//! ingests and the baselines it is compared with. The bench's own
//! Mosquitto is in [`crate::mosquitto`].

pub use crate::mosquitto::{OwnMosquitto, restart_own_mosquitto};

pub use feedboard_testkit::brokers::{amqp_channel, amqp_publish};

use crate::{Result, api::AMQP_URL, context};
use feedboard_testkit::brokers;
use futures::StreamExt;
use lapin::{Connection, ConnectionProperties, options::*, types::FieldTable};
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions, mqttbytes::QoS, mqttbytes::v5::Packet};
use std::{
    sync::atomic::{AtomicU16, Ordering},
    time::{Duration, Instant},
};

/// Port of the MQTT broker the helpers below talk to (the local Mosquitto
/// unless a bench switched to its own instance).
pub(crate) static MQTT_PORT: AtomicU16 = AtomicU16::new(1883);

/// The URL of the MQTT broker in use, for feeds.
pub fn mqtt_url() -> String {
    format!("mqtt://127.0.0.1:{}", MQTT_PORT.load(Ordering::Relaxed))
}

/// A fresh MQTT v5 client on the broker in use.
pub fn mqtt_client(id_prefix: &str, clean_start: bool) -> (AsyncClient, EventLoop) {
    AsyncClient::new(mqtt_options(id_prefix, clean_start), 10_000)
}

/// Options of a fresh MQTT v5 client (unique id from `id_prefix`) on the broker in use.
pub fn mqtt_options(id_prefix: &str, clean_start: bool) -> MqttOptions {
    brokers::mqtt_options(MQTT_PORT.load(Ordering::Relaxed), id_prefix, clean_start)
}

/// [`brokers::mqtt_publish`] on the broker in use.
pub async fn mqtt_publish(
    topic: &str,
    count: u64,
    per_second: Option<f64>,
    payload: impl Fn(u64) -> Vec<u8>,
) -> Result<Duration> {
    brokers::mqtt_publish(MQTT_PORT.load(Ordering::Relaxed), topic, count, per_second, payload).await
}

/// A bare rumqttc subscriber's persistent session on `topic` (QoS 1): it
/// subscribes and leaves, so what is published next waits in the broker
/// for [`mqtt_drain`].
pub async fn mqtt_backlog_session(topic: &str) -> Result<MqttOptions> {
    let mut options = mqtt_options("bench-sub", false);
    options.set_session_expiry_interval(Some(3600));
    let (client, mut events) = AsyncClient::new(options.clone(), 10_000);
    client.subscribe(topic, QoS::AtLeastOnce).await.map_err(context("MQTT subscribe"))?;
    until(&mut events, |p| matches!(p, Packet::SubAck(_))).await?;
    client.disconnect().await.map_err(context("MQTT disconnect"))?;
    // Polling on sends the DISCONNECT; the broker then closes the socket.
    while events.poll().await.is_ok() {}
    Ok(options)
}

/// The bare subscriber of `session` back on the broker (automatic acks):
/// counts messages until `count` arrived or none came for 10 s; returns how
/// many arrived and how long from the reconnect to the last one.
pub async fn mqtt_drain(session: MqttOptions, count: u64) -> Result<(u64, Duration)> {
    let (client, mut events) = AsyncClient::new(session, 10_000);
    let (started, mut received, mut last) = (Instant::now(), 0, Duration::ZERO);
    while received < count {
        match tokio::time::timeout(Duration::from_secs(10), events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::Publish(_)))) => (received, last) = (received + 1, started.elapsed()),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("bare MQTT subscriber: {e}")),
            Err(_) => break,
        }
    }
    let _ = client.disconnect().await;
    Ok((received, last))
}

/// Polls `events` until a packet `wanted` matches (10 s at most).
async fn until(events: &mut EventLoop, wanted: impl Fn(&Packet) -> bool) -> Result {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.poll()).await {
            Ok(Ok(Event::Incoming(packet))) if wanted(&packet) => return Ok(()),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("MQTT subscriber: {e}")),
            Err(_) => return Err("MQTT subscriber: no answer from the broker in 10 s".into()),
        }
    }
}

/// Declares a durable queue bound to `exchange` with `key`.
pub async fn amqp_queue(exchange: &str, key: &str, queue: &str) -> Result {
    let (conn, channel) = amqp_channel(exchange).await?;
    let durable = QueueDeclareOptions { durable: true, ..Default::default() };
    channel.queue_declare(queue.into(), durable, FieldTable::default()).await.map_err(context("AMQP queue"))?;
    channel
        .queue_bind(queue.into(), exchange.into(), key.into(), QueueBindOptions::default(), FieldTable::default())
        .await
        .map_err(context("AMQP bind"))?;
    let _ = conn.close(200, "done".into()).await;
    Ok(())
}

/// A bare lapin consumer draining `count` messages from `queue` with
/// `prefetch`, acknowledging `batch` at a time (multiple-ack), as feedboard
/// does after each commit; returns how long the drain took.
pub async fn amqp_drain(queue: &str, count: u64, prefetch: u16, batch: u64) -> Result<Duration> {
    let conn = Connection::connect(AMQP_URL, ConnectionProperties::default()).await.map_err(context("AMQP connect"))?;
    let channel = conn.create_channel().await.map_err(context("AMQP channel"))?;
    channel.basic_qos(prefetch, BasicQosOptions::default()).await.map_err(context("AMQP qos"))?;
    let started = Instant::now();
    let mut consumer = channel
        .basic_consume(queue.into(), "bench-bare".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await
        .map_err(context("AMQP consume"))?;
    let mut received = 0;
    while received < count {
        let delivery = tokio::time::timeout(Duration::from_secs(30), consumer.next())
            .await
            .map_err(|_| format!("bare AMQP consumer stalled at {received}/{count}"))?
            .ok_or("AMQP consumer closed")?
            .map_err(context("AMQP delivery"))?;
        received += 1;
        if received % batch == 0 || received == count {
            delivery.ack(BasicAckOptions { multiple: true }).await.map_err(context("AMQP ack"))?;
        }
    }
    let took = started.elapsed();
    let _ = conn.close(200, "done".into()).await;
    Ok(took)
}

/// Deletes queues a run declared (best effort: they may be gone already).
pub async fn amqp_delete_queues(queues: &[&str]) {
    let Ok(conn) = Connection::connect(AMQP_URL, ConnectionProperties::default()).await else { return };
    if let Ok(channel) = conn.create_channel().await {
        for queue in queues {
            let _ = channel.queue_delete((*queue).into(), QueueDeleteOptions::default()).await;
        }
    }
    let _ = conn.close(200, "done".into()).await;
}
