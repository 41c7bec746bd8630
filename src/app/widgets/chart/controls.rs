//! What sits around the chart's drawing: the interval buttons, the export
//! of what it shows, and its marks as text for screen readers.

use crate::{
    app::{
        range::{INTERVALS, TimeRange, ViewState, interval_fits},
        widgets::{ChartMarker, export::ExportControl},
    },
    model::time,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The chart's markers as text, for screen readers (the drawing is a canvas).
#[component]
pub fn MarkerList(symbol: String, markers: Signal<Vec<ChartMarker>>) -> impl IntoView {
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
/// loaded candle (before a load: the server's default range) to the end of
/// the range (now, unless it is fixed).
#[component]
pub fn ChartExport(
    feed: String,
    #[prop(into)] symbol: Signal<String>,
    view: ViewState,
    from: Signal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let query = Signal::derive(move || {
        let mut query = vec![("symbol", symbol.get()), ("interval", view.interval.get().0.to_owned())];
        query.extend(from.get().map(|t| ("from", time::format(&t))));
        if let TimeRange::Fixed { to, .. } = view.range.get() {
            query.push(("to", time::format(&to)));
        }
        query
    });
    view! { <ExportControl path=format!("/api/v1/feeds/{feed}/candles") query what="candles" /> }
}

/// One toggle per interval (those too fine for the range are off), and a
/// note on the time zone (and `hint`, e.g. how to annotate).
#[component]
pub fn IntervalPicker(view: ViewState, #[prop(optional)] hint: Option<&'static str>) -> impl IntoView {
    let clock = crate::app::clock::use_clock();
    let note = move || {
        let zone = clock.zone.with(|z| z.label());
        hint.map_or_else(|| zone.clone(), |hint| format!("{zone} · {hint}"))
    };
    view! {
        <div class="flex flex-1 items-center gap-1 text-xs" role="group" aria-label="Interval">
            {INTERVALS.into_iter().map(|iv| {
                let chosen = move || view.interval.get().0 == iv.0;
                let fits = move || interval_fits(view.range.get(), iv.1);
                view! {
                    <button
                        type="button"
                        class=move || format!("rounded px-2 py-0.5 font-medium disabled:cursor-not-allowed disabled:opacity-40 {}", if chosen() { "bg-sky-700 text-white" } else { "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800" })
                        aria-pressed=move || chosen().to_string()
                        disabled=move || !fits()
                        title=move || if fits() { String::new() } else { format!("{} is too fine for this time range", iv.0) }
                        on:click=move |_| view.set("interval", Some(iv.0.to_owned()))
                    >
                        {iv.0}
                    </button>
                }
            }).collect_view()}
            <span class="ml-auto hidden text-slate-500 sm:inline dark:text-slate-400">{note}</span>
        </div>
    }
}
