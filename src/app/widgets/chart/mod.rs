//! The candle chart: candles and volume for one symbol over the dashboard's
//! time range ([`CandleSource`]); panning or zooming out past the first
//! candle loads older ones. Interval 1s/1m/5m/1h (from the page's URL);
//! markers for annotations and a click hook to annotate a point; an export
//! of what it shows.

mod bar;
mod canvas;
mod controls;
pub mod series;
mod source;
#[cfg(feature = "hydrate")]
mod view;

use crate::app::live::LiveStream;
pub use bar::Bar;
use canvas::Canvas;
use controls::MarkerList;
pub use controls::{ChartExport, IntervalPicker};
use leptos::prelude::*;
use series::Series;
pub use source::{CandleSource, Change};

/// Candle chart widget over a ticks feed.
#[component]
pub fn Chart(feed: String, symbol: String) -> impl IntoView {
    let canvas = Canvas::new();
    let draw = move |change: Change, series: &Series| match change {
        Change::All => canvas.draw(Some(series.bars()), None),
        Change::Last(bars) => bars.into_iter().for_each(|bar| canvas.draw(None, Some(bar))),
        Change::Prepended(added) => canvas.prepend(series.bars(), added),
    };
    let candles = CandleSource::follow(feed.clone(), symbol.clone(), Some(canvas.past_start), draw);
    // The chart library loads once per page; what came before it is drawn then.
    let (chart_error, set_chart_error) = signal(None::<String>);
    let (feed_name, symbol_name) = (feed.clone(), symbol.clone());
    Effect::new(move |_| {
        let (feed, symbol) = (feed_name.clone(), symbol_name.clone());
        leptos::task::spawn_local(async move {
            match canvas.ensure(feed, symbol).await {
                Ok(()) => candles.series.with_value(|series| draw(Change::All, series)),
                Err(e) => set_chart_error.set(Some(e)),
            }
        });
    });
    let view = expect_context::<crate::app::range::ViewState>();
    let live = expect_context::<LiveStream>();
    let markers = canvas.follow_markers(feed.clone(), symbol.clone());
    let CandleSource { loading, older_loading, error, extent, .. } = candles;
    let loaded_from = Signal::derive(move || extent.get().1);
    let empty = move || extent.get().0 == 0;
    let no_ticks = format!("No ticks for {symbol} in this time range.");

    view! {
        <div class="flex flex-col gap-2">
            <div class="flex flex-wrap items-center gap-2">
                <IntervalPicker view hint="click a candle to annotate" />
                <ChartExport feed=feed symbol=symbol.clone() view from=loaded_from />
            </div>
            {move || error.get().or(chart_error.get()).map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <div class="relative">
                <div node_ref=canvas.container class="h-72 w-full" data-testid="chart" data-symbol=symbol.clone()
                    data-candles=move || extent.get().0
                    data-from=move || extent.get().1.map(|t| crate::model::time::format(&t))
                    aria-busy=move || (loading.get() || older_loading.get()).to_string()></div>
                <MarkerList symbol=symbol.clone() markers />
                <Show when=move || loading.get()>
                    <p class="absolute inset-0 flex animate-pulse motion-reduce:animate-none items-center justify-center text-sm text-slate-500 dark:text-slate-400">"Loading…"</p>
                </Show>
                <Show when=move || older_loading.get()>
                    <p class="absolute left-2 top-2 rounded bg-white/80 px-2 py-0.5 text-xs text-slate-600 dark:bg-slate-900/80 dark:text-slate-300" data-testid="chart-older">"Loading older candles…"</p>
                </Show>
                <Show when=move || !loading.get() && empty()>
                    <p class="absolute inset-0 flex items-center justify-center text-sm text-slate-500 dark:text-slate-400">
                        {
                            let no_ticks = no_ticks.clone();
                            move || if live.is_replaying() { "Nothing in the replay yet.".to_owned() } else { no_ticks.clone() }
                        }
                    </p>
                </Show>
            </div>
        </div>
    }
}
