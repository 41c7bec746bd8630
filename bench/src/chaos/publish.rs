//! Publishers that survive broker restarts as a careful application would:
//! every message carries an `id`, and nothing counts as sent until the
//! broker acknowledged it.
//!
//! - MQTT: QoS 1 in a persistent session (stable client id, session expiry),
//!   so rumqttc republishes whatever was unacknowledged after it reconnects.
//!   A reconnect that finds the session gone is an error, never a silent loss.
//! - AMQP: persistent messages with publisher confirms; after a connection
//!   breaks, every unconfirmed message is published again on a new one.

use crate::{Result, api::AMQP_URL, broker, context};
use lapin::{BasicProperties, Channel, Confirmation, Connection, PublisherConfirm, options::*};
use rumqttc::v5::{Event, mqttbytes::QoS, mqttbytes::v5::Packet};
use std::{
    collections::VecDeque,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Longest a publisher waits for a broker to come back.
const PATIENCE: Duration = Duration::from_secs(120);
/// AMQP confirms awaited together.
const CONFIRM_WINDOW: usize = 500;

/// What a publisher did.
#[derive(Debug, Default, Clone)]
pub struct Published {
    /// Messages the broker acknowledged (each id once).
    pub acked: u64,
    /// Connections it had to make again.
    pub reconnects: u64,
    /// Messages sent a second time because their confirm was lost (AMQP;
    /// rumqttc republishes MQTT messages itself).
    pub republished: u64,
}

/// A steady stream: `count` messages at `per_second`, counted in `progress`
/// as they are handed to the client.
#[derive(Clone)]
pub struct Pace {
    pub count: u64,
    pub per_second: f64,
    pub progress: Arc<AtomicU64>,
}

impl Pace {
    /// Waits until message `i` is due.
    async fn due(&self, i: u64, started: Instant) {
        while (i as f64) >= self.per_second * started.elapsed().as_secs_f64() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// Publishes `payload(i)` for every `i` in `0..pace.count` to `topic`; returns
/// once every one is acknowledged.
pub async fn mqtt(topic: String, pace: Pace, payload: fn(u64) -> Vec<u8>) -> Result<Published> {
    let mut options = broker::mqtt_options("chaos-pub", false);
    options.set_session_expiry_interval(Some(3600)).set_keep_alive(Duration::from_secs(5));
    let (client, mut events) = rumqttc::v5::AsyncClient::new(options, 10_000);
    let count = pace.count;
    let acks = tokio::spawn(async move {
        let mut done = Published::default();
        let (mut connected_once, mut last_progress) = (false, Instant::now());
        while done.acked < count {
            match events.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    done.acked += 1;
                    last_progress = Instant::now();
                }
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    if connected_once && !ack.session_present {
                        return Err("MQTT publisher: the broker lost its persistent session on reconnect".into());
                    }
                    done.reconnects += u64::from(connected_once);
                    connected_once = true;
                }
                Ok(_) => {}
                Err(e) => {
                    if last_progress.elapsed() > PATIENCE {
                        return Err(format!("MQTT publisher: no broker for {PATIENCE:?}: {e}"));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        Ok::<_, String>(done)
    });
    let started = Instant::now();
    for i in 0..count {
        pace.due(i, started).await;
        if let Err(e) = client.publish(topic.as_str(), QoS::AtLeastOnce, false, payload(i)).await {
            // The event loop's task ended; it knows why.
            return Err(match acks.await {
                Ok(Err(why)) => why,
                _ => format!("MQTT publish: {e}"),
            });
        }
        pace.progress.fetch_add(1, Ordering::Relaxed);
    }
    let done = acks.await.map_err(|e| e.to_string())??;
    let _ = client.disconnect().await;
    Ok(done)
}

/// Publishes `payload(i)` for every `i` in `0..pace.count` to `exchange`
/// with `key`, persistent and confirmed; returns once all are confirmed.
pub async fn amqp(exchange: String, key: String, pace: Pace, payload: fn(u64) -> Vec<u8>) -> Result<Published> {
    let mut publisher =
        AmqpPublisher { exchange, key, payload, link: None, window: VecDeque::new(), done: Published::default() };
    let started = Instant::now();
    for i in 0..pace.count {
        pace.due(i, started).await;
        publisher.send(i).await?;
        pace.progress.fetch_add(1, Ordering::Relaxed);
        if publisher.window.len() >= CONFIRM_WINDOW {
            publisher.settle().await?;
        }
    }
    while !publisher.window.is_empty() {
        publisher.settle().await?;
    }
    if let Some((conn, _)) = publisher.link.take() {
        let _ = conn.close(200, "done".into()).await;
    }
    Ok(publisher.done)
}

/// One AMQP publisher's connection and the messages not yet confirmed.
struct AmqpPublisher {
    exchange: String,
    key: String,
    payload: fn(u64) -> Vec<u8>,
    link: Option<(Connection, Channel)>,
    window: VecDeque<(u64, PublisherConfirm)>,
    done: Published,
}

impl AmqpPublisher {
    /// Publishes message `i` (reconnecting first if the link is down).
    async fn send(&mut self, i: u64) -> Result {
        loop {
            let channel = self.channel().await?;
            let props = BasicProperties::default().with_delivery_mode(2);
            let payload = (self.payload)(i);
            let sent = channel
                .basic_publish(
                    self.exchange.as_str().into(),
                    self.key.as_str().into(),
                    BasicPublishOptions::default(),
                    &payload,
                    props,
                )
                .await;
            match sent {
                Ok(confirm) => {
                    self.window.push_back((i, confirm));
                    return Ok(());
                }
                Err(_) => self.broken(Vec::new()).await?,
            }
        }
    }

    /// Awaits every confirm in the window; what the broker did not confirm
    /// is published again on a fresh connection.
    async fn settle(&mut self) -> Result {
        let mut again = Vec::new();
        while let Some((i, confirm)) = self.window.pop_front() {
            match confirm.await {
                Ok(Confirmation::Ack(_)) => self.done.acked += 1,
                Ok(Confirmation::NotRequested) => return Err("AMQP publisher: confirms are off".into()),
                Ok(Confirmation::Nack(_)) | Err(_) => again.push(i),
            }
        }
        if again.is_empty() { Ok(()) } else { self.broken(again).await }
    }

    /// The link broke: drop it, reconnect, and publish `again` plus
    /// everything still unconfirmed.
    async fn broken(&mut self, mut again: Vec<u64>) -> Result {
        self.link = None;
        again.extend(self.window.drain(..).map(|(i, _)| i));
        again.sort_unstable();
        self.done.reconnects += 1;
        self.done.republished += again.len() as u64;
        for i in again {
            Box::pin(self.send(i)).await?;
        }
        Ok(())
    }

    /// The open channel, connecting (for up to [`PATIENCE`]) when there is none.
    async fn channel(&mut self) -> Result<Channel> {
        if let Some((_, channel)) = &self.link
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        let started = Instant::now();
        loop {
            let attempt = async {
                let (conn, channel) = broker::amqp_channel(&self.exchange).await?;
                channel.confirm_select(ConfirmSelectOptions::default()).await.map_err(context("AMQP confirms"))?;
                Ok::<_, String>((conn, channel))
            };
            match tokio::time::timeout(Duration::from_secs(5), attempt).await {
                Ok(Ok((conn, channel))) => {
                    self.link = Some((conn, channel.clone()));
                    return Ok(channel);
                }
                Ok(Err(e)) if started.elapsed() > PATIENCE => {
                    return Err(format!("AMQP publisher: no broker at {AMQP_URL} for {PATIENCE:?}: {e}"));
                }
                Err(_) if started.elapsed() > PATIENCE => {
                    return Err(format!("AMQP publisher: connecting to {AMQP_URL} kept timing out"));
                }
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}
