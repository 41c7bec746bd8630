//! Publishing to the real brokers from tests.

use feedboard_testkit::brokers;
use rumqttc::v5::{AsyncClient, Event, mqttbytes::QoS, mqttbytes::v5::Packet};
use std::time::Duration;

pub const AMQP_URL: &str = brokers::AMQP_URL;

/// A name unique to this test run, for topics, exchanges and feeds.
pub fn unique(prefix: &str) -> String {
    feedboard_testkit::unique(prefix)
}

pub const MQTT_URL: &str = "mqtt://127.0.0.1:1883";

/// Publishes each payload with QoS 1 and waits until the broker acked all.
pub async fn mqtt_publish(topic: &str, payloads: Vec<Vec<u8>>) {
    let count = payloads.len() as u64;
    brokers::mqtt_publish(brokers::MQTT_PORT, topic, count, None, |i| payloads[i as usize].clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Publishes each payload persistently with publisher confirms.
pub async fn amqp_publish(exchange: &str, routing_key: &str, payloads: Vec<Vec<u8>>) {
    let count = payloads.len() as u64;
    brokers::amqp_publish(exchange, routing_key, count, |i| payloads[i as usize].clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
        let (client, mut events) =
            AsyncClient::new(brokers::mqtt_options(brokers::MQTT_PORT, "test-pub", true), 10_000);
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
