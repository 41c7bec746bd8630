//! Candle bars as the chart draws them, from stored candles and built up
//! from live ticks.

use crate::model::{Candle, Tick};

/// A bar as the chart library takes it (`time` in UTC seconds).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Bar {
    pub time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    #[serde(skip)]
    pub volume: f64,
}

impl Bar {
    /// The bar of a stored candle.
    pub fn from_candle(c: &Candle) -> Self {
        Bar { time: c.t.timestamp(), open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }
    }

    /// Folds a tick into the bar series: updates the last bar or starts a
    /// new one; ticks for older buckets are left to the next reload.
    pub fn fold(last: Option<Bar>, tick: &Tick, interval_secs: i64) -> Option<Bar> {
        let bucket = tick.ts.timestamp().div_euclid(interval_secs) * interval_secs;
        match last {
            Some(bar) if bar.time == bucket => Some(Bar {
                high: bar.high.max(tick.price),
                low: bar.low.min(tick.price),
                close: tick.price,
                volume: bar.volume + tick.size,
                ..bar
            }),
            Some(bar) if bar.time > bucket => None,
            _ => Some(Bar {
                time: bucket,
                open: tick.price,
                high: tick.price,
                low: tick.price,
                close: tick.price,
                volume: tick.size,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn tick(secs: i64, price: f64, size: f64) -> Tick {
        Tick { seq: 1, symbol: "A".into(), price, size, ts: chrono::Utc.timestamp_opt(secs, 0).unwrap() }
    }

    #[test]
    fn ticks_fold_into_bars() {
        let bar = Bar::fold(None, &tick(125, 10.0, 1.0), 60).unwrap();
        assert_eq!((bar.time, bar.open, bar.close, bar.volume), (120, 10.0, 10.0, 1.0));
        let bar = Bar::fold(Some(bar), &tick(170, 12.0, 2.0), 60).unwrap();
        assert_eq!((bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume), (120, 10.0, 12.0, 10.0, 12.0, 3.0));
        let next = Bar::fold(Some(bar), &tick(181, 11.0, 1.0), 60).unwrap();
        assert_eq!((next.time, next.open), (180, 11.0));
        assert_eq!(Bar::fold(Some(next), &tick(100, 1.0, 1.0), 60), None, "late ticks wait for a reload");
    }
}
