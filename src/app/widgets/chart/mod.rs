//! The candle chart: candles and volume for one symbol over the dashboard's
//! time range, from the candles history, then built up live from ticks
//! (unless the range is fixed); panning or zooming out past the first
//! candle loads older ones. Interval 1s/1m/5m/1h (from the page's URL);
//! markers for annotations and a click hook to annotate a point; an export
//! of what it shows.

mod bar;
mod canvas;
mod controls;
mod series;
#[cfg(feature = "hydrate")]
mod view;

use super::gate::Gate;
use crate::{
    app::{
        api::live::candle_page,
        live::{FeedEvent, LiveStream},
        range::ViewState,
    },
    model::Tick,
};
pub use bar::Bar;
use canvas::Canvas;
use chrono::{DateTime, Utc};
use controls::{ChartExport, IntervalPicker, MarkerList};
use leptos::prelude::*;
use series::Series;

/// Candle chart widget over a ticks feed.
#[component]
pub fn Chart(feed: String, symbol: String) -> impl IntoView {
    let view = expect_context::<ViewState>();
    let canvas = Canvas::new();
    let gate = StoredValue::new(Gate::<Tick>::new(50_000));
    let series = StoredValue::new(Series::default());
    // Goes up with each load, so a page of older candles asked for before it is dropped.
    let generation = StoredValue::new(0u64);
    let (error, set_error) = signal(None::<String>);
    let (loading, set_loading) = signal(true);
    let older_loading = RwSignal::new(false);
    // What is drawn: how many candles, from when (None: none).
    let (drawn, set_drawn) = signal((0usize, None::<DateTime<Utc>>));
    let stream_ready = RwSignal::new(false);
    let feed_name = StoredValue::new(feed.clone());
    let symbol_name = StoredValue::new(symbol.clone());
    let note_drawn = move || {
        series.with_value(|s| {
            let first = s.bars().first().and_then(|b| DateTime::from_timestamp(b.time, 0));
            set_drawn.set((s.bars().len(), first));
        })
    };

    // Folds a batch of live ticks in (a fixed range takes none), drawing
    // each changed bar once.
    let apply = move |ticks: Vec<Tick>| {
        if !view.range.get_untracked().follows() {
            return;
        }
        let secs = view.interval.get_untracked().1;
        let (touched, trimmed) =
            series.try_update_value(|s| s.fold(&ticks, &symbol_name.get_value(), secs)).unwrap_or_default();
        if trimmed {
            series.with_value(|s| canvas.draw(Some(s.bars()), None));
        } else {
            touched.into_iter().for_each(|bar| canvas.draw(None, Some(bar)));
        }
        if drawn.get_untracked().0 != series.with_value(|s| s.bars().len()) {
            note_drawn();
        }
    };

    let load = move || {
        let load_generation = gate.try_update_value(|g| g.start_load()).unwrap_or_default();
        generation.update_value(|g| *g += 1);
        set_loading.set(true);
        let (interval, _) = view.interval.get_untracked();
        let (from, to) = view.range.get_untracked().bounds(Utc::now());
        leptos::task::spawn_local(async move {
            if let Err(e) = canvas.ensure(feed_name.get_value(), symbol_name.get_value()).await {
                set_error.set(Some(e));
            }
            let page = candle_page(feed_name.get_value(), symbol_name.get_value(), interval.to_owned(), from, to).await;
            match page {
                Ok(page) => {
                    series.update_value(|s| s.replace(page.items.iter().map(Bar::from_candle).collect()));
                    series.with_value(|s| canvas.draw(Some(s.bars()), None));
                    note_drawn();
                    set_error.set(None);
                    if let Some((held, _)) =
                        gate.try_update_value(|g| g.loaded(load_generation, page.last_seq)).flatten()
                    {
                        apply(held);
                    }
                }
                Err(e) => set_error.set(Some(e.message)),
            }
            set_loading.set(false);
        });
    };

    // The page before the first candle, once the user reaches past it.
    let load_older = move || {
        let secs = view.interval.get_untracked().1;
        let Some((from, to)) = series.with_value(|s| s.older_page(secs)) else { return };
        if older_loading.get_untracked() || loading.get_untracked() {
            return;
        }
        older_loading.set(true);
        let (asked_in, interval) = (generation.get_value(), view.interval.get_untracked().0);
        leptos::task::spawn_local(async move {
            let at = |secs| DateTime::from_timestamp(secs, 0);
            let page =
                candle_page(feed_name.get_value(), symbol_name.get_value(), interval.to_owned(), at(from), at(to));
            match page.await {
                Ok(page) if generation.get_value() == asked_in => {
                    let added =
                        series.try_update_value(|s| s.prepend(page.items.iter().map(Bar::from_candle).collect()));
                    if let Some(added @ 1..) = added {
                        series.with_value(|s| canvas.prepend(s.bars(), added));
                        note_drawn();
                    }
                }
                Ok(_) => {}
                Err(e) => set_error.set(Some(e.message)),
            }
            older_loading.set(false);
        });
    };

    let live = expect_context::<LiveStream>();
    let no_ticks = StoredValue::new(format!("No ticks for {symbol} in this time range."));
    live.subscribe(&feed, move |event| match event {
        FeedEvent::Load { .. } => {
            stream_ready.set(true);
            load();
        }
        FeedEvent::Replay => {
            gate.update_value(Gate::open_from_start);
            series.update_value(|s| s.replace(Vec::new()));
            canvas.draw(Some(&[]), None);
            note_drawn();
            set_loading.set(false);
        }
        FeedEvent::Ticks(ticks) => {
            let fresh = gate.try_update_value(|g| g.live(ticks.iter().cloned())).unwrap_or_default();
            apply(fresh);
        }
        _ => {}
    });
    // A new interval or range reloads (once the stream said where live data starts).
    Effect::new(move |previous: Option<_>| {
        let now = (view.interval.get(), view.range.get());
        if previous.is_some_and(|p| p != now) && stream_ready.get_untracked() {
            load();
        }
        now
    });
    Effect::new(move |first: Option<()>| {
        canvas.past_start.track();
        if first.is_some() {
            load_older();
        }
    });
    let markers = canvas.follow_markers(feed, symbol.clone());
    let loaded_from = Signal::derive(move || drawn.get().1);
    let empty = move || drawn.get().0 == 0;

    view! {
        <div class="flex flex-col gap-2">
            <div class="flex items-center gap-2">
                <IntervalPicker view />
                <ChartExport feed=feed_name.get_value() symbol=symbol.clone() view from=loaded_from />
            </div>
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <div class="relative">
                <div node_ref=canvas.container class="h-72 w-full" data-testid="chart" data-symbol=symbol.clone()
                    data-candles=move || drawn.get().0
                    data-from=move || drawn.get().1.map(|t| crate::model::time::format(&t))
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
                        {move || if live.is_replaying() { "Nothing in the replay yet.".to_owned() } else { no_ticks.get_value() }}
                    </p>
                </Show>
            </div>
        </div>
    }
}
