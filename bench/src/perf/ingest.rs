//! Ingest throughput: messages/s stored in Postgres through feedboard ÷
//! messages/s a bare client receives from the same broker, same run.

use super::Scale;
use feedboard_bench::{
    Result,
    api::{amqp_feed, mqtt_feed},
    broker, context,
    report::{Report, Row},
    server::Server,
};
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// A tick payload with a publisher id.
pub fn tick(i: u64) -> Vec<u8> {
    format!(r#"{{"symbol":"S{}","price":{}.25,"size":1,"id":"m{i}"}}"#, i % 10, 100 + i % 50).into_bytes()
}

/// Adds the MQTT and AMQP ingest rows.
pub async fn measure(report: &mut Report, server: &Server, scale: Scale) -> Result {
    let api = server.admin().await?;
    let db = PgPool::connect(&server.database_url()).await.map_err(context("bench database"))?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let n = scale.ingest;

    // MQTT, one after the other so neither steals the other's CPU, on a
    // broker without a queue limit.
    let own_broker = broker::OwnMosquitto::start().await?;
    let bare_topic = format!("bench/{run}/bare");
    let counter = broker::mqtt_counter(&bare_topic, n, Duration::from_secs(120)).await?;
    let started = Instant::now();
    broker::mqtt_publish(&bare_topic, n, None, tick).await?;
    let (received, last) = counter.await.map_err(|e| e.to_string())?;
    let bare_rate = received as f64 / last.duration_since(started).as_secs_f64();

    let feed = format!("bench-mqtt-{run}");
    let topic = format!("bench/{run}/feed");
    api.create_feed(mqtt_feed(&feed, "ticks", &topic)).await?;
    let started = Instant::now();
    broker::mqtt_publish(&topic, n, None, tick).await?;
    let (stored, took) = wait_stored(&db, &feed, n, started).await?;
    if stored < n {
        println!("  MQTT feed stalled at {stored}/{n}; status: {}", api.status(&feed).await?);
    }
    report.add(
        Row::new("MQTT ingest → Postgres", stored as f64 / took.as_secs_f64(), "msg/s")
            .baseline(bare_rate)
            .ratio_at_least(0.8)
            .note(format!("{stored}/{n} stored; baseline: bare rumqttc subscriber, {received}/{n} received")),
    );
    api.delete_feed(&feed).await?;
    drop(own_broker);

    // AMQP: a backlog of n waits in both queues, then each consumer drains it.
    let exchange = format!("bench.{run}");
    let key = "bench.ticks";
    let feed = format!("bench-amqp-{run}");
    api.create_feed(amqp_feed(&feed, "ticks", &exchange, key)).await?;
    api.set_enabled(&feed, false).await?;
    let bare_queue = format!("bench.bare.{run}");
    broker::amqp_queue(&exchange, key, &bare_queue).await?;
    broker::amqp_publish(&exchange, key, n, tick).await?;
    let started = Instant::now();
    api.set_enabled(&feed, true).await?;
    let (stored, took) = wait_stored(&db, &feed, n, started).await?;
    let bare = broker::amqp_drain(&bare_queue, n, 5_000, 1_000).await?;
    report.add(
        Row::new("AMQP ingest → Postgres", stored as f64 / took.as_secs_f64(), "msg/s")
            .baseline(n as f64 / bare.as_secs_f64())
            .ratio_at_least(0.8)
            .note(format!("{stored}/{n} stored from a backlog; baseline: bare lapin consumer, same prefetch and acks")),
    );
    api.delete_feed(&feed).await?;
    broker::amqp_delete_queues(&[&bare_queue, &format!("feedboard.{feed}")]).await;
    Ok(())
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
