//! The reconnect storm: one SSE client reads a few events, drops the
//! connection and comes back with `Last-Event-ID`, over and over, while
//! publishers keep both feeds busy. Per feed, the `seq`s it saw in all its
//! connections together must run on without a gap or a repeat.

use super::{
    publish::{self, Pace},
    verify::Kind,
};
use crate::{
    Result,
    api::{amqp_feed, mqtt_feed},
    broker,
    server::Server,
    sse,
};
use std::{
    sync::{Arc, atomic::AtomicU64},
    time::{Duration, Instant},
};

/// What the storm saw.
#[derive(Debug, Default, Clone)]
pub struct Storm {
    pub reconnects: u64,
    /// `tick`/`log` events received over all connections.
    pub events: u64,
    /// `seq` numbers skipped, summed over both feeds.
    pub gaps: u64,
    /// `seq` numbers seen again (or going backwards).
    pub duplicates: u64,
    /// `reset` events (the server gave up resuming).
    pub resets: u64,
    pub took: Duration,
}

/// Runs `reconnects` resumes while publishers send `per_second` messages.
pub async fn run(server: &Server, reconnects: u64, per_second: f64) -> Result<Storm> {
    let api = server.admin().await?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let feeds = [format!("storm-{run}-ticks"), format!("storm-{run}-logs")];
    let topic = format!("storm/{run}/ticks");
    let (exchange, key) = (format!("storm.{run}"), "storm.logs".to_owned());
    api.create_feed(mqtt_feed(&feeds[0], "ticks", &topic)).await?;
    api.create_feed(amqp_feed(&feeds[1], "logs", &exchange, &key)).await?;

    // Enough messages to outlast the storm; the publishers are stopped after it.
    let pace = Pace { count: 1_000_000, per_second: per_second / 2.0, progress: Arc::new(AtomicU64::new(0)) };
    let mqtt = tokio::spawn(publish::mqtt(topic, pace.clone(), |i| Kind::Ticks.payload(i)));
    let amqp = tokio::spawn(publish::amqp(exchange, key, pace, |i| Kind::Logs.payload(i)));
    let storm = storm(&server.url(), &feeds.join(","), reconnects).await;
    mqtt.abort();
    amqp.abort();
    broker::amqp_delete_queues(&[&format!("feedboard.{}", feeds[1])]).await;
    storm
}

async fn storm(base: &str, feeds: &str, reconnects: u64) -> Result<Storm> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut seen = Storm::default();
    let mut last_seq: [Option<i64>; 2] = [None, None];
    let mut last_id: Option<String> = None;
    for round in 0..=reconnects {
        let mut stream = sse::connect(&http, base, feeds, last_id.as_deref()).await?;
        // 1 to 8 events per connection, so the cut falls anywhere.
        let want = 1 + round % 8;
        let mut got = 0;
        while got < want {
            let event = stream
                .next(Duration::from_secs(10))
                .await?
                .ok_or_else(|| format!("SSE stream went quiet on connection {round}"))?;
            let feed = match event.name.as_str() {
                "tick" => 0,
                "log" => 1,
                "reset" => {
                    seen.resets += 1;
                    continue;
                }
                _ => continue,
            };
            let seq = event.number("seq").ok_or_else(|| format!("event without seq: {}", event.data))? as i64;
            if let Some(prev) = last_seq[feed] {
                if seq <= prev {
                    seen.duplicates += 1;
                } else {
                    seen.gaps += (seq - prev - 1) as u64;
                }
            }
            last_seq[feed] = Some(seq.max(last_seq[feed].unwrap_or(0)));
            last_id = event.id.or(last_id);
            seen.events += 1;
            got += 1;
        }
        seen.reconnects = round;
    }
    seen.took = started.elapsed();
    Ok(seen)
}
