//! Fault injection (`feedboard-bench chaos`): broker and Postgres restarts
//! and a `kill -9` of feedboard in the middle of a steady stream, each on
//! fresh feeds, counting lost / duplicated / out-of-sequence messages and
//! the recovery time; then a storm of SSE reconnects with `Last-Event-ID`.
//!
//! MQTT goes through the bench's own Mosquitto (persistent, no queue limit),
//! which the Mosquitto faults restart; RabbitMQ and Postgres are the
//! machine's. Heavy: the restarts hold `faults::LOCK_PATH`, so two such runs never
//! overlap. Every service is left running, even when a step fails.

pub mod publish;
pub mod resume;
pub mod scenario;
pub mod verify;
pub mod watch;

use crate::{
    Result,
    faults::{self, Service},
    report::{Report, Row},
    server::Server,
};
use scenario::{Fault, Load, Outcome};

/// Sizes of one run.
#[derive(Clone, Copy, Debug)]
struct Scale {
    load: Load,
    reconnects: u64,
}

const FULL: Scale = Scale { load: Load { messages: 100_000, per_second: 5_000.0 }, reconnects: 1_000 };
const QUICK: Scale = Scale { load: Load { messages: 10_000, per_second: 5_000.0 }, reconnects: 200 };

/// The faults of a run, in order, with their short tags.
pub fn faults() -> Vec<(&'static str, Fault)> {
    vec![
        ("mosquitto", Fault::Restart(vec![Service::Mosquitto])),
        ("rabbitmq", Fault::Restart(vec![Service::RabbitMq])),
        ("postgres", Fault::Restart(vec![Service::Postgres])),
        ("all", Fault::Restart(vec![Service::Mosquitto, Service::RabbitMq, Service::Postgres])),
        ("kill9", Fault::Kill9),
    ]
}

/// Runs every scenario, prints the table, writes `chaos.json`; fails when
/// any message was lost, duplicated or out of sequence (or a feed did not
/// show its outage or recover).
pub async fn run(quick: bool) -> Result {
    let scale = if quick { QUICK } else { FULL };
    println!("chaos run at {scale:?}");
    let result = scenarios(scale).await;
    // Whatever happened, leave every service running.
    let services = faults::ensure_running().await;
    let report = result?;
    services?;
    report.finish("feedboard chaos", "chaos")?;
    if report.all_met() { Ok(()) } else { Err("chaos: some figures missed their target (see the table)".into()) }
}

async fn scenarios(scale: Scale) -> Result<Report> {
    let mut report = Report::default();
    let _mosquitto = crate::broker::OwnMosquitto::start().await?;
    let (mut server, _) = Server::start("feedboard_bench_chaos", &[]).await?;
    for (tag, fault) in faults() {
        let outcome = scenario::run(&mut server, fault, scale.load, tag).await?;
        add_outcome(&mut report, &outcome);
    }
    let storm = resume::run(&server, scale.reconnects, 1_000.0).await?;
    let name = format!("SSE: {} reconnects with Last-Event-ID under load", storm.reconnects);
    let note = format!("{} events in {:.1?}; {} resets", storm.events, storm.took, storm.resets);
    report.add(Row::new(format!("{name}: gaps"), storm.gaps as f64, "seq").at_most(0.0).note(note));
    report.add(Row::new(format!("{name}: duplicates"), storm.duplicates as f64, "seq").at_most(0.0));
    report.add(Row::new(format!("{name}: resets"), storm.resets as f64, "events").at_most(0.0));
    Ok(report)
}

/// The rows of one scenario: lost, duplicated, gaps, recovery.
pub fn add_outcome(report: &mut Report, o: &Outcome) {
    let c = &o.count;
    let sent = format!("{}/{} stored", c.stored, c.sent);
    report.add(Row::new(format!("{}: lost", o.fault), c.lost as f64, "msgs").at_most(0.0).note(sent));
    report.add(Row::new(format!("{}: duplicated", o.fault), c.duplicated as f64, "msgs").at_most(0.0));
    let api = format!("history API sample: {} mismatches", c.api_mismatches);
    report
        .add(Row::new(format!("{}: gaps", o.fault), (c.gaps + c.api_mismatches) as f64, "seq").at_most(0.0).note(api));
    let shown: Vec<String> =
        o.shown.iter().map(|(feed, s)| format!("{feed}: {}", s.as_deref().unwrap_or("NOT SHOWN"))).collect();
    let (mqtt, amqp) = &o.publishers;
    let note = format!(
        "down {:.1?}; status: {}; publisher reconnects MQTT {} / AMQP {} ({} republished)",
        o.downtime,
        shown.join("; "),
        mqtt.reconnects,
        amqp.reconnects,
        amqp.republished
    );
    let ms = o.recovery.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    let mut row = Row::new(format!("{}: recovery", o.fault), ms, "ms").note(note);
    row.target =
        Some(("outage shown, recovered".into(), o.recovery.is_some() && o.shown.iter().all(|s| s.1.is_some())));
    report.add(row);
}
