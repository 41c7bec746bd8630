//! The stats block: last, change, min, max, average and volume of one
//! symbol over the dashboard's time range, from the same candles the chart
//! draws (so it follows the range and interval, and live ticks).

use super::chart::{Bar, CandleSource, ChartExport};
use crate::app::range::{TimeRange, ViewState};
use leptos::prelude::*;

/// What the candles of a range add up to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The first candle's open.
    pub first: f64,
    /// The last candle's close.
    pub last: f64,
    pub min: f64,
    pub max: f64,
    /// The mean of the candles' closes (time-weighted at the interval).
    pub mean: f64,
    pub volume: f64,
}

impl Summary {
    /// The summary of `bars`; `None` when there are none.
    pub fn of(bars: &[Bar]) -> Option<Summary> {
        let (first, last) = (bars.first()?, bars.last()?);
        let start =
            Summary { first: first.open, last: last.close, min: f64::MAX, max: f64::MIN, mean: 0.0, volume: 0.0 };
        let mut sum = bars.iter().fold(start, |s, b| Summary {
            min: s.min.min(b.low),
            max: s.max.max(b.high),
            mean: s.mean + b.close,
            volume: s.volume + b.volume,
            ..s
        });
        sum.mean /= bars.len() as f64;
        Some(sum)
    }

    /// Change from the first price to the last, absolute and in percent.
    pub fn change(&self) -> (f64, Option<f64>) {
        let change = self.last - self.first;
        (change, (self.first != 0.0).then(|| change / self.first * 100.0))
    }
}

/// Stats widget for one symbol of a ticks feed.
#[component]
pub fn Stats(feed: String, symbol: String) -> impl IntoView {
    let version = RwSignal::new(0u64);
    let source = CandleSource::follow(feed.clone(), symbol.clone(), None, move |_, _| version.update(|v| *v += 1));
    let summary = Memo::new(move |_| {
        version.track();
        source.series.with_value(|s| Summary::of(s.bars()))
    });
    let view = expect_context::<ViewState>();
    let from = Signal::derive(move || source.extent.get().1);
    let export = view! { <ChartExport feed symbol=symbol.clone() view from /> };
    let caption = move || {
        let range = match view.range.get() {
            TimeRange::Live => "recent candles".to_owned(),
            TimeRange::Last(span) => format!("the last {}", span.key()),
            TimeRange::Fixed { .. } => "the chosen range".to_owned(),
        };
        format!("{symbol} over {range} · average of {} closes", view.interval.get().0)
    };
    let stat = move |label: &'static str, id: &'static str, value: Box<dyn Fn(&Summary) -> String + Send + Sync>| {
        view! {
            <div class="rounded-md bg-slate-50 px-3 py-2 dark:bg-slate-950">
                <dt class="text-xs text-slate-600 dark:text-slate-300">{label}</dt>
                <dd class="font-mono text-lg tabular-nums" data-testid=id>
                    {move || summary.get().map(|s| value(&s)).unwrap_or_else(|| "—".into())}
                </dd>
            </div>
        }
    };
    view! {
        <div class="flex flex-col gap-2" data-testid="stats" aria-busy=move || source.loading.get().to_string()>
            {move || source.error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <dl class="grid grid-cols-2 gap-2 sm:grid-cols-3">
                {stat("Last", "stat-last", Box::new(|s| format!("{:.2}", s.last)))}
                {stat("Change", "stat-change", Box::new(|s| match s.change() {
                    (c, Some(p)) => format!("{c:+.2} ({p:+.2}%)"),
                    (c, None) => format!("{c:+.2}"),
                }))}
                {stat("Volume", "stat-volume", Box::new(|s| format!("{}", s.volume)))}
                {stat("Min", "stat-min", Box::new(|s| format!("{:.2}", s.min)))}
                {stat("Max", "stat-max", Box::new(|s| format!("{:.2}", s.max)))}
                {stat("Average", "stat-avg", Box::new(|s| format!("{:.2}", s.mean)))}
            </dl>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <p class="text-xs text-slate-600 dark:text-slate-300">{caption}</p>
                {export}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(open: f64, high: f64, low: f64, close: f64, volume: f64) -> Bar {
        Bar { time: 0, open, high, low, close, volume }
    }

    #[test]
    fn sums_up_the_candles() {
        assert_eq!(Summary::of(&[]), None);
        let bars = [bar(10.0, 12.0, 9.0, 11.0, 5.0), bar(11.0, 15.0, 10.5, 14.0, 2.0), bar(14.0, 14.5, 8.0, 8.0, 1.0)];
        let s = Summary::of(&bars).unwrap();
        assert_eq!((s.first, s.last, s.min, s.max, s.volume), (10.0, 8.0, 8.0, 15.0, 8.0));
        assert!((s.mean - 11.0).abs() < 1e-9);
        let (change, pct) = s.change();
        assert_eq!(change, -2.0);
        assert!((pct.unwrap() + 20.0).abs() < 1e-9);
    }

    #[test]
    fn a_zero_first_price_has_no_percentage() {
        let s = Summary::of(&[bar(0.0, 1.0, 0.0, 1.0, 1.0)]).unwrap();
        assert_eq!(s.change(), (1.0, None));
    }
}
