//! `soak`: the demo left running with a short retention. The database size
//! is sampled over time; once retention removes as much as the demo adds,
//! the size must level off instead of growing with the hours.

use feedboard_bench::{
    Result, context,
    report::{Report, Row},
    server::Server,
};
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// One sample: minutes in, database bytes, messages stored, messages kept.
#[derive(Clone, Copy, Debug)]
struct Sample {
    minutes: f64,
    bytes: i64,
    stored: i64,
    kept: i64,
}

/// Runs the demo for an hour with 10-minute retention (quick: 4 minutes,
/// 1-minute retention; `SOAK_MINUTES` and `SOAK_RETENTION_MINUTES` change
/// them) and reports the size over time.
pub async fn run(quick: bool) -> Result {
    let minutes = |var: &str, default: u64| std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (length, retention_minutes) =
        if quick { (4, 1) } else { (minutes("SOAK_MINUTES", 60), minutes("SOAK_RETENTION_MINUTES", 10)) };
    let (length, every) = (Duration::from_secs(length * 60), Duration::from_secs(if quick { 20 } else { 60 }));
    let retention = format!("{retention_minutes}m");
    let retention_secs = (retention_minutes * 60) as f64;
    println!("soak: demo for {length:?} with FEEDBOARD_DEMO_RETENTION={retention}, a sample every {every:?}");
    let env = [
        ("FEEDBOARD_DEMO", "1"),
        ("FEEDBOARD_DEMO_RETENTION", retention.as_str()),
        ("FEEDBOARD_MAINTENANCE_EVERY", "10s"),
    ];
    let (server, _) = Server::start("feedboard_bench_soak", &env).await?;
    let db = PgPool::connect(&server.database_url()).await.map_err(context("soak database"))?;
    let started = Instant::now();
    let mut samples = Vec::new();
    println!("{:>8} {:>12} {:>12} {:>12}", "minutes", "db MiB", "stored", "kept");
    while started.elapsed() < length {
        tokio::time::sleep(every).await;
        let s = sample(&db, started).await?;
        println!("{:>8.1} {:>12.1} {:>12} {:>12}", s.minutes, s.bytes as f64 / 1048576.0, s.stored, s.kept);
        samples.push(s);
    }
    report(&samples, retention_secs / 60.0)
}

async fn sample(db: &PgPool, started: Instant) -> Result<Sample> {
    let (bytes, stored, kept): (i64, i64, i64) = sqlx::query_as(
        "SELECT pg_database_size(current_database()),
                COALESCE((SELECT sum(last_seq) FROM feed_positions), 0)::int8,
                COALESCE((SELECT sum(rows) FROM feed_days), 0)::int8",
    )
    .fetch_one(db)
    .await
    .map_err(context("sample"))?;
    Ok(Sample { minutes: started.elapsed().as_secs_f64() / 60.0, bytes, stored, kept })
}

/// The size at the end beside the size once retention had been working
/// for a while (three retention periods in), and the messages kept.
fn report(samples: &[Sample], retention_minutes: f64) -> Result {
    let last = samples.last().ok_or("no sample taken")?;
    let settled = samples
        .iter()
        .find(|s| s.minutes >= 3.0 * retention_minutes)
        .ok_or("the run was shorter than three retention periods")?;
    let mib = |b: i64| b as f64 / 1048576.0;
    let mut report = Report::default();
    report.add(
        Row::new("database size at the end", mib(last.bytes), "MiB")
            .baseline(mib(settled.bytes))
            .note(format!("baseline: size at {:.0} min, three retention periods in", settled.minutes)),
    );
    report.add(
        Row::new("messages kept at the end", last.kept as f64, "msgs")
            .baseline(settled.kept as f64)
            .note(format!("{} stored in all", last.stored)),
    );
    let growth =
        Row::new("size growth after settling", mib(last.bytes) / mib(settled.bytes).max(1.0), "×").at_most(1.5);
    report.add(growth);
    report.finish("feedboard soak (demo with short retention)", "soak")
}
