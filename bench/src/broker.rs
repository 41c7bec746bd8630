//! Publishers and bare consumers on the real brokers: the load feedboard
//! ingests and the baselines it is compared with. The bench's own
//! Mosquitto is in [`crate::mosquitto`].

pub use crate::mosquitto::{OwnMosquitto, restart_own_mosquitto};

use crate::{Result, api::AMQP_URL, context};
use futures::StreamExt;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, options::*, types::FieldTable};
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

/// A fresh MQTT v5 client on the local broker.
pub fn mqtt_client(id_prefix: &str, clean_start: bool) -> (AsyncClient, EventLoop) {
    AsyncClient::new(mqtt_options(id_prefix, clean_start), 10_000)
}

/// Options of a fresh MQTT v5 client (unique id from `id_prefix`) on the local broker.
pub fn mqtt_options(id_prefix: &str, clean_start: bool) -> MqttOptions {
    let id = format!("{id_prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let mut options = MqttOptions::new(id, "127.0.0.1", MQTT_PORT.load(Ordering::Relaxed));
    options.set_keep_alive(Duration::from_secs(30));
    options.set_clean_start(clean_start);
    options.set_max_packet_size(Some(16 * 1024 * 1024));
    options
}

/// Publishes `count` payloads made by `payload(i)` to `topic` with QoS 1, at
/// about `per_second` (`None`: as fast as the broker acknowledges); returns
/// once every publish is acknowledged, with the time that took.
pub async fn mqtt_publish(
    topic: &str,
    count: u64,
    per_second: Option<f64>,
    payload: impl Fn(u64) -> Vec<u8>,
) -> Result<Duration> {
    let (client, mut events) = mqtt_client("bench-pub", true);
    let acks = tokio::spawn(async move {
        let mut acked = 0u64;
        while acked < count {
            match events.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => acked += 1,
                Ok(_) => {}
                Err(e) => return Err(format!("MQTT publisher: {e}")),
            }
        }
        Ok(events)
    });
    let started = Instant::now();
    let mut pace = tokio::time::interval(Duration::from_millis(1));
    for i in 0..count {
        if let Some(rate) = per_second {
            while (i as f64) >= rate * started.elapsed().as_secs_f64() {
                pace.tick().await;
            }
        }
        client.publish(topic, QoS::AtLeastOnce, false, payload(i)).await.map_err(context("MQTT publish"))?;
    }
    let _events = acks.await.map_err(|e| e.to_string())??;
    let took = started.elapsed();
    let _ = client.disconnect().await;
    Ok(took)
}

/// A bare rumqttc subscriber (QoS 1, automatic acks): once subscribed it
/// counts messages on `topic` until `count` arrived or `limit` passed, and
/// returns how many arrived and when the last one did.
pub async fn mqtt_counter(topic: &str, count: u64, limit: Duration) -> Result<tokio::task::JoinHandle<(u64, Instant)>> {
    let (client, mut events) = mqtt_client("bench-sub", true);
    client.subscribe(topic, QoS::AtLeastOnce).await.map_err(context("MQTT subscribe"))?;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => break,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("MQTT subscriber: {e}")),
            Err(_) => return Err("MQTT subscriber got no SUBACK in 10 s".into()),
        }
    }
    Ok(tokio::spawn(async move {
        let (mut received, mut last) = (0, Instant::now());
        let deadline = tokio::time::Instant::now() + limit;
        while received < count {
            match tokio::time::timeout_at(deadline, events.poll()).await {
                Ok(Ok(Event::Incoming(Packet::Publish(_)))) => {
                    received += 1;
                    last = Instant::now();
                }
                Ok(Ok(_)) => {}
                Ok(Err(_)) | Err(_) => break,
            }
        }
        let _ = client.disconnect().await;
        (received, last)
    }))
}

/// A channel on the local AMQP broker with `exchange` declared (durable topic).
pub async fn amqp_channel(exchange: &str) -> Result<(Connection, Channel)> {
    let conn = Connection::connect(AMQP_URL, ConnectionProperties::default()).await.map_err(context("AMQP connect"))?;
    let channel = conn.create_channel().await.map_err(context("AMQP channel"))?;
    let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
    channel
        .exchange_declare(exchange.into(), lapin::ExchangeKind::Topic, durable, FieldTable::default())
        .await
        .map_err(context("AMQP exchange"))?;
    Ok((conn, channel))
}

/// Publishes `count` persistent payloads to `exchange` with `key`, with
/// publisher confirms, and returns once the broker confirmed all.
pub async fn amqp_publish(exchange: &str, key: &str, count: u64, payload: impl Fn(u64) -> Vec<u8>) -> Result<Duration> {
    let (conn, channel) = amqp_channel(exchange).await?;
    channel.confirm_select(ConfirmSelectOptions::default()).await.map_err(context("AMQP confirms"))?;
    let started = Instant::now();
    let mut pending = Vec::with_capacity(1000);
    for i in 0..count {
        let props = BasicProperties::default().with_delivery_mode(2);
        let confirm = channel
            .basic_publish(exchange.into(), key.into(), BasicPublishOptions::default(), &payload(i), props)
            .await
            .map_err(context("AMQP publish"))?;
        pending.push(confirm);
        if pending.len() == 1000 || i + 1 == count {
            for confirm in pending.drain(..) {
                confirm.await.map_err(context("AMQP confirm"))?;
            }
        }
    }
    let took = started.elapsed();
    let _ = conn.close(200, "done".into()).await;
    Ok(took)
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
