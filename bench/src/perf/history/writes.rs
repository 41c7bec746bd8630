//! Writes with the history present: the writer's batch insert, bounded
//! prune batches in the oldest day, and whole-day partition drops.

use super::{
    FLAT, Plan,
    load::{DAYS, History, SYMBOLS},
    probe::{Timing, cost_row, ratio_at_most},
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use feedboard::{
    model::NewTick,
    store::{
        self,
        batch::{DEFAULT_ID_WINDOW, NewBatch, Rows},
        lifecycle::{Partitioned, partitions, prune, rollup},
    },
};
use feedboard_bench::{
    Result, context,
    report::{Report, Row},
};
use std::time::{Duration, Instant};

/// Ticks per ingest batch.
const BATCH: usize = 1_000;

/// `store::batch::write` of 1,000 ticks with new publisher ids, as the
/// writer stores them, into each history's feed.
pub async fn ingest(report: &mut Report, plan: &Plan, histories: [&History; 2]) -> Result {
    let mut t = [Timing::default(), Timing::default()];
    let mut total = [Duration::ZERO; 2];
    for b in 0..plan.ingest_batches {
        for (k, h) in histories.iter().enumerate() {
            let now = Utc::now();
            let rows: Vec<(NewTick, DateTime<Utc>)> = (0..BATCH)
                .map(|i| {
                    let tick = NewTick {
                        symbol: SYMBOLS[i % SYMBOLS.len()].to_owned(),
                        price: 100.0 + (i % 50) as f64 / 4.0,
                        size: 1.0,
                        ts: now,
                        publisher_id: Some(uuid::Uuid::new_v4().simple().to_string()),
                    };
                    (tick, now)
                })
                .collect();
            let batch = NewBatch {
                id: b as i64,
                fence: None,
                rows: Rows::Ticks(&rows),
                rejected: &[],
                id_window: DEFAULT_ID_WINDOW,
            };
            let started = Instant::now();
            let stored = store::batch::write(&h.db, h.ticks_feed, &batch).await.map_err(context("batch write"))?.len();
            let took = started.elapsed();
            if stored != BATCH {
                return Err(format!("stored {stored} of a batch of {BATCH}"));
            }
            t[k].push(took, stored as u64);
            total[k] += took;
        }
    }
    let rows = (BATCH * plan.ingest_batches) as f64;
    let note = format!(
        "{} batches of {BATCH} ticks with new publisher ids (UUIDs), now; {:.0} vs {:.0} rows/s",
        plan.ingest_batches,
        rows / total[1].as_secs_f64(),
        rows / total[0].as_secs_f64()
    );
    report.add(cost_row("history: ingest, store::batch::write of 1,000 ticks", &mut t, FLAT, &note));
    Ok(())
}

/// Bounded prune batches in the oldest day, then whole-day drops.
pub async fn prune_and_drop(
    report: &mut Report,
    plan: &Plan,
    histories: [&History; 2],
    first_day: NaiveDate,
) -> Result {
    let next_day = first_day.checked_add_days(Days::new(1)).ok_or("date out of range")?;
    let cutoff = next_day.and_hms_opt(0, 0, 0).ok_or("midnight")?.and_utc();
    let small = histories[0];
    for (table, limit) in [(Partitioned::Ticks, small.ticks / 200), (Partitioned::Logs, small.logs / 200)] {
        let limit = limit.max(1) as i64;
        let mut t = [Timing::default(), Timing::default()];
        for _ in 0..plan.prune_batches {
            for (k, h) in histories.iter().enumerate() {
                let (feed, up_to_seq) = match table {
                    Partitioned::Ticks => {
                        (h.ticks_feed, rollup::watermark(&h.db, h.ticks_feed).await.map_err(context("watermark"))?)
                    }
                    _ => (h.logs_feed, i64::MAX),
                };
                let started = Instant::now();
                let n =
                    prune::messages(&h.db, table, feed, cutoff, up_to_seq, limit).await.map_err(context("prune"))?;
                t[k].push(started.elapsed(), n);
                if n != limit as u64 {
                    return Err(format!("pruned {n} {} of {limit}", table.table()));
                }
            }
        }
        let note =
            format!("{} batches in the oldest day; the upkeep's FEEDBOARD_PRUNE_BATCH is 5,000", plan.prune_batches);
        report.add(cost_row(&format!("history: prune::messages, {limit} {}", table.table()), &mut t, FLAT, &note));
    }
    for table in [Partitioned::Ticks, Partitioned::Logs] {
        let mut t = [Timing::default(), Timing::default()];
        // Time and megabytes freed by the drops of detached days.
        let mut freed = [(Duration::ZERO, 0.0); 2];
        for d in 0..plan.dropped_days {
            let day = first_day.checked_add_days(Days::new(d)).ok_or("date out of range")?;
            for (k, h) in histories.iter().enumerate() {
                let name = format!("{}_p{}", table.table(), day.format("%Y%m%d"));
                let bytes: i64 = sqlx::query_scalar("SELECT pg_total_relation_size($1::regclass)")
                    .bind(&name)
                    .fetch_one(&h.db)
                    .await
                    .map_err(context("day size"))?;
                let started = Instant::now();
                if !partitions::detach(&h.db, table, day).await.map_err(context("detach a day"))? {
                    return Err(format!("{}: the {day} partition stayed locked", table.table()));
                }
                t[k].push(started.elapsed(), 1);
                let started = Instant::now();
                partitions::discard(&h.db, table).await.map_err(context("drop a detached day"))?;
                freed[k].0 += started.elapsed();
                freed[k].1 += bytes as f64 / 1e6;
            }
        }
        let per_day = |h: &History| match table {
            Partitioned::Ticks => h.ticks / DAYS,
            _ => h.logs / DAYS,
        };
        let note = format!(
            "the {} oldest days, one at a time (~{} vs ~{} rows a day); p95 = the slowest",
            plan.dropped_days,
            per_day(histories[1]),
            per_day(small)
        );
        let name = format!("history: partitions::detach of a {} day (parent locked)", table.table());
        report.add(cost_row(&name, &mut t, FLAT, &note));
        let per_mb = |(took, mb): (Duration, f64)| took.as_secs_f64() * 1e3 / mb.max(1e-3);
        let [small_freed, large_freed] = freed;
        let row = Row::new(
            format!("history: partitions::discard of a detached {} day, per MB", table.table()),
            per_mb(large_freed),
            "ms/MB",
        )
        .baseline(per_mb(small_freed))
        .note(format!(
            "{:.0} MB in {:.0} ms vs {:.0} MB in {:.0} ms; nothing else waits on it (the day is detached)",
            large_freed.1,
            large_freed.0.as_secs_f64() * 1e3,
            small_freed.1,
            small_freed.0.as_secs_f64() * 1e3
        ));
        report.add(ratio_at_most(row, FLAT));
    }
    Ok(())
}
