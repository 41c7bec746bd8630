//! The cluster command's rows and its summary: lost / duplicated / gaps,
//! takeover times, whether every viewer had every message, latency near
//! against far, fan-out capacity on one node against two.

use super::{failover::Outcome, fanout::Capacity};
use feedboard_bench::{
    report::{Report, Row},
    stats::Samples,
};
use serde_json::{Value, json};

/// Adds the failover run's rows.
pub fn add_failover(report: &mut Report, o: &mut Outcome) {
    let (c, (mqtt, amqp)) = (&o.count, &o.published);
    let stored = format!(
        "{}/{} stored; publisher reconnects MQTT {} / AMQP {} ({} republished)",
        c.stored, c.sent, mqtt.reconnects, amqp.reconnects, amqp.republished
    );
    report.add(Row::new("Postgres: lost", c.lost as f64, "msgs").at_most(0.0).note(stored));
    report.add(Row::new("Postgres: duplicated", c.duplicated as f64, "msgs").at_most(0.0));
    let api = format!("seq gaps + ids never sent; history API via HAProxy: {} mismatches", c.api_mismatches);
    report.add(Row::new("Postgres: gaps", (c.gaps + c.api_mismatches) as f64, "seq").at_most(0.0).note(api));
    for fault in &o.faults {
        for t in &fault.takeovers {
            let ms = t.by.as_ref().map_or(f64::NAN, |b| b.1.as_secs_f64() * 1000.0);
            let to = t.by.as_ref().map_or("nobody", |b| b.0.as_str());
            let stopped = fault.stopped_in.map(|d| format!("; the node exited after {d:.1?}")).unwrap_or_default();
            let mut row = Row::new(format!("{}: takeover of {}", fault.what, t.feed), ms, "ms")
                .note(format!("{} → {to} connected{stopped}", t.from));
            row.target = Some(("another node connected".into(), t.by.is_some()));
            report.add(row);
        }
    }
    let v = &o.viewers;
    let mut note = format!("{} reconnects with Last-Event-ID", v.reconnects);
    for failure in &v.failures {
        note += &format!("; {failure}");
    }
    report.add(
        Row::new("viewers with every message exactly once, in order", v.exact as f64, "viewers")
            .at_least(v.total as f64)
            .note(note),
    );
    report.add(Row::new("viewers: seq gaps", v.gaps as f64, "seq").at_most(0.0));
    report.add(Row::new("viewers: duplicates", v.duplicates as f64, "events").at_most(0.0));
    report.add(Row::new("viewers: resets", v.resets as f64, "events").at_most(0.0));
    let l = &mut o.latencies;
    for p in [50.0, 99.0] {
        let (near, far) = (l.near.percentile_ms(p), l.far.percentile_ms(p));
        report.add(
            Row::new(format!("publish → SSE p{p}, viewer on the ingesting node"), near, "ms")
                .note(format!("{} deliveries", l.near.len())),
        );
        report.add(
            Row::new(format!("publish → SSE p{p}, viewer on another node"), far, "ms")
                .baseline(near)
                .note(format!("{} deliveries; baseline: on the ingesting node", l.far.len())),
        );
        report.add(
            Row::new(format!("publish → SSE p{p}, viewer through HAProxy"), l.balanced.percentile_ms(p), "ms")
                .note(format!("{} deliveries", l.balanced.len())),
        );
    }
    let unsettled = format!("p99 {:.0} ms, {} deliveries", l.unsettled.percentile_ms(99.0), l.unsettled.len());
    report.add(
        Row::new("publish → SSE, sent during a takeover: max", l.unsettled.percentile_ms(100.0), "ms").note(unsettled),
    );
    report.add(Row::new("stopped nodes restarted → all listed again", o.rejoined_in.as_secs_f64() * 1000.0, "ms"));
    let created = o.created_connected_in.as_secs_f64() * 1000.0;
    report.add(Row::new("feed created through HAProxy → connected on some node", created, "ms").at_most(5000.0));
}

