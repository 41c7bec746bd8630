//! Publishing to the real brokers (the machine's Mosquitto and RabbitMQ, or
//! a Mosquitto of the caller's own on another port).

use crate::{Result, context};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, options::*, types::FieldTable};
use rumqttc::v5::{AsyncClient, Event, MqttOptions, mqttbytes::QoS, mqttbytes::v5::Packet};
use std::time::{Duration, Instant};

/// The machine's RabbitMQ.
pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
/// The port of the machine's Mosquitto.
pub const MQTT_PORT: u16 = 1883;

/// How long a publisher may wait for the broker's next acknowledgement
/// before it reports a stall (generous: the machine may be busy).
const STALL: Duration = Duration::from_secs(60);

/// Options of a fresh MQTT v5 client (unique id from `id_prefix`) on the
/// broker at `127.0.0.1:port`.
pub fn mqtt_options(port: u16, id_prefix: &str, clean_start: bool) -> MqttOptions {
    let id = format!("{id_prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_clean_start(clean_start);
    options.set_max_packet_size(Some(64 * 1024 * 1024));
    options
}

/// Publishes `count` payloads made by `payload(i)` to `topic` on the broker
/// at `port` with QoS 1, at about `per_second` (`None`: as fast as the
/// broker acknowledges); returns once every publish is acknowledged, with
/// the time that took.
pub async fn mqtt_publish(
    port: u16,
    topic: &str,
    count: u64,
    per_second: Option<f64>,
    payload: impl Fn(u64) -> Vec<u8>,
) -> Result<Duration> {
    let (client, mut events) = AsyncClient::new(mqtt_options(port, "pub", true), 10_000);
    let acks = tokio::spawn(async move {
        let mut acked = 0u64;
        while acked < count {
            match tokio::time::timeout(STALL, events.poll()).await {
                Ok(Ok(Event::Incoming(Packet::PubAck(_)))) => acked += 1,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(format!("MQTT publisher: {e}")),
                Err(_) => return Err(format!("MQTT publisher stalled at {acked} of {count} acknowledged")),
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

/// A channel on the machine's RabbitMQ with `exchange` declared (durable topic).
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

/// Publishes `count` persistent payloads made by `payload(i)` to `exchange`
/// with `key`, with publisher confirms; returns once the broker confirmed
/// all, with the time that took.
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

/// Publishes `payloads` with QoS 1 over MQTT 3.1.1 to the broker at
/// `127.0.0.1:port`; returns once every publish is acknowledged.
pub async fn mqtt311_publish(port: u16, topic: &str, payloads: Vec<Vec<u8>>) -> Result {
    let id = format!("pub311-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let mut options = rumqttc::MqttOptions::new(id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30)).set_max_packet_size(1024 * 1024, 1024 * 1024);
    let (client, mut events) = rumqttc::AsyncClient::new(options, payloads.len() + 16);
    let count = payloads.len();
    for payload in payloads {
        client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, payload)
            .await
            .map_err(context("MQTT 3.1.1 publish"))?;
    }
    let mut acked = 0;
    while acked < count {
        match tokio::time::timeout(STALL, events.poll()).await {
            Ok(Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_)))) => acked += 1,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("MQTT 3.1.1 publisher: {e}")),
            Err(_) => return Err(format!("MQTT 3.1.1 publisher stalled at {acked} of {count} acknowledged")),
        }
    }
    let _ = client.disconnect().await;
    Ok(())
}
