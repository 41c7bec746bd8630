//! The candle chart: candles and volume for one symbol, from the candles
//! history, then built up live from ticks; interval 1s/1m/5m/1h; markers for
//! annotations and a click hook to annotate a point; an export of what it
//! shows.

mod bar;
mod canvas;
#[cfg(feature = "hydrate")]
mod view;

use super::{ChartMarker, export::ExportControl, gate::Gate};
use crate::{
    app::{
        api::live::candle_page,
        live::{FeedEvent, LiveStream},
    },
    model::{Tick, time},
};
pub use bar::Bar;
use canvas::Canvas;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// Intervals offered, with their length in seconds.
pub const INTERVALS: [(&str, i64); 4] = [("1s", 1), ("1m", 60), ("5m", 300), ("1h", 3600)];

/// Candle chart widget over a ticks feed.
#[component]
pub fn Chart(feed: String, symbol: String) -> impl IntoView {
    let interval = RwSignal::new(INTERVALS[1]);
    let canvas = Canvas::new();
    let gate = StoredValue::new(Gate::<Tick>::new(50_000));
    let bars: StoredValue<Option<Bar>> = StoredValue::new(None);
    let (error, set_error) = signal(None::<String>);
    let (loading, set_loading) = signal(true);
    let (empty, set_empty) = signal(false);
    // Where the loaded candles start (None: not loaded, or none).
    let (loaded_from, set_loaded_from) = signal(None::<DateTime<Utc>>);
    let stream_ready = RwSignal::new(false);
    let feed_name = StoredValue::new(feed.clone());
    let symbol_name = StoredValue::new(symbol.clone());

    // Folds a batch of ticks, drawing each bar once: the finished ones and
    // the last, still open one.
    let apply = move |ticks: Vec<Tick>| {
        let secs = interval.get_untracked().1;
        let symbol = symbol_name.get_value();
        let mut current = bars.get_value();
        let mut changed = false;
        for t in ticks.iter().filter(|t| t.symbol == symbol) {
            if let Some(bar) = Bar::fold(current, t, secs) {
                if let Some(done) = current.filter(|c| c.time != bar.time && changed) {
                    canvas.draw(None, Some(done));
                }
                current = Some(bar);
                changed = true;
            }
        }
        if changed {
            bars.set_value(current);
            canvas.draw(None, current);
            set_empty.set(false);
        }
    };

    let load = move || {
        let generation = gate.try_update_value(|g| g.start_load()).unwrap_or_default();
        set_loading.set(true);
        let (name, _) = interval.get_untracked();
        leptos::task::spawn_local(async move {
            if let Err(e) = canvas.ensure(feed_name.get_value(), symbol_name.get_value()).await {
                set_error.set(Some(e));
            }
            match candle_page(feed_name.get_value(), symbol_name.get_value(), name.to_owned()).await {
                Ok(page) => {
                    let all: Vec<Bar> = page.items.iter().map(Bar::from_candle).collect();
                    bars.set_value(all.last().copied());
                    set_empty.set(all.is_empty());
                    set_loaded_from.set(page.items.first().map(|c| c.t));
                    canvas.draw(Some(&all), None);
                    set_error.set(None);
                    if let Some((held, _)) = gate.try_update_value(|g| g.loaded(generation, page.last_seq)).flatten() {
                        apply(held);
                    }
                }
                Err(e) => set_error.set(Some(e.message)),
            }
            set_loading.set(false);
        });
    };

    let live = expect_context::<LiveStream>();
    let no_ticks = StoredValue::new(format!("No ticks for {symbol} in this range yet."));
    live.subscribe(&feed, move |event| match event {
        FeedEvent::Load { .. } => {
            stream_ready.set(true);
            load();
        }
        FeedEvent::Replay => {
            gate.update_value(Gate::open_from_start);
            bars.set_value(None);
            canvas.draw(Some(&[]), None);
            set_loaded_from.set(None);
            set_empty.set(true);
            set_loading.set(false);
        }
        FeedEvent::Ticks(ticks) => {
            let fresh = gate.try_update_value(|g| g.live(ticks.iter().cloned())).unwrap_or_default();
            apply(fresh);
        }
        _ => {}
    });
    // A new interval reloads (once the stream said where live data starts).
    Effect::new(move |previous: Option<&'static str>| {
        let (name, _) = interval.get();
        if previous.is_some_and(|p| p != name) && stream_ready.get_untracked() {
            load();
        }
        name
    });
    let markers = canvas.follow_markers(feed, symbol.clone());

    view! {
        <div class="flex flex-col gap-2">
            <div class="flex items-center gap-2">
                <IntervalPicker interval />
                <ChartExport feed=feed_name.get_value() symbol=symbol.clone() interval from=loaded_from />
            </div>
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <div class="relative">
                <div node_ref=canvas.container class="h-72 w-full" data-testid="chart" data-symbol=symbol.clone()></div>
                <MarkerList symbol=symbol.clone() markers />
                <Show when=move || loading.get()>
                    <p class="absolute inset-0 flex animate-pulse motion-reduce:animate-none items-center justify-center text-sm text-slate-500 dark:text-slate-400">"Loading…"</p>
                </Show>
                <Show when=move || !loading.get() && empty.get()>
                    <p class="absolute inset-0 flex items-center justify-center text-sm text-slate-500 dark:text-slate-400">
                        {move || if live.is_replaying() { "Nothing in the replay yet.".to_owned() } else { no_ticks.get_value() }}
                    </p>
                </Show>
            </div>
        </div>
    }
}

