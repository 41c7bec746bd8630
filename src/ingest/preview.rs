//! Preview: connect with a feed's settings before saving it and show how
//! the next live messages would parse. Takes nothing away from real feeds:
//! MQTT uses a throwaway session, AMQP a temporary exclusive queue.

use super::{
    parse::{self, Arrival, Parsed},
    source::{SourceError, amqp, mqtt, mqtt::client::Happened},
};
use crate::model::{FeedKind, Mapping, Preview, PreviewMessage, Source};
use futures::StreamExt;
use lapin::{
    options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions},
    types::FieldTable,
};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// What to preview and for how long.
pub struct PreviewRequest<'a> {
    pub kind: FeedKind,
    pub source: &'a Source,
    pub mapping: &'a Mapping,
    pub max_messages: usize,
    pub wait: Duration,
    pub max_payload: usize,
}

/// Connects, collects up to `max_messages` within `wait`, parses each.
/// Connection failures are errors; an empty result is not.
pub async fn preview(req: PreviewRequest<'_>) -> Result<Preview, SourceError> {
    let deadline = Instant::now() + req.wait;
    let (payloads, note) = match req.source {
        Source::Mqtt { url, topic, mqtt_version, tls } => {
            let client_id = format!("feedboard-preview-{}", uuid::Uuid::new_v4().simple());
            let target = mqtt::Target { url, tls: tls.as_ref(), client_id: &client_id };
            (mqtt_payloads(&target, *mqtt_version, topic, req.max_messages, deadline).await?, None)
        }
        Source::Amqp { url, exchange, binding_key, tls, .. } => {
            let broker = amqp::Broker { url, tls: tls.as_ref() };
            amqp_payloads(&broker, exchange, binding_key, req.max_messages, deadline).await?
        }
    };
    let messages = payloads.into_iter().map(|(origin, payload)| describe(&req, &origin, &payload)).collect();
    Ok(Preview { messages, note })
}

fn describe(req: &PreviewRequest<'_>, origin: &str, payload: &[u8]) -> PreviewMessage {
    let mut raw = String::from_utf8_lossy(&payload[..payload.len().min(4096)]).into_owned();
    if payload.len() > 4096 {
        raw.push('…');
    }
    let arrival = Arrival::at(origin, chrono::Utc::now());
    match parse::parse(req.kind, req.mapping, payload, arrival, req.max_payload) {
        Ok(parsed) => PreviewMessage { raw, parsed: Some(to_json(parsed)), error: None, origin: Some(origin.into()) },
        Err(reason) => PreviewMessage { raw, parsed: None, error: Some(reason), origin: Some(origin.into()) },
    }
}

fn to_json(parsed: Parsed) -> Value {
    match parsed {
        Parsed::Tick(t) => json!({
            "symbol": t.symbol, "price": t.price, "size": t.size,
            "ts": crate::model::time::format(&t.ts), "id": t.publisher_id,
        }),
        Parsed::Log(l) => json!({
            "ts": crate::model::time::format(&l.ts), "level": l.level, "source": l.source,
            "message": l.message, "id": l.publisher_id,
        }),
    }
}

type Payloads = Vec<(String, Vec<u8>)>;

async fn mqtt_payloads(
    target: &mqtt::Target<'_>,
    version: crate::model::MqttVersion,
    topic: &str,
    max: usize,
    deadline: Instant,
) -> Result<Payloads, SourceError> {
    let (client, mut events, _) = mqtt::connect_ephemeral(target, version).await?;
    client.subscribe(topic).await?;
    let mut out = Vec::new();
    while out.len() < max {
        match tokio::time::timeout_at(deadline, events.poll()).await {
            Err(_) => break,
            Ok(event) => match event? {
                Happened::SubAck { refused: Some(reason) } => {
                    return Err(SourceError::Subscription { topic: topic.into(), reason });
                }
                Happened::Publish { topic, payload, .. } => out.push((topic, payload.to_vec())),
                _ => {}
            },
        }
    }
    let _ = client.disconnect().await;
    Ok(out)
}

async fn amqp_payloads(
    broker: &amqp::Broker<'_>,
    exchange: &str,
    binding_key: &str,
    max: usize,
    deadline: Instant,
) -> Result<(Payloads, Option<String>), SourceError> {
    let conn = amqp::connect(broker, "feedboard-preview").await?;
    let channel = conn.create_channel().await?;
    if !exchange.is_empty() {
        let passive = lapin::options::ExchangeDeclareOptions { passive: true, ..Default::default() };
        if let Err(e) =
            channel.exchange_declare(exchange.into(), lapin::ExchangeKind::Topic, passive, FieldTable::default()).await
        {
            if amqp::is_not_found(&e) {
                let note = format!("exchange {exchange:?} does not exist yet; the feed will create it when it starts");
                return Ok((Vec::new(), Some(note)));
            }
            return Err(e.into());
        }
    }
    let temp = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
    let queue = channel.queue_declare("".into(), temp, FieldTable::default()).await?;
    if !exchange.is_empty() {
        channel
            .queue_bind(
                queue.name().clone(),
                exchange.into(),
                binding_key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    let no_ack = BasicConsumeOptions { no_ack: true, ..Default::default() };
    let mut consumer =
        channel.basic_consume(queue.name().clone(), "preview".into(), no_ack, FieldTable::default()).await?;
    let mut out = Vec::new();
    while out.len() < max {
        match tokio::time::timeout_at(deadline, consumer.next()).await {
            Ok(Some(delivery)) => {
                let d = delivery?;
                out.push((d.routing_key.to_string(), d.data));
            }
            _ => break,
        }
    }
    let _ = conn.close(200, "preview done".into()).await;
    Ok((out, None))
}
