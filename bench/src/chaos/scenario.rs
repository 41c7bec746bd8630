//! One fault scenario: fresh feeds (MQTT ticks, AMQP logs), steady
//! publishers, a fault a third of the way in, then the count of what was
//! stored and how the feeds came back. The chaos command and the fault
//! integration test both run it, at different sizes.

use super::{
    publish::{self, Pace, Published},
    verify::{self, Count, Kind},
    watch::{self, Watcher},
};
use crate::{
    Result,
    api::{amqp_feed, mqtt_feed},
    broker, context,
    faults::Service,
    server::Server,
};
use sqlx::PgPool;
use std::{
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

/// What goes wrong.
#[derive(Clone, Debug)]
pub enum Fault {
    /// These services restarted one after the other.
    Restart(Vec<Service>),
    /// feedboard killed with SIGKILL, then started again.
    Kill9,
}

impl Fault {
    /// Short name for the report.
    pub fn name(&self) -> String {
        match self {
            Fault::Restart(services) => {
                let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
                format!("restart {}", names.join(" → "))
            }
            Fault::Kill9 => "kill -9 feedboard".into(),
        }
    }

    /// Which feeds (0: MQTT ticks, 1: AMQP logs) the fault interrupts.
    fn hits(&self) -> [bool; 2] {
        match self {
            Fault::Restart(services) => {
                let any = |s| services.iter().any(|x| *x == s || *x == Service::Postgres);
                [any(Service::Mosquitto), any(Service::RabbitMq)]
            }
            Fault::Kill9 => [true, true],
        }
    }
}

/// Size of a scenario.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Messages in all, split between the two feeds.
    pub messages: u64,
    /// Messages per second in all.
    pub per_second: f64,
}

/// What a scenario found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub fault: String,
    /// Both feeds together.
    pub count: Count,
    /// Fault injected → every interrupted feed connected and storing again
    /// (the slowest one); `None` if one never did.
    pub recovery: Option<Duration>,
    /// How long the services were down (sum over restarts), or the server
    /// took to start again.
    pub downtime: Duration,
    /// Per interrupted feed: how its status showed the outage (`None`: it did not).
    pub shown: Vec<(String, Option<String>)>,
    /// Publisher reconnects (MQTT, AMQP) and AMQP messages republished.
    pub publishers: (Published, Published),
}

impl Outcome {
    /// Whether nothing was lost, duplicated or out of sequence, and every
    /// interrupted feed showed its outage and recovered.
    pub fn passed(&self) -> bool {
        let c = &self.count;
        c.lost + c.duplicated + c.gaps + c.api_mismatches == 0
            && self.recovery.is_some()
            && self.shown.iter().all(|(_, s)| s.is_some())
    }
}

/// Runs `fault` under `load` on fresh feeds of `server`; `tag` keeps names unique.
pub async fn run(server: &mut Server, fault: Fault, load: Load, tag: &str) -> Result<Outcome> {
    let api = server.admin().await?;
    let db = PgPool::connect(&server.database_url()).await.map_err(context("bench database"))?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let feeds = [format!("chaos-{tag}-{run}-ticks"), format!("chaos-{tag}-{run}-logs")];
    let topic = format!("chaos/{run}/{tag}/ticks");
    let (exchange, key) = (format!("chaos.{run}"), format!("{tag}.logs"));
    api.create_feed(mqtt_feed(&feeds[0], "ticks", &topic)).await?;
    api.create_feed(amqp_feed(&feeds[1], "logs", &exchange, &key)).await?;

    let half = load.messages / 2;
    let progress = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let pace = Pace { count: half, per_second: load.per_second / 2.0, progress: progress.clone() };
    let mqtt = tokio::spawn(publish::mqtt(topic, pace.clone(), |i| Kind::Ticks.payload(i)));
    let amqp = tokio::spawn(publish::amqp(exchange, key, pace, |i| Kind::Logs.payload(i)));
    let watcher = Watcher::start(api.clone(), feeds.to_vec());

    while progress.load(Ordering::Relaxed) < load.messages / 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let fault_at = Instant::now();
    println!("  {}: fault injected after {} messages", fault.name(), progress.load(Ordering::Relaxed));
    let downtime = inject(server, &fault).await?;
    let back_at = Instant::now();
    println!("  {}: back after {downtime:.1?}", fault.name());

    let published = (mqtt.await.map_err(|e| e.to_string())??, amqp.await.map_err(|e| e.to_string())??);
    let mut count = Count::default();
    for feed in &feeds {
        verify::wait_stored(&db, feed, half, Duration::from_secs(30)).await?;
    }
    watch::until_caught_up(&api, &feeds, half, Duration::from_secs(30)).await;
    let samples = watcher.finish().await;
    let (mut recovery, mut shown) = (Some(Duration::ZERO), Vec::new());
    for (i, (feed, kind)) in feeds.iter().zip([Kind::Ticks, Kind::Logs]).enumerate() {
        count.add(&verify::count(&db, &api, feed, kind, half).await?);
        if fault.hits()[i] {
            let judged = watch::judge(&samples, i, fault_at, back_at, half);
            recovery = recovery.zip(judged.after).map(|(a, b)| a.max(b));
            shown.push((feed.clone(), judged.shown));
        }
    }
    broker::amqp_delete_queues(&[&format!("feedboard.{}", feeds[1])]).await;
    db.close().await;
    Ok(Outcome { fault: fault.name(), count, recovery, downtime, shown, publishers: published })
}

/// Injects the fault; returns how long the service (or server) was down.
async fn inject(server: &mut Server, fault: &Fault) -> Result<Duration> {
    match fault {
        Fault::Restart(services) => {
            let mut down = Duration::ZERO;
            for service in services {
                down += service.restart().await?;
            }
            Ok(down)
        }
        Fault::Kill9 => {
            let started = Instant::now();
            server.kill9().await;
            server.restart().await?;
            Ok(started.elapsed())
        }
    }
}
