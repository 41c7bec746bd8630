//! The failover proof: three nodes behind HAProxy, publishers with ids over
//! MQTT and AMQP at a steady rate, SSE viewers on every node. A quarter of
//! the way in, `kill -9` of the node ingesting the MQTT feed; past 60 %,
//! SIGTERM of the node that took it over. Then every message must be stored
//! once with gap-free `seq`s, and every viewer must have had each exactly
//! once, in order. Finally the stopped nodes start again and rejoin.

use super::{
    feeds::ProofFeeds,
    haproxy::Haproxy,
    nodes::Nodes,
    takeover::{self, Takeover},
    timeline::Timeline,
    viewers::{self, Entry, Latencies, Seen, Stage},
};
use feedboard_bench::{
    Result,
    api::Api,
    chaos::{
        publish::{self, Pace, Published},
        verify::{self, Count, Kind},
    },
    context,
    server::ADMIN_PASSWORD,
    stats::micros,
};
use sqlx::PgPool;
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{
    sync::{mpsc, watch},
    task::{JoinHandle, JoinSet},
};

/// The shared database of the three nodes.
const DATABASE: &str = "feedboard_bench_cluster";
/// Nodes in the cluster.
const NODES: usize = 3;
/// After a takeover, messages sent within this margin (the backlog the new
/// node works through) still count as unsettled, not near or far.
const SETTLE_MARGIN: Duration = Duration::from_secs(2);

/// Size of the run.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Messages in all, half per feed.
    pub messages: u64,
    /// Messages per second in all.
    pub per_second: f64,
    /// Viewers connected directly to the nodes (spread evenly).
    pub viewers: usize,
    /// Viewers connected through HAProxy.
    pub balanced_viewers: usize,
}

/// How a node is taken down.
#[derive(Clone, Copy, Debug)]
enum How {
    Kill9,
    Sigterm,
}

/// One fault and what it did to the feeds the node ingested.
#[derive(Debug, Clone)]
pub struct Fault {
    /// `kill -9 node-2`, `SIGTERM node-3`.
    pub what: String,
    pub takeovers: Vec<Takeover>,
    /// SIGTERM → the process exited.
    pub stopped_in: Option<Duration>,
}

/// The viewers' verdicts, summed.
#[derive(Debug, Default, Clone)]
pub struct Viewers {
    pub total: usize,
    /// Viewers that had every message exactly once, in order.
    pub exact: usize,
    pub gaps: u64,
    pub duplicates: u64,
    pub resets: u64,
    pub reconnects: u64,
    /// The first few viewers that did not, in words.
    pub failures: Vec<String>,
}

/// What the run found.
pub struct Outcome {
    /// Both feeds against Postgres.
    pub count: Count,
    pub faults: Vec<Fault>,
    pub viewers: Viewers,
    pub latencies: Latencies,
    /// The stopped nodes restarted → all nodes list each other again.
    pub rejoined_in: Duration,
    /// MQTT and AMQP publishers.
    pub published: (Published, Published),
    /// A feed created through the balancer → connected on some node (the slower of two).
    pub created_connected_in: Duration,
}

/// Runs the proof at `load`.
pub async fn run(load: Load) -> Result<Outcome> {
    let mut nodes = Nodes::start(DATABASE, NODES).await?;
    let balancer = Haproxy::start(&nodes.backends()).await?;
    println!("  {NODES} nodes on database {DATABASE}, HAProxy at {} ({})", balancer.url(), balancer.dir().display());
    let api = Api::sign_in(&balancer.url(), "admin", ADMIN_PASSWORD).await?;
    let feeds = ProofFeeds::create(&api).await?;
    let result = prove(&mut nodes, &balancer, &api, &feeds, load).await;
    feeds.remove_queue().await;
    result
}

