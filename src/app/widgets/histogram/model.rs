//! The level histogram's numbers: lines per time bucket and level over a
//! window of a fixed number of buckets, loaded from history and grown by
//! live lines (the window slides forward while the range follows).

use crate::{
    app::range::TimeRange,
    model::{LevelCount, LogLevel, LogLine},
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Buckets a range is split into, at most.
pub const BUCKETS: i64 = 60;

/// Bucket widths used, in seconds.
const WIDTHS: [i64; 13] = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 10_800, 21_600, 86_400];

/// The narrowest width that splits the range into at most [`BUCKETS`]
/// buckets (a minute for the live view: the last hour).
pub fn width_for(range: TimeRange) -> i64 {
    let Some(length) = range.length() else { return 60 };
    let wanted = (length.num_seconds() + BUCKETS - 1) / BUCKETS;
    WIDTHS.into_iter().find(|w| *w >= wanted).unwrap_or(86_400)
}

/// Lines per level (in [`LogLevel::ALL`] order).
pub type Counts = [u64; 6];

/// The histogram of one window.
#[derive(Debug, Default)]
pub struct Histogram {
    width: i64,
    /// The window: bucket starts in `[from, to)`, UTC seconds.
    from: i64,
    to: i64,
    buckets: BTreeMap<i64, Counts>,
}

impl Histogram {
    /// An empty histogram over `[from, to)` in buckets of `width` seconds
    /// (the bounds are rounded out to bucket starts).
    pub fn new(width: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let start = |t: i64| t.div_euclid(width) * width;
        let to = start(to.timestamp() + width - 1);
        Histogram { width, from: start(from.timestamp()).min(to - width), to, buckets: BTreeMap::new() }
    }

    pub fn width(&self) -> i64 {
        self.width
    }

    /// The window as `/levels` takes it: bucket width, `from` and `to`
    /// (none before a load: the server's default window).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        if self.width == 0 {
            return Vec::new();
        }
        let at = |secs| crate::model::time::format(&DateTime::from_timestamp(secs, 0).unwrap_or_default());
        vec![("bucket", self.width.to_string()), ("from", at(self.from)), ("to", at(self.to))]
    }

    /// Adds stored counts.
    pub fn load(&mut self, counts: &[LevelCount]) {
        for c in counts {
            self.count(c.t.timestamp(), &c.level, c.lines.max(0) as u64);
        }
    }

    /// Adds a live line; with `follow`, a line past the window's end moves
    /// the window forward (keeping its length), dropping the oldest buckets.
    pub fn add(&mut self, line: &LogLine, follow: bool) {
        if self.width <= 0 {
            return; // nothing loaded yet: the load counts it
        }
        let bucket = line.ts.timestamp().div_euclid(self.width) * self.width;
        if follow && bucket >= self.to {
            let shift = bucket + self.width - self.to;
            self.from += shift;
            self.to += shift;
            self.buckets = self.buckets.split_off(&self.from);
        }
        self.count(line.ts.timestamp(), &line.level, 1);
    }

    fn count(&mut self, ts: i64, level: &str, lines: u64) {
        let bucket = ts.div_euclid(self.width) * self.width;
        let Some(index) = LogLevel::ALL.iter().position(|l| l.as_str() == level) else { return };
        if (self.from..self.to).contains(&bucket) {
            self.buckets.entry(bucket).or_default()[index] += lines;
        }
    }

    /// Every bucket of the window, empty ones too, oldest first.
    pub fn bars(&self) -> Vec<(i64, Counts)> {
        if self.width <= 0 {
            return Vec::new(); // nothing loaded yet
        }
        (self.from..self.to)
            .step_by(self.width as usize)
            .map(|t| (t, self.buckets.get(&t).copied().unwrap_or_default()))
            .collect()
    }

    /// Lines per level over the whole window.
    pub fn totals(&self) -> Counts {
        self.buckets.values().fold([0; 6], |mut sum, counts| {
            sum.iter_mut().zip(counts).for_each(|(s, c)| *s += c);
            sum
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::range::Span;

    #[test]
    fn the_export_asks_for_the_window_shown() {
        assert!(Histogram::default().query().is_empty());
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let h = Histogram::new(60, at("2026-01-02T03:04:30Z"), at("2026-01-02T04:04:10Z"));
        let query: Vec<String> = h.query().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(query, ["bucket=60", "from=2026-01-02T03:04:00.000Z", "to=2026-01-02T04:05:00.000Z"]);
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn line(secs: i64, level: &str) -> LogLine {
        LogLine { seq: secs, ts: at(secs), level: level.into(), source: "s".into(), message: "m".into() }
    }

    #[test]
    fn widths_split_ranges_into_at_most_sixty_buckets() {
        assert_eq!(width_for(TimeRange::Live), 60);
        assert_eq!(width_for(TimeRange::Last(Span::M15)), 30);
        assert_eq!(width_for(TimeRange::Last(Span::H1)), 60);
        assert_eq!(width_for(TimeRange::Last(Span::H24)), 1_800);
        assert_eq!(width_for(TimeRange::Last(Span::D7)), 10_800);
    }

    #[test]
    fn nothing_loaded_has_no_bars() {
        assert!(Histogram::default().bars().is_empty());
        let mut empty = Histogram::default();
        empty.add(&line(5, "INFO"), true);
        assert_eq!(empty.totals(), [0; 6]);
    }

    #[test]
    fn counts_land_in_their_buckets_and_the_window_slides_when_following() {
        let mut h = Histogram::new(60, at(600), at(780));
        assert_eq!(h.bars().iter().map(|b| b.0).collect::<Vec<_>>(), [600, 660, 720]);
        let stored = LevelCount { t: at(600), level: "ERROR".into(), lines: 4 };
        h.load(&[stored, LevelCount { t: at(660), level: "NOPE".into(), lines: 9 }]);
        h.add(&line(700, "INFO"), true);
        h.add(&line(100, "INFO"), true); // before the window: not shown
        assert_eq!(h.bars()[0].1, [0, 0, 0, 0, 4, 0]);
        assert_eq!(h.bars()[1].1, [0, 0, 1, 0, 0, 0]);
        // A line two buckets past the end moves the window by two.
        h.add(&line(845, "WARN"), true);
        assert_eq!(h.bars().iter().map(|b| b.0).collect::<Vec<_>>(), [720, 780, 840]);
        assert_eq!(h.totals(), [0, 0, 0, 1, 0, 0], "the dropped buckets no longer count");
        // A fixed window keeps still.
        h.add(&line(2_000, "WARN"), false);
        assert_eq!(h.bars().len(), 3);
        assert_eq!(h.totals()[3], 1);
    }
}
