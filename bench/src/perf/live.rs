//! Live delivery: publish → SSE client latency at 1k msg/s beside the
//! broker's own publish → subscriber latency, SSE fan-out capacity (the
//! fan-out step is shared with the cluster command's 1-vs-2-node case), and
//! many viewers of one feed (10,000 clients at 10 msg/s).
//!
//! Each tick carries its send time (µs since the run began) in `size`, so
//! every receiver computes its latency on the same clock.

use super::Scale;
use feedboard_bench::{
    Result,
    api::mqtt_feed,
    broker, context,
    cpu::{Meter, Who},
    report::{Report, Row},
    server::Server,
    sse,
    stats::{Samples, micros},
};
use rumqttc::v5::{Event, mqttbytes::QoS, mqttbytes::v5::Packet};
use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};
use tokio::{sync::Semaphore, task::JoinSet};

/// p99 a fan-out step must stay under to count.
pub const FANOUT_P99_MS: f64 = 100.0;
/// Message rate of the fan-out steps.
pub const FANOUT_RATE: f64 = 60.0;
/// Message rate of the many-viewers step.
const VIEWER_RATE: f64 = 10.0;

fn stamped_tick(i: u64) -> Vec<u8> {
    format!(r#"{{"symbol":"S{}","price":100.5,"size":{}}}"#, i % 10, micros()).into_bytes()
}

/// A new ticks feed `bench-<case>-<run>` on its own topic, with the clock
/// of the stamps started: the admin API, the feed's name and its topic.
async fn stamped_feed(server: &Server, case: &str) -> Result<(feedboard_bench::api::Api, String, String)> {
    micros();
    let api = server.admin().await?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (feed, topic) = (format!("bench-{case}-{run}"), format!("bench/{run}/{case}"));
    api.create_feed(mqtt_feed(&feed, "ticks", &topic)).await?;
    Ok((api, feed, topic))
}

/// Adds the latency and fan-out rows.
pub async fn measure(report: &mut Report, server: &Server, scale: Scale) -> Result {
    let (_, feed, topic) = stamped_feed(server, "live").await?;
    let http = reqwest::Client::new();
    let window = Duration::from_secs(scale.seconds);

    // Latency at 1k msg/s: one SSE client beside a bare MQTT subscriber.
    let bare = bare_latencies(&topic, window).await?;
    let clients = sse_clients(&http, &[server.url()], &feed, 1, window).await?;
    broker::mqtt_publish(&topic, 1000 * scale.seconds, Some(1000.0), stamped_tick).await?;
    let (mut sse, _) = collect(clients).await;
    let mut bare = bare.await.map_err(|e| e.to_string())?;
    for p in [50.0, 99.0] {
        report.add(
            Row::new(format!("publish → SSE latency p{p} at 1k msg/s"), sse.percentile_ms(p), "ms")
                .baseline(bare.percentile_ms(p))
                .at_most(if p == 50.0 { 10.0 } else { 50.0 })
                .note(format!("{} deliveries; baseline: publish → bare MQTT subscriber", sse.len())),
        );
    }

    // Fan-out: more clients at a steady rate until p99 passes 100 ms.
    let (mut capacity_clients, mut capacity_rate) = (0usize, 0f64);
    for &n in scale.fanout {
        let step = fanout_step(&http, &[server.url()], &topic, &feed, (n, FANOUT_RATE), window, None).await?;
        report.add(
            Row::new(format!("SSE fan-out, {n} clients × {FANOUT_RATE} msg/s"), step.rate, "deliveries/s")
                .note(step.describe()),
        );
        if !step.within_target() {
            break;
        }
        (capacity_clients, capacity_rate) = (n, step.rate.max(capacity_rate));
    }
    report.add(Row::new("SSE clients held with p99 < 100 ms", capacity_clients as f64, "clients").at_least(2000.0));
    report.add(Row::new("SSE deliveries with p99 < 100 ms", capacity_rate, "deliveries/s").at_least(100_000.0));
    Ok(())
}

/// Adds the many-viewers rows: [`Scale::viewers`] SSE clients of one feed
/// on one node at [`VIEWER_RATE`], with the server's memory per client and
/// where the CPU went. Needs as many file descriptors on both sides: the
/// perf command raises its limit before it starts the server.
pub async fn viewers(report: &mut Report, server: &Server, scale: Scale) -> Result {
    let (api, feed, topic) = stamped_feed(server, "viewers").await?;
    let http = reqwest::Client::new();
    let viewers = scale.viewers;
    let pid = server.pid().ok_or("the server is not running")?;
    let idle = resident_bytes(pid);
    let lines = [("feedboard".to_owned(), Who::Pid(pid)), ("bench clients".to_owned(), Who::me())];
    let meter = Meter::of(&lines);
    let window = Duration::from_secs(scale.seconds);
    let pushed_before = push_buckets(&http, &server.url()).await?;
    let step = fanout_step(&http, &[server.url()], &topic, &feed, (viewers, VIEWER_RATE), window, Some(pid)).await?;
    let cpu = meter.stop();
    let pushed = push_buckets(&http, &server.url()).await?;
    let share = |le: &str| share_within(&pushed_before, &pushed, le).map_or("?".to_owned(), |p| format!("{p:.1}%"));
    let server_side = format!(
        "the server handed {} of the deliveries to their connection within 50 ms of the commit, {} within 100 ms",
        share("0.05"),
        share("0.1")
    );
    let per_client = match (idle, step.resident) {
        (Some(idle), Some(held)) => {
            format!("server memory {:.1} KiB per client", held.saturating_sub(idle) as f64 / 1024.0 / viewers as f64)
        }
        _ => "server memory not read".to_owned(),
    };
    let name = format!("SSE viewers: {viewers} clients × {VIEWER_RATE} msg/s");
    let delivered = 100.0 * step.delivered as f64 / step.expected.max(1) as f64;
    report.add(
        Row::new(format!("{name}, delivered"), delivered, "%")
            .at_least(100.0)
            .note(format!("{}; {per_client}; {cpu}", step.describe())),
    );
    report.add(Row::new(format!("{name}, p99"), step.p99_ms, "ms").at_most(FANOUT_P99_MS).note(server_side));
    api.delete_feed(&feed).await?;
    Ok(())
}

/// The server's `feedboard_push_latency_seconds` histogram (commit → handed
/// to a stream's connection) from `/metrics`: each bucket's bound (`le`)
/// and its cumulative count.
async fn push_buckets(http: &reqwest::Client, base: &str) -> Result<Vec<(String, f64)>> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .map_err(context("GET /metrics"))?
        .text()
        .await
        .map_err(context("GET /metrics"))?;
    Ok(text
        .lines()
        .filter_map(|line| line.strip_prefix("feedboard_push_latency_seconds_bucket{le=\""))
        .filter_map(|rest| {
            let (le, count) = rest.split_once("\"} ")?;
            Some((le.to_owned(), count.trim().parse().ok()?))
        })
        .collect())
}