async fn prove(nodes: &mut Nodes, balancer: &Haproxy, api: &Api, feeds: &ProofFeeds, load: Load) -> Result<Outcome> {
    let mut apis = Vec::new();
    for i in 0..nodes.len() {
        apis.push((nodes.id(i).to_owned(), nodes.admin(i).await?));
    }
    let timeline = Arc::new(Timeline::default());
    let ingesters = nodes.ingesters(&feeds.names).await?;
    timeline.settled(micros(), ingesters.clone());
    println!(
        "  {} ingested by {}, {} by {}",
        feeds.names[0],
        nodes.id(ingesters[0]),
        feeds.names[1],
        nodes.id(ingesters[1])
    );

    let (ends, ends_seen) = watch::channel(None);
    let stage = Stage {
        http: reqwest::Client::new(),
        nodes: Arc::new(nodes.urls()),
        balancer: balancer.url(),
        feeds: feeds.stream_param(),
        timeline: timeline.clone(),
        ends: ends_seen,
    };
    let viewers = open_viewers(&stage, load).await?;

    let half = load.messages / 2;
    let progress = Arc::new(AtomicU64::new(0));
    let pace = Pace { count: half, per_second: load.per_second / 2.0, progress: progress.clone() };
    let mqtt = tokio::spawn(publish::mqtt(feeds.topic.clone(), pace.clone(), |i| {
        Kind::Ticks.stamped_payload(i, Some(micros()))
    }));
    let amqp = tokio::spawn(publish::amqp(feeds.exchange.clone(), feeds.key.clone(), pace, |i| {
        Kind::Logs.stamped_payload(i, Some(micros()))
    }));
    let publishers = [&mqtt, &amqp];

    let mut faults = Vec::new();
    for (share, how) in [(0.25, How::Kill9), (0.60, How::Sigterm)] {
        wait_for_progress(&progress, (load.messages as f64 * share) as u64, &publishers).await;
        println!("  after {} messages:", progress.load(Ordering::Relaxed));
        faults.push(fault(nodes, &apis, feeds, &timeline, how).await?);
    }

    let published = (mqtt.await.map_err(|e| e.to_string())??, amqp.await.map_err(|e| e.to_string())??);
    println!("  published {} + {} messages (acknowledged)", published.0.acked, published.1.acked);
    let db = PgPool::connect(&nodes.database_url()).await.map_err(context("bench database"))?;
    let mut last = [0; 2];
    for (last, feed) in last.iter_mut().zip(&feeds.names) {
        *last = verify::wait_stored(&db, feed, half, Duration::from_secs(30)).await?;
    }
    let _ = ends.send(Some(last));
    let (viewers, latencies) = collect_viewers(viewers).await;
    println!("  viewers: {}/{} had every message exactly once", viewers.exact, viewers.total);
    let mut count = Count::default();
    for (feed, kind) in feeds.names.iter().zip(ProofFeeds::KINDS) {
        count.add(&verify::count(&db, api, feed, kind, half).await?);
    }
    db.close().await;

    let started = Instant::now();
    let down: Vec<usize> = (0..nodes.len()).filter(|i| !nodes.up().contains(i)).collect();
    for i in down {
        nodes.restart(i).await?;
    }
    nodes.wait_formed().await?;
    let rejoined_in = started.elapsed();
    println!("  stopped nodes restarted; all {} listed by each other after {rejoined_in:.1?}", nodes.len());
    let created_connected_in = feeds.connected_in;
    Ok(Outcome { count, faults, viewers, latencies, rejoined_in, published, created_connected_in })
}

/// Starts the viewers and waits until each has its stream open.
async fn open_viewers(stage: &Stage, load: Load) -> Result<JoinSet<Seen>> {
    let (ready, mut readied) = mpsc::channel(load.viewers + load.balanced_viewers);
    let mut viewers = JoinSet::new();
    let direct = (0..load.viewers).map(|k| Entry::Node(k % stage.nodes.len()));
    for entry in direct.chain(std::iter::repeat_n(Entry::Balancer, load.balanced_viewers)) {
        viewers.spawn(viewers::run(stage.clone(), entry, ready.clone()));
    }
    drop(ready);
    let mut open = 0;
    while readied.recv().await.is_some() {
        open += 1;
    }
    let total = load.viewers + load.balanced_viewers;
    if open < total {
        return Err(format!("only {open} of {total} viewers could open their stream"));
    }
    println!("  {} viewers on the nodes, {} through HAProxy", load.viewers, load.balanced_viewers);
    Ok(viewers)
}

