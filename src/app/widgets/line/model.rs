//! What a line chart draws: each symbol's closes, in price or in % change
//! from the first candle's open, and the values its legend reads at a time.

use crate::app::widgets::chart::Bar;

/// How the lines are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Prices as they are.
    Price,
    /// Percent change from each line's first price, so lines of very
    /// different prices compare.
    Change,
}

impl Scale {
    /// What the toggle calls it.
    pub fn label(self) -> &'static str {
        match self {
            Scale::Price => "Price",
            Scale::Change => "% change",
        }
    }

    /// The scale a chart of `lines` lines starts in.
    pub fn default_for(lines: usize) -> Scale {
        if lines > 1 { Scale::Change } else { Scale::Price }
    }

    /// `close` on this scale, against the line's first price `base`
    /// (`None` in % change when the base is zero).
    pub fn value(self, close: f64, base: f64) -> Option<f64> {
        match self {
            Scale::Price => Some(close),
            Scale::Change if base != 0.0 => Some((close - base) * 100.0 / base),
            Scale::Change => None,
        }
    }

    /// A value on this scale as the legend shows it.
    pub fn format(self, value: f64) -> String {
        match self {
            Scale::Price => format!("{value:.2}"),
            Scale::Change => format!("{value:+.2}%"),
        }
    }
}

/// One point of a line, as the chart library takes it (`time` in UTC seconds).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Point {
    pub time: i64,
    pub value: f64,
}

/// The line of `bars` on `scale`.
pub fn points(bars: &[Bar], scale: Scale) -> Vec<Point> {
    let base = base(bars);
    bars.iter().filter_map(|b| Some(Point { time: b.time, value: scale.value(b.close, base?)? })).collect()
}

/// The point of `bar`, on `scale`, in the line of `bars`.
pub fn point(bars: &[Bar], bar: &Bar, scale: Scale) -> Option<Point> {
    Some(Point { time: bar.time, value: scale.value(bar.close, base(bars)?)? })
}

/// The value the legend shows at `time` (the last bar at or before it), or
/// the latest when no time is pointed at.
pub fn value_at(bars: &[Bar], time: Option<i64>, scale: Scale) -> Option<f64> {
    let bar = match time {
        Some(t) => bars.get(bars.partition_point(|b| b.time <= t).checked_sub(1)?)?,
        None => bars.last()?,
    };
    scale.value(bar.close, base(bars)?)
}

/// A line's first price: its first candle's open.
fn base(bars: &[Bar]) -> Option<f64> {
    bars.first().map(|b| b.open)
}

/// Line colours, one per symbol, readable on light and dark backgrounds.
pub const PALETTE: [&str; crate::model::MOST_LINES] =
    ["#0ea5e9", "#f59e0b", "#10b981", "#e11d48", "#8b5cf6", "#64748b", "#d946ef", "#84cc16"];

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(time: i64, open: f64, close: f64) -> Bar {
        Bar { time, open, high: open.max(close), low: open.min(close), close, volume: 1.0 }
    }

    #[test]
    fn change_is_against_the_first_open() {
        let bars = [bar(60, 100.0, 102.0), bar(120, 102.0, 110.0), bar(180, 110.0, 90.0)];
        let values = |scale| points(&bars, scale).iter().map(|p| (p.time, p.value)).collect::<Vec<_>>();
        assert_eq!(values(Scale::Price), [(60, 102.0), (120, 110.0), (180, 90.0)]);
        let change = values(Scale::Change);
        assert_eq!(change.iter().map(|p| p.0).collect::<Vec<_>>(), [60, 120, 180]);
        for ((_, got), want) in change.iter().zip([2.0, 10.0, -10.0]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        assert_eq!(point(&bars, &bars[2], Scale::Price), Some(Point { time: 180, value: 90.0 }));
    }

    #[test]
    fn a_zero_base_has_no_change() {
        let bars = [bar(60, 0.0, 1.0)];
        assert!(points(&bars, Scale::Change).is_empty());
        assert_eq!(points(&bars, Scale::Price), [Point { time: 60, value: 1.0 }]);
        assert_eq!(value_at(&bars, None, Scale::Change), None);
    }

    #[test]
    fn the_legend_reads_the_bar_at_or_before_the_time() {
        let bars = [bar(60, 100.0, 100.0), bar(180, 100.0, 120.0)];
        assert_eq!(value_at(&bars, None, Scale::Price), Some(120.0));
        assert_eq!(value_at(&bars, Some(59), Scale::Price), None);
        assert_eq!(value_at(&bars, Some(60), Scale::Price), Some(100.0));
        assert_eq!(value_at(&bars, Some(179), Scale::Price), Some(100.0));
        assert_eq!(value_at(&bars, Some(600), Scale::Change), Some(20.0));
        assert_eq!(value_at(&[], None, Scale::Price), None);
    }

    #[test]
    fn values_read_as_prices_or_signed_percentages() {
        assert_eq!(Scale::Price.format(101.5), "101.50");
        assert_eq!(Scale::Change.format(2.346), "+2.35%");
        assert_eq!(Scale::Change.format(-10.0), "-10.00%");
        assert_eq!(Scale::default_for(1), Scale::Price);
        assert_eq!(Scale::default_for(3), Scale::Change);
    }
}
