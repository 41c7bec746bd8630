//! History at scale: query, ingest and prune cost with 50× more history
//! (1M vs 50M ticks, 10 symbols, a tenth as many log lines) over the same
//! 30 days, against the same cost with the small history,
//! in one run (large ÷ small, target ≤ 1.5).
//!
//! Each size has a database of its own (`feedboard_bench_history_small`,
//! `…_large`), loaded with binary COPY straight into Postgres (see
//! `load.rs`), so partitions, indexes and planner statistics hold exactly
//! one history size, and a dropped day takes only that size's rows. Then a
//! release server runs on each (upkeep every hour: once at start, then out
//! of the way) and every probe alternates small and large request by
//! request. The databases are dropped at the end (kept with
//! `BENCH_HISTORY_KEEP=1`, e.g. to `EXPLAIN` a query on them).

mod load;
mod probe;
mod rows;
mod writes;

use chrono::{Days, NaiveDate, Utc};
use feedboard_bench::{
    Result,
    report::{Report, Row},
    server::{Server, drop_database},
};
use load::{DAYS, History, LOGS_FEED, SYMBOLS, TICKS_FEED};
use probe::{Site, cost_row};
use rows::{OFTEN, RARE, UNCOMMON};
use std::time::Duration;

const DATABASES: [&str; 2] = ["feedboard_bench_history_small", "feedboard_bench_history_large"];
/// Largest large ÷ small cost ratio that counts as flat.
pub const FLAT: f64 = 1.5;

/// Sizes and repetitions of one run.
pub struct Plan {
    pub ticks: [u64; 2],
    pub warmup: usize,
    pub requests: usize,
    pub ingest_batches: usize,
    pub prune_batches: usize,
    pub dropped_days: u64,
}

impl Plan {
    /// 1M and 50M ticks (`--quick`: 100k and 1M), or `BENCH_HISTORY_TICKS=small,large`.
    fn new(quick: bool) -> Result<Self> {
        let ticks = match std::env::var("BENCH_HISTORY_TICKS") {
            Ok(sizes) => {
                let n: Vec<u64> = sizes.split(',').filter_map(|s| s.trim().replace('_', "").parse().ok()).collect();
                match n[..] {
                    [small, large] if small >= 30_000 && large >= small => [small, large],
                    _ => return Err(format!("BENCH_HISTORY_TICKS={sizes:?}: give small,large (small ≥ 30000)")),
                }
            }
            Err(_) if quick => [100_000, 1_000_000],
            Err(_) => [1_000_000, 50_000_000],
        };
        let (warmup, requests, ingest_batches) = if quick { (6, 10, 50) } else { (10, 40, 200) };
        Ok(Plan { ticks, warmup, requests, ingest_batches, prune_batches: 5, dropped_days: 3 })
    }
}

/// Adds the history-at-scale rows.
pub async fn measure(report: &mut Report, quick: bool) -> Result {
    let plan = Plan::new(quick)?;
    let today = Utc::now().date_naive();
    let first_day = today.checked_sub_days(Days::new(DAYS)).ok_or("date out of range")?;
    println!("  history: {} and {} ticks over {DAYS} days from {first_day}", plan.ticks[0], plan.ticks[1]);
    let result = run(report, &plan, first_day).await;
    if std::env::var_os("BENCH_HISTORY_KEEP").is_some() {
        println!("  history: kept the databases {DATABASES:?} (BENCH_HISTORY_KEEP)");
    } else {
        for database in DATABASES {
            if let Err(e) = drop_database(database).await {
                println!("  history: could not drop {database}: {e}");
            }
        }
    }
    result
}

