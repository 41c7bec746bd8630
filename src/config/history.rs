//! How history is kept: retention defaults and the maintenance task's pace
//! (the `history` section of the configuration).

use super::{
    ConfigError,
    parse::{parse, parse_duration, positive},
};
use crate::model::{MaxAge, Retention};
use std::time::Duration;

/// Retention defaults and the maintenance task's pace.
#[derive(Clone, Debug)]
pub struct HistorySettings {
    /// `FEEDBOARD_RETENTION`: retention of a feed created without one
    /// (`30d`; `forever` keeps everything).
    pub default_retention: Retention,
    /// `FEEDBOARD_DEMO_RETENTION`: retention of the demo feeds (`7d`).
    pub demo_retention: Retention,
    /// `FEEDBOARD_MAINTENANCE_EVERY`: how often partitions are prepared,
    /// old history pruned and candles rolled up (`10s`).
    pub maintenance_every: Duration,
    /// Rows deleted per statement when pruning inside a partition that
    /// stays; a step deletes at most [`HistorySettings::PRUNE_BATCHES`] of them per feed.
    pub prune_batch: i64,
    /// Ticks rolled up into candles per transaction.
    pub rollup_batch: i64,
}

impl HistorySettings {
    /// Delete statements per feed and table in one maintenance step.
    pub const PRUNE_BATCHES: usize = 20;

    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(HistorySettings {
            default_retention: parse(get, "FEEDBOARD_RETENTION", "30d", parse_retention)?,
            demo_retention: parse(get, "FEEDBOARD_DEMO_RETENTION", "7d", parse_retention)?,
            maintenance_every: parse(get, "FEEDBOARD_MAINTENANCE_EVERY", "10s", parse_duration)?,
            prune_batch: parse(get, "FEEDBOARD_PRUNE_BATCH", "5000", positive)?,
            rollup_batch: parse(get, "FEEDBOARD_ROLLUP_BATCH", "20000", positive)?,
        })
    }
}

impl Default for HistorySettings {
    fn default() -> Self {
        Self::from_lookup(&|_| None).expect("the defaults parse")
    }
}

/// `7d`, `12h`, … or `forever`.
fn parse_retention(v: &str) -> Result<Retention, String> {
    if v.eq_ignore_ascii_case("forever") {
        return Ok(Retention::default());
    }
    v.parse::<MaxAge>().map(Retention::keep).map_err(|e| format!("{e}, or forever"))
}