/// Waits until `progress` reaches `target` (or a publisher stopped).
async fn wait_for_progress(progress: &AtomicU64, target: u64, publishers: &[&JoinHandle<Result<Published>>]) {
    while progress.load(Ordering::Relaxed) < target && !publishers.iter().any(|p| p.is_finished()) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Takes down the node ingesting the MQTT feed, `how`, and measures how
/// long the others took to take over each feed it ingested.
async fn fault(
    nodes: &mut Nodes,
    apis: &[(String, Api)],
    feeds: &ProofFeeds,
    timeline: &Timeline,
    how: How,
) -> Result<Fault> {
    let mut ingesters = nodes.ingesters(&feeds.names).await?;
    let victim = ingesters[0];
    let victim_id = nodes.id(victim).to_owned();
    let held: Vec<String> =
        feeds.names.iter().zip(&ingesters).filter(|(_, i)| **i == victim).map(|(f, _)| f.clone()).collect();
    let survivors: Vec<(String, Api)> =
        nodes.up().into_iter().filter(|&i| i != victim).map(|i| apis[i].clone()).collect();
    let what = match how {
        How::Kill9 => format!("kill -9 {victim_id}"),
        How::Sigterm => format!("SIGTERM {victim_id}"),
    };
    println!("  {what} (ingests {})", held.join(", "));
    timeline.disrupted(micros());
    let at = Instant::now();
    let (stopped_in, takeovers) = match how {
        How::Kill9 => {
            nodes.kill9(victim).await;
            (None, takeover::watch(&survivors, &held, &victim_id, at).await)
        }
        How::Sigterm => {
            let (stopped, takeovers) =
                tokio::join!(nodes.sigterm(victim), takeover::watch(&survivors, &held, &victim_id, at));
            (Some(stopped?), takeovers)
        }
    };
    for t in &takeovers {
        let (by, after) = t.by.as_ref().ok_or_else(|| {
            format!("{what}: no node took {} over within {:?}; see {:?}", t.feed, takeover::LIMIT, nodes.logs())
        })?;
        println!("    {} taken over by {by} after {after:.2?}", t.feed);
        let f = feeds.names.iter().position(|n| *n == t.feed).expect("a proof feed");
        ingesters[f] = nodes.index_of(by).ok_or_else(|| format!("unknown node {by}"))?;
    }
    timeline.settled(micros() + SETTLE_MARGIN.as_micros() as u64, ingesters);
    Ok(Fault { what, takeovers, stopped_in })
}

/// Waits for every viewer; sums their verdicts and latencies.
async fn collect_viewers(mut set: JoinSet<Seen>) -> (Viewers, Latencies) {
    let (mut viewers, mut latencies) = (Viewers::default(), Latencies::default());
    while let Some(joined) = set.join_next().await {
        viewers.total += 1;
        let Ok(seen) = joined else {
            viewers.failures.push("a viewer task panicked".into());
            continue;
        };
        viewers.gaps += seen.gaps;
        viewers.duplicates += seen.duplicates;
        viewers.resets += seen.resets;
        viewers.reconnects += seen.reconnects;
        if seen.exact() {
            viewers.exact += 1;
        } else if viewers.failures.len() < 5 {
            viewers.failures.push(format!(
                "{:?}: last {:?}, {} gaps, {} duplicates, {} resets{}",
                seen.entry,
                seen.last,
                seen.gaps,
                seen.duplicates,
                seen.resets,
                seen.error.as_deref().map(|e| format!(", {e}")).unwrap_or_default()
            ));
        }
        latencies.merge(seen.latencies);
    }
    (viewers, latencies)
}