/// Percentage of the pushes between two reads of the histogram that took
/// at most `le` seconds (a bucket bound).
fn share_within(before: &[(String, f64)], after: &[(String, f64)], le: &str) -> Option<f64> {
    let count = |buckets: &[(String, f64)], le: &str| buckets.iter().find(|b| b.0 == le).map_or(0.0, |b| b.1);
    let total = count(after, "+Inf") - count(before, "+Inf");
    (total > 0.0).then(|| 100.0 * (count(after, le) - count(before, le)) / total)
}

/// Raises this process's open-file limit to its hard limit (10,000 SSE
/// clients need as many sockets; a process started later inherits it).
pub fn raise_open_files() {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else { return };
    let hard = limits.lines().find(|l| l.starts_with("Max open files")).and_then(|l| l.split_whitespace().nth(4));
    if let Some(hard) = hard.and_then(|h| h.parse::<u64>().ok()) {
        let _ = std::process::Command::new("prlimit")
            .args(["--pid", &std::process::id().to_string(), &format!("--nofile={hard}:{hard}")])
            .status();
    }
}

/// Resident memory of a process, in bytes (`VmRSS` of `/proc/<pid>/status`).
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(kib * 1024)
}

/// What one fan-out step measured.
#[derive(Debug, Clone)]
pub struct FanoutStep {
    /// SSE clients opened.
    pub clients: usize,
    /// Clients that stayed connected to the end.
    pub held: usize,
    /// Deliveries due (messages × clients) and made.
    pub expected: usize,
    pub delivered: usize,
    /// Deliveries per second over the publishing time.
    pub rate: f64,
    /// Resident memory of the watched server with every client connected.
    pub resident: Option<u64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl FanoutStep {
    /// Whether every client held on, got every message, with p99 under 100 ms.
    pub fn within_target(&self) -> bool {
        self.p99_ms < FANOUT_P99_MS && self.held == self.clients && self.delivered == self.expected
    }

    /// The step in words, for a report note.
    pub fn describe(&self) -> String {
        format!(
            "{}/{} held, {}/{} delivered, p50 {:.1} ms, p99 {:.1} ms",
            self.held, self.clients, self.delivered, self.expected, self.p50_ms, self.p99_ms
        )
    }
}

/// One fan-out step: `n` SSE clients on `feed`, spread round-robin over
/// `bases`, while stamped ticks go to `topic` at `rate` per second for
/// `window`; with the resident memory of `watch` once all are connected.
pub async fn fanout_step(
    http: &reqwest::Client,
    bases: &[String],
    topic: &str,
    feed: &str,
    (n, rate): (usize, f64),
    window: Duration,
    watch: Option<u32>,
) -> Result<FanoutStep> {
    let clients = sse_clients(http, bases, feed, n, window).await?;
    let resident = watch.and_then(resident_bytes);
    let published = (rate * window.as_secs_f64()) as u64;
    let took = broker::mqtt_publish(topic, published, Some(rate), stamped_tick).await?;
    let (mut samples, held) = collect(clients).await;
    Ok(FanoutStep {
        clients: n,
        held,
        expected: published as usize * n,
        delivered: samples.len(),
        rate: samples.len() as f64 / took.as_secs_f64(),
        resident,
        p50_ms: samples.percentile_ms(50.0),
        p99_ms: samples.percentile_ms(99.0),
    })
}

/// A bare MQTT subscriber on `topic` recording each stamped tick's latency
/// for `window` (plus a second of grace).
async fn bare_latencies(topic: &str, window: Duration) -> Result<tokio::task::JoinHandle<Samples>> {
    let (client, mut events) = broker::mqtt_client("bench-lat", true);
    client.subscribe(topic, QoS::AtLeastOnce).await.map_err(context("MQTT subscribe"))?;
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::SubAck(_))) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("MQTT subscriber: {e}")),
        }
    }
    Ok(tokio::spawn(async move {
        let mut samples = Samples::default();
        let end = tokio::time::Instant::now() + window + Duration::from_secs(2);
        while let Ok(Ok(event)) = tokio::time::timeout_at(end, events.poll()).await {
            if let Event::Incoming(Packet::Publish(p)) = event {
                let event = sse::Event { data: String::from_utf8_lossy(&p.payload).into_owned(), ..Default::default() };
                if let Some(sent) = event.number("size") {
                    samples.push(micros().saturating_sub(sent as u64));
                }
            }
        }
        let _ = client.disconnect().await;
        samples
    }))
}

