//! History upkeep: the background task that keeps history for months.
//!
//! Every `FEEDBOARD_MAINTENANCE_EVERY`, on one node at a time, it
//! 1. creates the day partitions of yesterday to the day after tomorrow,
//! 2. folds new ticks into the candle rollups,
//! 3. drops the day partitions no feed keeps any more, and deletes, a
//!    bounded batch at a time, what a shorter retention no longer keeps
//!    from the days that stay (messages, rejects, publisher ids, and
//!    candles past ten times the retention).
//!
//! Each part is bounded and can be repeated, so neither ingest nor readers
//! wait on it, and a step cut short is finished by the next one.

use crate::{
    domain::Core,
    model::{FeedKind, Retention},
    store::{
        self, StoreError,
        feeds::FeedRow,
        lifecycle::{
            Partitioned, partitions,
            prune::{self, Plain},
            rollup, storage,
        },
    },
};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// How long one step may spend rolling up a backlog (e.g. after a
/// migration) before it moves on to pruning.
const ROLLUP_BUDGET: Duration = Duration::from_secs(2);

/// What one step did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Whether this node had the turn (another node may be at it).
    pub ran: bool,
    pub partitions_created: usize,
    pub partitions_dropped: usize,
    /// Rows deleted inside partitions that stay, over all tables.
    pub rows_pruned: u64,
    pub ticks_rolled_up: u64,
}

/// Runs a step every `maintenance_every` until shutdown.
pub async fn run(core: Core) {
    let mut tick = tokio::time::interval(core.config.history.maintenance_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = core.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let started = Instant::now();
        match step(&core, Utc::now()).await {
            Ok(report) if report.ran => {
                metrics::counter!("feedboard_prune_runs_total").increment(1);
                metrics::counter!("feedboard_pruned_rows_total").increment(report.rows_pruned);
                metrics::counter!("feedboard_partitions_dropped_total").increment(report.partitions_dropped as u64);
                metrics::counter!("feedboard_rolled_up_ticks_total").increment(report.ticks_rolled_up);
                metrics::histogram!("feedboard_upkeep_step_seconds").record(started.elapsed().as_secs_f64());
                if let Err(e) = record_sizes(&core.ingest_db).await {
                    tracing::debug!(error = %e, "could not read table sizes");
                }
            }
            Ok(_) => {}
            Err(e) => {
                metrics::counter!("feedboard_upkeep_errors_total").increment(1);
                tracing::warn!(error = %e, "history upkeep step failed; the next one carries on");
            }
        }
    }
}

/// One step at `now`: partitions, rollups, pruning.
pub async fn step(core: &Core, now: DateTime<Utc>) -> Result<StepReport, StoreError> {
    let db = &core.ingest_db;
    let Some(_turn) = store::lifecycle::turn(db).await? else { return Ok(StepReport::default()) };
    let mut report = StepReport { ran: true, ..StepReport::default() };
    let today = now.date_naive();
    report.partitions_created = prepare(db, today).await?;
    let feeds = store::feeds::list(db).await?;
    let batch = core.config.history.rollup_batch;
    let started = Instant::now();
    for feed in feeds.iter().filter(|f| f.spec.kind == FeedKind::Ticks) {
        while started.elapsed() < ROLLUP_BUDGET {
            let n = rollup::step(db, feed.id, batch).await?;
            report.ticks_rolled_up += n;
            if n < batch as u64 {
                break;
            }
        }
    }
    let id_window = core.config.ingest.id_window;
    for table in Partitioned::ALL {
        report.partitions_dropped += drop_expired_days(db, table, &feeds, today, now, id_window).await?;
    }
    for feed in &feeds {
        report.rows_pruned += prune_feed(core, feed, now).await?;
    }
    prune::empty_days(db).await?;
    prune::vacuum_pruned(db).await?;
    Ok(report)
}

/// Creates the partitions of yesterday to the day after tomorrow that do
/// not exist yet; returns how many.
async fn prepare(db: &PgPool, today: NaiveDate) -> Result<usize, StoreError> {
    let wanted: Vec<NaiveDate> =
        (0..4).filter_map(|i| today.checked_sub_days(Days::new(1))?.checked_add_days(Days::new(i))).collect();
    let mut created = 0;
    for table in Partitioned::ALL {
        let existing = partitions::days(db, table).await?;
        for day in wanted.iter().filter(|d| !existing.contains(d)) {
            partitions::create(db, table, *day).await?;
            created += 1;
        }
    }
    Ok(created)
}

/// The oldest time every feed writing `table` still keeps: a day before it
/// can go whole. `None` while one of them keeps everything.
fn horizon(table: Partitioned, feeds: &[FeedRow], now: DateTime<Utc>, id_window: Duration) -> Option<DateTime<Utc>> {
    let writes = |f: &&FeedRow| match table {
        Partitioned::Ticks => f.spec.kind == FeedKind::Ticks,
        Partitioned::Logs => f.spec.kind == FeedKind::Logs,
        Partitioned::Rejected | Partitioned::PublisherIds => true,
    };
    let kept_since = |f: &FeedRow| match table {
        Partitioned::PublisherIds => Some(ids_kept_since(f, now, id_window)),
        _ => retention(f).cutoff(now),
    };
    feeds.iter().filter(writes).map(kept_since).try_fold(now, |oldest, cutoff| Some(oldest.min(cutoff?)))
}

