//! The line chart: one line per symbol (closes at the range's interval)
//! over the dashboard's time range, in price or in % change from the
//! range's start, with a legend that reads the values under the crosshair.

mod canvas;
pub mod model;
#[cfg(feature = "hydrate")]
mod view;

use super::chart::{CandleSource, Change, ChartExport, IntervalPicker, series::Series};
use crate::app::{clock::use_clock, range::ViewState};
use canvas::LineCanvas;
use leptos::prelude::*;
use model::{PALETTE, Scale, point, points, value_at};

/// Line chart widget over a ticks feed.
#[component]
pub fn LineChart(feed: String, symbols: Vec<String>) -> impl IntoView {
    let canvas = LineCanvas::new();
    let scale = RwSignal::new(Scale::default_for(symbols.len()));
    let version = RwSignal::new(0u64);
    let follow = |(i, symbol): (usize, &String)| {
        let draw = move |change: Change, series: &Series| {
            let (bars, scale) = (series.bars(), scale.get_untracked());
            match change {
                Change::Last(changed) => {
                    changed.iter().filter_map(|bar| point(bars, bar, scale)).for_each(|p| canvas.update(i, p))
                }
                Change::All | Change::Prepended(_) => canvas.set_points(i, &points(bars, scale)),
            }
            version.update(|v| *v += 1);
        };
        CandleSource::follow(feed.clone(), symbol.clone(), None, draw)
    };
    let sources = StoredValue::new(symbols.iter().enumerate().map(follow).collect::<Vec<_>>());
    let redraw = move || {
        let scale = scale.get_untracked();
        canvas.set_scale(scale);
        sources.with_value(|all| {
            for (i, source) in all.iter().enumerate() {
                source.series.with_value(|s| canvas.set_points(i, &points(s.bars(), scale)));
            }
        })
    };
    // The chart library loads once per page; what came before it is drawn then.
    let (chart_error, set_chart_error) = signal(None::<String>);
    let lines = symbols.len();
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            match canvas.ensure(lines).await {
                Ok(()) => redraw(),
                Err(e) => set_chart_error.set(Some(e)),
            }
        });
    });
    Effect::new(move |first: Option<()>| {
        scale.track();
        if first.is_some() {
            redraw();
        }
    });

    let any = move |f: fn(&CandleSource) -> bool| sources.with_value(|all| all.iter().any(f));
    let loading = move || any(|s| s.loading.get());
    let error = move || sources.with_value(|all| all.iter().find_map(|s| s.error.get())).or(chart_error.get());
    let empty = move || !any(|s| s.extent.get().0 > 0);
    let no_ticks = format!("No ticks for {} in this time range.", symbols.join(", "));
    let view = expect_context::<ViewState>();

    view! {
        <div class="flex flex-col gap-2">
            <div class="flex flex-wrap items-center gap-2">
                <IntervalPicker view />
                <ScalePicker scale />
                <LineExport feed symbols=symbols.clone() sources view />
            </div>
            {move || error().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <Legend symbols=symbols.clone() sources scale hover=canvas.hover version />
            <div class="relative">
                <div node_ref=canvas.container class="h-72 w-full" data-testid="line-chart"
                    aria-busy=move || loading().to_string()></div>
                <Show when=loading>
                    <p class="absolute inset-0 flex animate-pulse motion-reduce:animate-none items-center justify-center text-sm text-slate-500 dark:text-slate-400">"Loading…"</p>
                </Show>
                <Show when=move || !loading() && empty()>
                    <p class="absolute inset-0 flex items-center justify-center text-sm text-slate-500 dark:text-slate-400">{no_ticks.clone()}</p>
                </Show>
            </div>
        </div>
    }
}

/// Price or % change.
#[component]
fn ScalePicker(scale: RwSignal<Scale>) -> impl IntoView {
    view! {
        <div class="flex items-center gap-1 text-xs" role="group" aria-label="Scale" data-testid="line-scale">
            {[Scale::Change, Scale::Price].into_iter().map(|s| {
                let chosen = move || scale.get() == s;
                view! {
                    <button type="button" aria-pressed=move || chosen().to_string() on:click=move |_| scale.set(s)
                        class=move || format!("rounded px-2 py-0.5 font-medium {}", if chosen() { "bg-sky-700 text-white" } else { "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800" })>
                        {s.label()}
                    </button>
                }
            }).collect_view()}
        </div>
    }
}

/// Each line's colour, symbol and value: under the crosshair, or the latest.
#[component]
fn Legend(
    symbols: Vec<String>,
    sources: StoredValue<Vec<CandleSource>>,
    scale: RwSignal<Scale>,
    hover: RwSignal<Option<i64>>,
    version: RwSignal<u64>,
) -> impl IntoView {
    let clock = use_clock();
    let when = move || match hover.get().and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
        Some(t) => format!("at {} {}", clock.at(t).format("%Y-%m-%d %H:%M:%S"), clock.zone.with(|z| z.short_label())),
        None => "latest".to_owned(),
    };
    let entry = move |(i, symbol): (usize, String)| {
        let bars = move |f: &dyn Fn(&[super::chart::Bar]) -> String| {
            version.track();
            sources.with_value(|all| all[i].series.with_value(|s| f(s.bars())))
        };
        let value = move || {
            let (time, scale) = (hover.get(), scale.get());
            bars(&|b| value_at(b, time, scale).map_or_else(|| "—".to_owned(), |v| scale.format(v)))
        };
        let key = symbol.clone();
        view! {
            <li class="inline-flex items-center gap-1" data-testid="line-legend-entry" data-symbol=key
                data-points=move || bars(&|b| b.len().to_string())>
                <span class="inline-block h-0.5 w-3 rounded" style=format!("background-color: {}", PALETTE[i % PALETTE.len()]) aria-hidden="true"></span>
                <span class="font-medium">{symbol}</span>
                <span class="font-mono tabular-nums text-slate-700 dark:text-slate-200" data-testid="line-value">{value}</span>
            </li>
        }
    };
    view! {
        <div class="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-xs">
            <ul class="flex flex-wrap gap-x-3 gap-y-1" aria-label="Legend" aria-live="off">
                {symbols.into_iter().enumerate().map(entry).collect_view()}
            </ul>
            <span class="text-slate-600 dark:text-slate-300" data-testid="line-time">{when}</span>
        </div>
    }
}

/// The candles of one of the lines, chosen in a menu, as the chart's own
/// export gives them.
#[component]
fn LineExport(
    feed: String,
    symbols: Vec<String>,
    sources: StoredValue<Vec<CandleSource>>,
    view: ViewState,
) -> impl IntoView {
    let chosen = RwSignal::new(0usize);
    let symbol = Signal::derive({
        let symbols = symbols.clone();
        move || symbols.get(chosen.get()).cloned().unwrap_or_default()
    });
    let from = Signal::derive(move || sources.with_value(|all| all.get(chosen.get()).and_then(|s| s.extent.get().1)));
    let choose = move |ev: leptos::ev::Event| chosen.set(event_target_value(&ev).parse().unwrap_or(0));
    view! {
        <span class="inline-flex items-center gap-1 text-xs">
            <label>
                <span class="sr-only">"Symbol to export"</span>
                <select class="rounded border border-slate-300 bg-white px-1 py-1 text-xs text-slate-700 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200"
                    data-testid="line-export-symbol" on:change=choose>
                    {symbols.into_iter().enumerate().map(|(i, s)| view! { <option value=i.to_string()>{s}</option> }).collect_view()}
                </select>
            </label>
            <ChartExport feed symbol view from />
        </span>
    }
}