async fn run(report: &mut Report, plan: &Plan, first_day: NaiveDate) -> Result {
    let mut loaded = Vec::new();
    for (database, ticks) in DATABASES.into_iter().zip(plan.ticks) {
        let h = load::load(database, ticks, first_day).await?;
        println!(
            "  history: {database}: COPY {:.1} s, feed_days {:.1} s, rollup {:.1} s, VACUUM {:.1} s, {:.2} GB",
            h.copy.as_secs_f64(),
            h.bookkeeping.as_secs_f64(),
            h.rollup.as_secs_f64(),
            h.vacuum.as_secs_f64(),
            h.bytes as f64 / 1e9
        );
        loaded.push(h);
    }
    let [small, large] = <[History; 2]>::try_from(loaded).map_err(|_| "two histories")?;
    let both = [&small, &large];
    let rate = |rows: u64, took: Duration| rows as f64 / took.as_secs_f64().max(1e-9);
    let copied = |h: &History| h.ticks * 2 + h.logs;
    report.add(Row::new("history: load, binary COPY", rate(copied(&large), large.copy), "rows/s")
        .baseline(rate(copied(&small), small.copy))
        .note(format!(
            "value: large history ({} ticks + as many publisher ids + {} log lines, {:.1} GB); baseline: small ({} ticks, {:.2} GB); 2 COPY streams",
            large.ticks, large.logs, large.bytes as f64 / 1e9, small.ticks, small.bytes as f64 / 1e9
        )));
    report.add(
        Row::new("history: rollup of the loaded ticks", rate(large.ticks, large.rollup), "ticks/s")
            .baseline(rate(small.ticks, small.rollup))
            .ratio_at_least(0.67)
            .note(format!(
                "rollup::step of {} ticks until caught up: {:.0} s large, {:.1} s small",
                load::ROLLUP_BATCH,
                large.rollup.as_secs_f64(),
                small.rollup.as_secs_f64()
            )),
    );

    let env = [("FEEDBOARD_MAINTENANCE_EVERY", "3600s")];
    let (small_server, _) = Server::join(&small.database, &env).await?;
    let (large_server, _) = Server::join(&large.database, &env).await?;
    // The upkeep's first step runs at start: let it finish.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sites = [Site::sign_in(&small_server).await?, Site::sign_in(&large_server).await?];
    queries(report, plan, [&sites[0], &sites[1]], first_day).await?;
    writes::ingest(report, plan, both).await?;
    writes::prune_and_drop(report, plan, both, first_day).await?;
    drop((small_server, large_server));
    small.db.close().await;
    large.db.close().await;
    Ok(())
}

/// Candles, ticker and log search through the HTTP API.
async fn queries(report: &mut Report, plan: &Plan, sites: [&Site; 2], first_day: NaiveDate) -> Result {
    let day = |d: u64| -> Result<String> {
        let day = first_day.checked_add_days(Days::new(d)).ok_or("date out of range")?;
        Ok(format!("{day}T00:00:00Z"))
    };
    let candles = format!("/api/v1/feeds/{TICKS_FEED}/candles?symbol={}", SYMBOLS[0]);
    let search = |word: &str| format!("/api/v1/feeds/{LOGS_FEED}/logs?q={word}&limit=100");
    let probes = [
        ("candles 1h × 30 days", format!("{candles}&interval=1h&from={}&to={}", day(0)?, day(DAYS)?), "candles"),
        ("candles 1m × 1 day", format!("{candles}&interval=1m&from={}&to={}", day(15)?, day(16)?), "candles"),
        ("ticker /symbols", format!("/api/v1/feeds/{TICKS_FEED}/symbols"), "symbols"),
        ("log search, often (3 in 10 lines)", search(OFTEN), "lines"),
        ("log search, uncommon (1 in 1,000)", search(UNCOMMON), "lines"),
        ("log search, rare (1 in 100,000)", search(RARE), "lines"),
    ];
    for (name, path, what) in probes {
        let mut t = probe::http(sites, &path, plan.warmup, plan.requests).await?;
        let note = format!("{} vs {} {what}; {} requests; `GET {path}`", t[1].items, t[0].items, plan.requests);
        report.add(cost_row(&format!("history: {name}"), &mut t, FLAT, &note));
    }
    Ok(())
}
