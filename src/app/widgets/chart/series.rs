//! The bars a chart holds: a loaded range, grown by live ticks at its end
//! and by older pages at its start (when the user pans into the past).

use super::bar::Bar;
use crate::model::Tick;

/// Most bars kept; beyond it the oldest go (a tab open for weeks at 1s).
const MOST_BARS: usize = 20_000;

/// Candles asked for per older page.
pub const OLDER_PAGE: i64 = 1_000;

/// A chart's bars, oldest first.
#[derive(Debug, Default)]
pub struct Series {
    bars: Vec<Bar>,
    /// An older page came back empty: there is nothing before the first bar.
    pub at_start: bool,
}

impl Series {
    /// Replaces every bar (a new load).
    pub fn replace(&mut self, bars: Vec<Bar>) {
        self.bars = bars;
        self.at_start = false;
    }

    pub fn bars(&self) -> &[Bar] {
        &self.bars
    }

    /// Folds live ticks of `symbol` in; returns the bars to draw, in order
    /// (each finished one and the last, still open), and whether the oldest
    /// bars were dropped (then everything must be drawn again).
    pub fn fold(&mut self, ticks: &[Tick], symbol: &str, secs: i64) -> (Vec<Bar>, bool) {
        let mut touched: Vec<Bar> = Vec::new();
        for tick in ticks.iter().filter(|t| t.symbol == symbol) {
            let Some(bar) = Bar::fold(self.bars.last().copied(), tick, secs) else { continue };
            for list in [&mut self.bars, &mut touched] {
                match list.last_mut() {
                    Some(last) if last.time == bar.time => *last = bar,
                    _ => list.push(bar),
                }
            }
        }
        let trimmed = self.bars.len() > MOST_BARS;
        if trimmed {
            self.bars.drain(..self.bars.len() - MOST_BARS * 3 / 4);
            self.at_start = false;
        }
        (touched, trimmed)
    }

    /// The `[from, to)` (UTC seconds) of the page before the first bar, or
    /// `None` when there is nothing before it (or nothing loaded).
    pub fn older_page(&self, secs: i64) -> Option<(i64, i64)> {
        let first = self.bars.first().filter(|_| !self.at_start)?.time;
        Some((first - OLDER_PAGE * secs, first))
    }

    /// Puts an older page before the first bar; returns how many bars came
    /// in (none: the start of history was reached).
    pub fn prepend(&mut self, older: Vec<Bar>) -> usize {
        let first = self.bars.first().map_or(i64::MAX, |b| b.time);
        let older: Vec<Bar> = older.into_iter().filter(|b| b.time < first).collect();
        self.at_start = older.is_empty();
        let added = older.len();
        self.bars.splice(0..0, older);
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn tick(symbol: &str, secs: i64, price: f64) -> Tick {
        Tick { seq: secs, symbol: symbol.into(), price, size: 1.0, ts: DateTime::from_timestamp(secs, 0).unwrap() }
    }

    fn bar(time: i64, price: f64) -> Bar {
        Bar { time, open: price, high: price, low: price, close: price, volume: 1.0 }
    }

    #[test]
    fn live_ticks_grow_the_last_bar_and_start_new_ones() {
        let mut series = Series::default();
        series.replace(vec![bar(0, 10.0)]);
        let ticks = [tick("A", 30, 12.0), tick("B", 61, 99.0), tick("A", 65, 11.0), tick("A", 70, 13.0)];
        let (touched, trimmed) = series.fold(&ticks, "A", 60);
        assert!(!trimmed);
        assert_eq!(touched.iter().map(|b| (b.time, b.close)).collect::<Vec<_>>(), [(0, 12.0), (60, 13.0)]);
        assert_eq!(series.bars().len(), 2);
        assert_eq!(series.bars()[0].high, 12.0);
        assert_eq!((series.bars()[1].open, series.bars()[1].high), (11.0, 13.0));
    }

    #[test]
    fn older_pages_go_before_the_first_bar_until_none_is_left() {
        let mut series = Series::default();
        assert_eq!(series.older_page(60), None, "nothing loaded");
        series.replace(vec![bar(6_000_000, 1.0), bar(6_000_060, 2.0)]);
        assert_eq!(series.older_page(60), Some((6_000_000 - 60_000, 6_000_000)));
        // A page overlapping the first bar adds only what is older.
        assert_eq!(series.prepend(vec![bar(5_999_880, 0.5), bar(5_999_940, 0.7), bar(6_000_000, 9.0)]), 2);
        assert_eq!(series.bars().first().unwrap().time, 5_999_880);
        assert_eq!(series.bars()[2].close, 1.0, "the loaded bar stays");
        assert_eq!(series.prepend(Vec::new()), 0);
        assert_eq!(series.older_page(60), None, "the start of history");
        series.replace(vec![bar(0, 1.0)]);
        assert!(series.older_page(60).is_some(), "a new load starts over");
    }

    #[test]
    fn a_long_open_tab_keeps_a_bounded_number_of_bars() {
        let mut series = Series::default();
        let ticks: Vec<Tick> = (0..MOST_BARS as i64 + 1).map(|s| tick("A", s, 1.0)).collect();
        let (_, trimmed) = series.fold(&ticks, "A", 1);
        assert!(trimmed);
        assert_eq!(series.bars().len(), MOST_BARS * 3 / 4);
        assert_eq!(series.bars().last().unwrap().time, MOST_BARS as i64);
    }
}
