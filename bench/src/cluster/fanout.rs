//! Fan-out capacity, one node against two on the same machine: SSE clients
//! × deliveries/s with p99 < 100 ms (the perf command's fan-out step),
//! clients split evenly over the nodes, the feed ingested by one of them;
//! with where the CPU went during the best step.

use super::nodes::Nodes;
use crate::perf::live::{FANOUT_RATE, FanoutStep, fanout_step};
use feedboard_bench::{
    Result,
    api::mqtt_feed,
    cpu,
    report::{Report, Row},
};
use std::time::Duration;

/// The database of this case (fresh, apart from the failover run's).
const DATABASE: &str = "feedboard_bench_cluster_fanout";

/// The steps of one capacity search.
#[derive(Clone, Copy, Debug)]
pub struct Steps {
    /// Client counts tried in turn until one misses the target.
    pub clients: &'static [usize],
    /// Publishing time per step.
    pub seconds: u64,
}

/// The best step of one set-up.
#[derive(Clone, Debug)]
pub struct Capacity {
    pub nodes: usize,
    /// The largest step within target, if any, and the cores used meanwhile.
    pub best: Option<(FanoutStep, cpu::Split)>,
    /// The node ingesting the feed.
    pub ingester: String,
}

impl Capacity {
    /// Clients held within target (0 if none).
    pub fn clients(&self) -> usize {
        self.best.as_ref().map_or(0, |b| b.0.clients)
    }

    /// Deliveries per second within target (0 if none).
    pub fn rate(&self) -> f64 {
        self.best.as_ref().map_or(0.0, |b| b.0.rate)
    }
}

/// Searches the capacity on one node, then on two; adds a row per step.
pub async fn measure(report: &mut Report, steps: Steps) -> Result<[Capacity; 2]> {
    let mut nodes = Nodes::start(DATABASE, 1).await?;
    let api = nodes.admin(0).await?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let (feed, topic) = (format!("fanout-{run}"), format!("fanout/{run}/ticks"));
    api.create_feed(mqtt_feed(&feed, "ticks", &topic)).await?;
    let one = capacity(report, &nodes, &feed, &topic, steps).await?;
    nodes.add().await?;
    let two = capacity(report, &nodes, &feed, &topic, steps).await?;
    Ok([one, two])
}

/// Runs the steps on every node of `nodes` until one misses the target.
async fn capacity(report: &mut Report, nodes: &Nodes, feed: &str, topic: &str, steps: Steps) -> Result<Capacity> {
    let ingester = nodes.id(settled_ingester(nodes, feed).await?).to_owned();
    let (count, bases) = (nodes.len(), nodes.urls());
    println!("  fan-out on {count} node(s), {feed} ingested by {ingester}");
    let http = reqwest::Client::new();
    let mut processes = nodes.pids();
    processes.push(("bench".into(), std::process::id()));
    let mut best = None;
    for &n in steps.clients {
        let meter = cpu::Meter::start(&processes);
        let step =
            fanout_step(&http, &bases, topic, feed, (n, FANOUT_RATE), Duration::from_secs(steps.seconds), None).await?;
        let split = meter.stop();
        let name = format!("fan-out, {count} node(s), {n} clients × {FANOUT_RATE} msg/s");
        report.add(Row::new(name, step.rate, "deliveries/s").note(format!("{}; {split}", step.describe())));
        if !step.within_target() {
            break;
        }
        best = Some((step, split));
    }
    Ok(Capacity { nodes: count, best, ingester })
}

/// The node ingesting `feed` once that has not changed for a lease's
/// length (a node that just joined may be handed the feed).
async fn settled_ingester(nodes: &Nodes, feed: &str) -> Result<usize> {
    let feeds = [feed.to_owned()];
    let mut before = nodes.ingesters(&feeds).await?[0];
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_secs(6)).await;
        let now = nodes.ingesters(&feeds).await?[0];
        if now == before {
            return Ok(now);
        }
        before = now;
    }
    Err(format!("{feed} kept moving between nodes for a minute"))
}