/// The chart's markers as text, for screen readers (the drawing is a canvas).
#[component]
fn MarkerList(symbol: String, markers: Signal<Vec<ChartMarker>>) -> impl IntoView {
    view! {
        <ul class="sr-only" aria-label=format!("Marks on the {symbol} chart")>
            <For each=move || markers.get() key=|m| (m.alert, m.id) let:marker>
                <li data-testid="chart-marker" data-kind=if marker.alert { "alert" } else { "note" }>
                    {if marker.alert { format!("Alert: {}", marker.text) } else { format!("Note: {}", marker.text) }}
                </li>
            </For>
        </ul>
    }
}

/// The candles the chart shows: its symbol and interval, from the first
/// loaded candle (before a load: the server's default range) to now.
#[component]
fn ChartExport(
    feed: String,
    symbol: String,
    interval: RwSignal<(&'static str, i64)>,
    from: ReadSignal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let query = Signal::derive(move || {
        let mut query = vec![("symbol", symbol.clone()), ("interval", interval.get().0.to_owned())];
        query.extend(from.get().map(|t| ("from", time::format(&t))));
        query
    });
    view! { <ExportControl path=format!("/api/v1/feeds/{feed}/candles") query what="candles" /> }
}

/// One toggle per interval, and a note on time zone and annotating.
#[component]
fn IntervalPicker(interval: RwSignal<(&'static str, i64)>) -> impl IntoView {
    let clock = crate::app::clock::use_clock();
    let note = move || format!("{} · click a candle to annotate", clock.zone.with(|z| z.label()));
    view! {
        <div class="flex flex-1 items-center gap-1 text-xs" role="group" aria-label="Interval">
            {INTERVALS.into_iter().map(|iv| view! {
                <button
                    type="button"
                    class=move || format!("rounded px-2 py-0.5 font-medium {}", if interval.get().0 == iv.0 { "bg-sky-700 text-white" } else { "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800" })
                    aria-pressed=move || (interval.get().0 == iv.0).to_string()
                    on:click=move |_| interval.set(iv)
                >
                    {iv.0}
                </button>
            }).collect_view()}
            <span class="ml-auto text-slate-500 dark:text-slate-400">{note}</span>
        </div>
    }
}
