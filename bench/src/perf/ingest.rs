//! Ingest throughput: messages/s stored in Postgres through feedboard ÷
//! messages/s a bare client receives from the same broker, same run, and
//! messages per CPU-second of each (the figure that travels to bigger
//! machines).

use super::Scale;
use feedboard_bench::{
    Result,
    api::{amqp_feed, mqtt_feed},
    broker, context,
    cpu::{Meter, Split, Who},
    report::{Report, Row},
    server::Server,
};
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// A tick payload with a publisher id.
pub fn tick(i: u64) -> Vec<u8> {
    format!(r#"{{"symbol":"S{}","price":{}.25,"size":1,"id":"m{i}"}}"#, i % 10, 100 + i % 50).into_bytes()
}

/// Adds the MQTT and AMQP ingest rows: for each broker, a backlog of `n`
/// ticks drained by feedboard (into Postgres) and by a bare client, one
/// after the other so neither steals the other's CPU, each with where the
/// CPU went.
pub async fn measure(report: &mut Report, server: &Server, scale: Scale) -> Result {
    let api = server.admin().await?;
    let db = PgPool::connect(&server.database_url()).await.map_err(context("bench database"))?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let n = scale.ingest;
    let feedboard = Who::Pid(server.pid().ok_or("the server is not running")?);

    // MQTT, on a broker of the bench's own without a queue limit.
    let own_broker = broker::OwnMosquitto::start().await?;
    let bare_topic = format!("bench/{run}/bare");
    let session = broker::mqtt_backlog_session(&bare_topic).await?;
    broker::mqtt_publish(&bare_topic, n, None, tick).await?;
    let meter = Meter::of(&bare_lines("mosquitto"));
    let (received, took) = broker::mqtt_drain(session, n).await?;
    let bare = Drain { messages: received, took, cpu: meter.stop() };

    let feed = format!("bench-mqtt-{run}");
    let topic = format!("bench/{run}/feed");
    api.create_disabled_feed(mqtt_feed(&feed, "ticks", &topic)).await?;
    broker::mqtt_publish(&topic, n, None, tick).await?;
    let ours = drain_into_feed(&api, &db, &feed, n, &feedboard, "mosquitto").await?;
    add_rows(report, "MQTT", &ours, &bare, n, "bare rumqttc subscriber, automatic acks");
    api.delete_feed(&feed).await?;
    drop(own_broker);

    // AMQP: a backlog of n waits in both queues, then each consumer drains it.
    let exchange = format!("bench.{run}");
    let key = "bench.ticks";
    let feed = format!("bench-amqp-{run}");
    api.create_disabled_feed(amqp_feed(&feed, "ticks", &exchange, key)).await?;
    let bare_queue = format!("bench.bare.{run}");
    broker::amqp_queue(&exchange, key, &bare_queue).await?;
    broker::amqp_publish(&exchange, key, n, tick).await?;
    let ours = drain_into_feed(&api, &db, &feed, n, &feedboard, "beam.smp").await?;
    let meter = Meter::of(&bare_lines("beam.smp"));
    let took = broker::amqp_drain(&bare_queue, n, 5_000, 1_000).await?;
    let bare = Drain { messages: n, took, cpu: meter.stop() };
    add_rows(report, "AMQP", &ours, &bare, n, "bare lapin consumer, same prefetch and acks");
    api.delete_feed(&feed).await?;
    broker::amqp_delete_queues(&[&bare_queue, &format!("feedboard.{feed}")]).await;
    Ok(())
}

/// One drain of a backlog: how many messages, how long, and the CPU split.
struct Drain {
    messages: u64,
    took: Duration,
    cpu: Split,
}

impl Drain {
    fn rate(&self) -> f64 {
        self.messages as f64 / self.took.as_secs_f64()
    }

    /// Messages per CPU-second of the named line.
    fn per_cpu_second(&self, line: &str) -> f64 {
        self.messages as f64 / self.cpu.cpu_seconds(line).max(0.01)
    }
}

/// The lines of a bare drain's CPU split: the bench (the bare client and
/// nothing else while it drains) and the broker.
fn bare_lines(broker: &'static str) -> Vec<(String, Who)> {
    vec![(BARE.into(), Who::me()), ("broker".into(), Who::Command(broker))]
}

const BARE: &str = "bare client";
const FEEDBOARD: &str = "feedboard";

/// Enables the (disabled) `feed` and waits until its backlog of `n` is stored.
async fn drain_into_feed(
    api: &feedboard_bench::api::Api,
    db: &PgPool,
    feed: &str,
    n: u64,
    feedboard: &Who,
    broker: &'static str,
) -> Result<Drain> {
    let lines = [
        (FEEDBOARD.into(), feedboard.clone()),
        ("Postgres".into(), Who::Command("postgres")),
        ("broker".into(), Who::Command(broker)),
        ("bench (polls seq)".into(), Who::me()),
    ];
    let meter = Meter::of(&lines);
    let started = Instant::now();
    api.set_enabled(feed, true).await?;
    let (stored, took) = wait_stored(db, feed, n, started).await?;
    let cpu = meter.stop();
    if stored < n {
        println!("  {feed} stalled at {stored}/{n}; status: {}", api.status(feed).await?);
    }
    Ok(Drain { messages: stored, took, cpu })
}

/// The throughput row and the messages-per-CPU-second row of one broker.
fn add_rows(report: &mut Report, broker: &str, ours: &Drain, bare: &Drain, n: u64, baseline: &str) {
    report.add(
        Row::new(format!("{broker} ingest → Postgres (backlog of {n})"), ours.rate(), "msg/s")
            .baseline(bare.rate())
            .ratio_at_least(0.8)
            .note(format!(
                "{}/{n} stored, {}; baseline: {baseline}, {}/{n} received, {}",
                ours.messages, ours.cpu, bare.messages, bare.cpu
            )),
    );
    report.add(
        Row::new(format!("{broker} messages per CPU-second of feedboard"), ours.per_cpu_second(FEEDBOARD), "msg/cpu-s")
            .baseline(bare.per_cpu_second(BARE))
            .note(format!(
                "baseline: the bare client's; feedboard + Postgres: {:.0} msg/cpu-s",
                ours.messages as f64 / (ours.cpu.cpu_seconds(FEEDBOARD) + ours.cpu.cpu_seconds("Postgres")).max(0.01)
            )),
    );
}

/// Polls the feed's last `seq` until `n` are stored (or nothing moves for
/// 10 s); returns how many were stored and when, counted from `since`.
pub async fn wait_stored(db: &PgPool, feed: &str, n: u64, since: Instant) -> Result<(u64, Duration)> {
    let (mut stored, mut moved) = (0u64, Instant::now());
    let mut at = since.elapsed();
    while stored < n && moved.elapsed() < Duration::from_secs(10) {
        let now = feedboard_bench::db::last_seq(db, feed).await?;
        if now > stored {
            (stored, moved, at) = (now, Instant::now(), since.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok((stored, at))
}
