//! Publishing to the real brokers from tests.

use lapin::{BasicProperties, Connection, ConnectionProperties, options::*, types::FieldTable};
use rumqttc::v5::{AsyncClient, Event, MqttOptions, mqttbytes::QoS, mqttbytes::v5::Packet};
use std::time::Duration;

pub const MQTT_URL: &str = "mqtt://127.0.0.1:1883";
pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Publishes each payload with QoS 1 and waits until the broker acked all.
pub async fn mqtt_publish(topic: &str, payloads: Vec<Vec<u8>>) {
    let id = format!("test-pub-{}", uuid::Uuid::new_v4().simple());
    let mut options = MqttOptions::new(id, "127.0.0.1", 1883);
    options.set_max_packet_size(Some(16 * 1024 * 1024));
    let (client, mut events) = AsyncClient::new(options, 1000);
    let total = payloads.len();
    let publisher = {
        let client = client.clone();
        let topic = topic.to_owned();
        tokio::spawn(async move {
            for p in payloads {
                client.publish(topic.clone(), QoS::AtLeastOnce, false, p).await.expect("queue publish");
            }
        })
    };
    let mut acked = 0;
    while acked < total {
        match tokio::time::timeout(Duration::from_secs(30), events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::PubAck(_)))) => acked += 1,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("MQTT publisher failed: {e}"),
            Err(_) => panic!("MQTT publisher stalled at {acked}/{total}"),
        }
    }
    publisher.await.unwrap();
    let _ = client.disconnect().await;
}

/// Publishes each payload persistently with publisher confirms.
pub async fn amqp_publish(exchange: &str, routing_key: &str, payloads: Vec<Vec<u8>>) {
    let conn = Connection::connect(AMQP_URL, ConnectionProperties::default()).await.expect("AMQP connect");
    let channel = conn.create_channel().await.unwrap();
    channel
        .exchange_declare(
            exchange.into(),
            lapin::ExchangeKind::Topic,
            ExchangeDeclareOptions { durable: true, ..Default::default() },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
    let mut confirms = Vec::new();
    for p in payloads {
        let confirm = channel
            .basic_publish(
                exchange.into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                &p,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .unwrap();
        confirms.push(confirm);
    }
    for c in confirms {
        c.await.expect("publisher confirm");
    }
    let _ = conn.close(200, "done".into()).await;
}

/// A name unique to this test run, for topics, exchanges and feeds.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// Publishes ticks with ids `0..` to `topic` at about `per_second` until
/// `stop` fires; returns how many the broker acknowledged.
pub fn spawn_tick_publisher(
    topic: String,
    per_second: u32,
    stop: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<usize> {
    spawn_mqtt_publisher(topic, per_second, stop, |n| {
        serde_json::json!({"symbol": "SEQ", "price": n as f64, "id": format!("p{n}")}).to_string().into_bytes()
    })
}

/// Publishes `payload(0)`, `payload(1)`, … with QoS 1 to `topic` at about
/// `per_second` until `stop` fires; returns how many the broker
/// acknowledged (all of them, or the task panics).
pub fn spawn_mqtt_publisher(
    topic: String,
    per_second: u32,
    stop: tokio_util::sync::CancellationToken,
    payload: fn(usize) -> Vec<u8>,
) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        let mut options = MqttOptions::new(format!("test-pub-{}", uuid::Uuid::new_v4().simple()), "127.0.0.1", 1883);
        options.set_keep_alive(Duration::from_secs(30)).set_max_packet_size(Some(64 * 1024 * 1024));
        let (client, mut events) = AsyncClient::new(options, 10_000);
        let acked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = acked.clone();
        let poller = tokio::spawn(async move {
            while let Ok(event) = events.poll().await {
                if let Event::Incoming(Packet::PubAck(_)) = event {
                    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let per_tick = (per_second / 100).max(1) as usize;
        let mut sent = 0usize;
        while !stop.is_cancelled() {
            tick.tick().await;
            for _ in 0..per_tick {
                client.publish(topic.clone(), QoS::AtLeastOnce, false, payload(sent)).await.expect("publish");
                sent += 1;
            }
        }
        // Wait for the broker to acknowledge everything, however slow the machine.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while acked.load(std::sync::atomic::Ordering::Relaxed) < sent && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = client.disconnect().await;
        poller.abort();
        assert_eq!(acked.load(std::sync::atomic::Ordering::Relaxed), sent, "every publish acknowledged");
        sent
    })
}