/// Connects `n` SSE clients to `feed` (a hundred at a time, round-robin over
/// `bases`) and lets each record latencies until `window` plus two seconds
/// after the last one connected (connecting 10,000 takes seconds: a window
/// counted from each client's own connection ended early for the first);
/// returns once all are connected.
async fn sse_clients(
    http: &reqwest::Client,
    bases: &[String],
    feed: &str,
    n: usize,
    window: Duration,
) -> Result<JoinSet<Option<Samples>>> {
    let gate = Arc::new(Semaphore::new(100));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(n);
    let deadline = Arc::new(OnceLock::<tokio::time::Instant>::new());
    let mut clients = JoinSet::new();
    for i in 0..n {
        let base = bases[i % bases.len()].clone();
        let (http, feed, gate, ready, deadline) =
            (http.clone(), feed.to_owned(), gate.clone(), ready_tx.clone(), deadline.clone());
        clients.spawn(async move {
            let permit = gate.acquire_owned().await.ok()?;
            let stream = sse::connect(&http, &base, &feed, None).await;
            drop(permit);
            let _ = ready.send(()).await;
            drop(ready);
            let mut stream = stream.ok()?;
            let mut samples = Samples::default();
            loop {
                let now = tokio::time::Instant::now();
                let end = deadline.get().copied();
                if end.is_some_and(|end| now >= end) {
                    break;
                }
                let wait = end.map_or(Duration::from_secs(1), |end| end - now).min(Duration::from_secs(1));
                match stream.next(wait).await {
                    Ok(Some(event)) if event.name == "tick" => {
                        if let Some(sent) = event.number("size") {
                            samples.push(micros().saturating_sub(sent as u64));
                        }
                    }
                    Ok(None) if !stream.ended() => {}
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            Some(samples)
        });
    }
    drop(ready_tx);
    while ready_rx.recv().await.is_some() {}
    // Let the server register the last subscribers before publishing.
    let settle = Duration::from_millis(300);
    let _ = deadline.set(tokio::time::Instant::now() + settle + window + Duration::from_secs(2));
    tokio::time::sleep(settle).await;
    Ok(clients)
}

/// Every client's samples together, and how many clients held on.
async fn collect(mut clients: JoinSet<Option<Samples>>) -> (Samples, usize) {
    let (mut all, mut held) = (Samples::default(), 0);
    while let Some(result) = clients.join_next().await {
        if let Ok(Some(samples)) = result {
            held += 1;
            all.merge(samples);
        }
    }
    (all, held)
}