/// Adds the capacity rows: two nodes beside one.
pub fn add_capacity(report: &mut Report, [one, two]: &[Capacity; 2]) {
    let cpu = |c: &Capacity| c.best.as_ref().map(|b| b.1.to_string()).unwrap_or_else(|| "no step within target".into());
    report.add(Row::new("SSE clients with p99 < 100 ms, 1 node", one.clients() as f64, "clients").note(cpu(one)));
    report.add(
        Row::new("SSE clients with p99 < 100 ms, 2 nodes", two.clients() as f64, "clients")
            .baseline(one.clients() as f64)
            .note(format!("{}; baseline: 1 node", cpu(two))),
    );
    report.add(Row::new("SSE deliveries/s with p99 < 100 ms, 1 node", one.rate(), "deliveries/s"));
    report.add(
        Row::new("SSE deliveries/s with p99 < 100 ms, 2 nodes", two.rate(), "deliveries/s")
            .baseline(one.rate())
            .note(format!("clients split evenly; feed ingested by {}", two.ingester)),
    );
}

/// The verdicts in a fixed shape, for `cluster.json`.
pub fn summary(o: &mut Outcome, capacity: &[Capacity; 2]) -> Value {
    let takeovers: Vec<Value> = o
        .faults
        .iter()
        .flat_map(|f| {
            f.takeovers.iter().map(|t| {
                json!({"fault": f.what, "feed": t.feed, "from": t.from, "to": t.by.as_ref().map(|b| &b.0),
                       "ms": t.by.as_ref().map(|b| b.1.as_secs_f64() * 1000.0),
                       "node_exited_ms": f.stopped_in.map(|d| d.as_secs_f64() * 1000.0)})
            })
        })
        .collect();
    let l = &mut o.latencies;
    let (near, far) = (percentiles(&mut l.near), percentiles(&mut l.far));
    let ratio = |p: &str| far[p].as_f64().zip(near[p].as_f64()).filter(|(_, n)| *n > 0.0).map(|(f, n)| f / n);
    let fanout: Vec<Value> = capacity
        .iter()
        .map(|c| {
            json!({"nodes": c.nodes, "clients": c.clients(), "deliveries_per_s": c.rate(), "ingester": c.ingester,
                   "cpu": c.best.as_ref().map(|b| b.1.to_string())})
        })
        .collect();
    let c = &o.count;
    json!({
        "sent": c.sent, "stored": c.stored, "lost": c.lost, "duplicated": c.duplicated,
        "gaps": c.gaps + c.api_mismatches,
        "takeovers": takeovers,
        "delivered_to_every_client": o.viewers.exact == o.viewers.total,
        "viewers": {"total": o.viewers.total, "exact": o.viewers.exact, "gaps": o.viewers.gaps,
                    "duplicates": o.viewers.duplicates, "resets": o.viewers.resets, "reconnects": o.viewers.reconnects},
        "latency_ms": {"near": near, "far": far, "far_over_near": {"p50": ratio("p50"), "p99": ratio("p99")},
                       "haproxy": percentiles(&mut l.balanced), "during_takeover": percentiles(&mut l.unsettled)},
        "rejoined_ms": o.rejoined_in.as_secs_f64() * 1000.0,
        "fanout": fanout,
        "fanout_two_over_one": {
            "clients": ratio_of(capacity[1].clients() as f64, capacity[0].clients() as f64),
            "deliveries_per_s": ratio_of(capacity[1].rate(), capacity[0].rate()),
        },
    })
}

fn percentiles(samples: &mut Samples) -> Value {
    json!({"p50": samples.percentile_ms(50.0), "p99": samples.percentile_ms(99.0),
           "max": samples.percentile_ms(100.0), "deliveries": samples.len()})
}

fn ratio_of(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}
