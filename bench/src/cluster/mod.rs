//! `feedboard-bench cluster`: several nodes on one database, behind HAProxy.
//!
//! 1. Failover ([`failover`]): three nodes, MQTT and AMQP publishers with
//!    ids, SSE viewers on every node and through HAProxy; `kill -9` of the
//!    node ingesting the MQTT feed, later SIGTERM of the one that took it.
//!    Lost / duplicated / gaps in Postgres must be 0, every viewer must have
//!    every message exactly once; takeover times and latency on the
//!    ingesting node against another node are reported.
//! 2. Fan-out capacity ([`fanout`]): SSE clients × deliveries/s with p99 <
//!    100 ms on one node, then on two, with where the CPU went.
//!
//! It uses a Mosquitto of its own (no queue limit): while a dead node's
//! lease runs out (~6 s), the feed's persistent session is offline, and the
//! system broker would drop all but 1,000 queued messages, which would
//! measure its drop policy rather than the takeover. Postgres and the
//! machine's brokers are never restarted; the bench lock keeps runs that
//! restart them from overlapping this one.

mod failover;
mod fanout;
mod feeds;
mod figures;
mod haproxy;
mod nodes;
mod takeover;
mod timeline;
mod viewers;

use feedboard_bench::{Result, broker::OwnMosquitto, faults, report::Report};

/// Sizes of one run.
#[derive(Clone, Copy, Debug)]
struct Scale {
    failover: failover::Load,
    fanout: fanout::Steps,
}

const FULL: Scale = Scale {
    failover: failover::Load { messages: 100_000, per_second: 500.0, viewers: 200, balanced_viewers: 20 },
    fanout: fanout::Steps { clients: &[500, 1000, 2000, 3000, 4000], seconds: 10 },
};
const QUICK: Scale = Scale {
    failover: failover::Load { messages: 10_000, per_second: 250.0, viewers: 50, balanced_viewers: 5 },
    fanout: fanout::Steps { clients: &[50, 100], seconds: 3 },
};

/// Runs both parts, prints the table, writes `cluster.json`; fails when a
/// message was lost, duplicated or out of sequence, a viewer missed one, or
/// a feed was not taken over.
pub async fn run(quick: bool) -> Result {
    let scale = if quick { QUICK } else { FULL };
    println!("cluster run at {scale:?}");
    let _lock = faults::hold_bench_lock().await?;
    let _mosquitto = OwnMosquitto::start().await?;
    let mut report = Report::default();
    println!("\n# failover: 3 nodes behind HAProxy");
    let mut outcome = failover::run(scale.failover).await?;
    figures::add_failover(&mut report, &mut outcome);
    println!("\n# fan-out capacity: 1 node, then 2");
    let capacity = fanout::measure(&mut report, scale.fanout).await?;
    figures::add_capacity(&mut report, &capacity);
    report.summary = Some(figures::summary(&mut outcome, &capacity));
    report.finish("feedboard cluster", "cluster")?;
    if report.all_met() { Ok(()) } else { Err("cluster: some figures missed their target (see the table)".into()) }
}