/// Since when `feed`'s publisher ids are remembered: the id window, or the
/// feed's retention where that is shorter.
fn ids_kept_since(feed: &FeedRow, now: DateTime<Utc>, id_window: Duration) -> DateTime<Utc> {
    let window = TimeDelta::from_std(id_window).ok().and_then(|w| now.checked_sub_signed(w));
    let window = window.unwrap_or(DateTime::<Utc>::MIN_UTC);
    retention(feed).cutoff(now).map_or(window, |cutoff| cutoff.max(window))
}

fn retention(feed: &FeedRow) -> Retention {
    feed.spec.retention.unwrap_or_default()
}

/// Drops the day partitions of `table` that end before its horizon
/// (never yesterday's or later); returns how many.
async fn drop_expired_days(
    db: &PgPool,
    table: Partitioned,
    feeds: &[FeedRow],
    today: NaiveDate,
    now: DateTime<Utc>,
    id_window: Duration,
) -> Result<usize, StoreError> {
    if let Some(horizon) = horizon(table, feeds, now, id_window) {
        let keep_from = horizon.date_naive().min(today.checked_sub_days(Days::new(1)).unwrap_or(today));
        for day in partitions::days(db, table).await?.into_iter().filter(|d| *d < keep_from) {
            if !partitions::detach(db, table, day).await? {
                tracing::info!(table = table.table(), %day, "partition busy; dropping it next time");
                break;
            }
        }
    }
    partitions::discard(db, table).await
}

/// Deletes, a bounded batch at a time, what `feed`'s retention no longer
/// keeps; returns how many rows.
async fn prune_feed(core: &Core, feed: &FeedRow, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let (db, settings) = (&core.ingest_db, &core.config.history);
    let retention = retention(feed);
    let limit = settings.prune_batch;
    let ids_since = ids_kept_since(feed, now, core.config.ingest.id_window);
    let mut pruned = prune::plain(db, Plain::PublisherIds, feed.id, ids_since, limit).await?;
    let Some(cutoff) = retention.cutoff(now) else { return Ok(pruned) };
    let (table, up_to_seq) = match feed.spec.kind {
        FeedKind::Ticks => (Partitioned::Ticks, rollup::watermark(db, feed.id).await?),
        FeedKind::Logs => (Partitioned::Logs, i64::MAX),
    };
    for _ in 0..crate::config::HistorySettings::PRUNE_BATCHES {
        let n = prune::messages(db, table, feed.id, cutoff, up_to_seq, limit).await?;
        pruned += n;
        if n < limit as u64 {
            break;
        }
    }
    pruned += prune::plain(db, Plain::Rejected, feed.id, cutoff, limit).await?;
    if feed.spec.kind == FeedKind::Ticks
        && let Some(candles_cutoff) = retention.rollups().cutoff(now)
    {
        pruned += prune::plain(db, Plain::Candles, feed.id, candles_cutoff, limit).await?;
    }
    Ok(pruned)
}

/// Rows and bytes per history table, and the rollup lag, for `/metrics`.
async fn record_sizes(db: &PgPool) -> Result<(), StoreError> {
    for table in Partitioned::ALL {
        let size = storage::table(db, table).await?;
        let label = [("table", table.table())];
        metrics::gauge!("feedboard_table_rows", &label).set(size.rows);
        metrics::gauge!("feedboard_table_bytes", &label).set(size.bytes as f64);
        metrics::gauge!("feedboard_table_partitions", &label).set(size.partitions as f64);
    }
    metrics::gauge!("feedboard_rollup_lag_ticks").set(storage::rollup_lag(db).await? as f64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FeedSpec, MaxAge, Source};

    fn feed(kind: FeedKind, max_age: Option<&str>) -> FeedRow {
        let spec = FeedSpec {
            name: "f".into(),
            kind,
            source: Source::mqtt("mqtt://h", "t"),
            mapping: Default::default(),
            enabled: true,
            retention: Some(Retention { max_age: max_age.map(|a| a.parse::<MaxAge>().unwrap()) }),
        };
        FeedRow { id: 1, spec, secrets: Default::default() }
    }

    #[test]
    fn a_day_goes_whole_only_when_every_feed_writing_it_is_done_with_it() {
        let now = DateTime::parse_from_rfc3339("2026-12-04T12:00:00Z").unwrap().with_timezone(&Utc);
        let feeds = [feed(FeedKind::Ticks, Some("7d")), feed(FeedKind::Ticks, Some("2d")), feed(FeedKind::Logs, None)];
        let week = Duration::from_secs(7 * 86_400);
        let h = |t| horizon(t, &feeds, now, week).map(|h| h.to_rfc3339());
        assert_eq!(h(Partitioned::Ticks).as_deref(), Some("2026-11-27T12:00:00+00:00"), "the longest retention");
        assert_eq!(h(Partitioned::Logs), None, "a logs feed keeps everything");
        assert_eq!(h(Partitioned::Rejected), None, "rejects of every feed share the table");
        assert_eq!(h(Partitioned::PublisherIds).as_deref(), Some("2026-11-27T12:00:00+00:00"), "ids: the window");
        assert_eq!(horizon(Partitioned::Ticks, &[], now, week), Some(now), "no feed keeps anything");
        let short = [feed(FeedKind::Logs, Some("1h"))];
        assert_eq!(
            horizon(Partitioned::PublisherIds, &short, now, week).map(|h| h.to_rfc3339()).as_deref(),
            Some("2026-12-04T11:00:00+00:00"),
            "ids are not remembered longer than the messages"
        );
    }
}
