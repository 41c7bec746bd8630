//! A stand-in for the feed widgets while they are being built: the latest
//! log lines and each symbol's latest point of the dashboard's feeds, each
//! with its notes and an "annotate" action. Widgets replace it by mounting
//! `LogLineAnnotations` in their rows and opening `AnnotateChartPoint`
//! from the chart.

use super::{
    annotations::{AnnotateChartPoint, ChartNotes, LogLineAnnotations},
    api::{latest_points, recent_log_lines},
};
use crate::{
    app::components::ui::{BUTTON_SECONDARY, Card},
    model::{Dashboard, LogLine, SymbolSummary, WidgetKind},
};
use leptos::prelude::*;

/// Recent data of each feed `dashboard` shows, ready to annotate.
#[component]
pub fn InteractionPreview(dashboard: Dashboard) -> impl IntoView {
    let mut seen = Vec::new();
    let sections = dashboard
        .widgets
        .into_iter()
        .filter(|w| {
            let first = !seen.contains(&w.feed);
            seen.push(w.feed.clone());
            first
        })
        .map(|w| match w.kind {
            WidgetKind::Log | WidgetKind::Histogram => view! {
                <FeedRows title="Latest log lines" feed=w.feed load=|feed| recent_log_lines(feed, 10)
                    row=|line, feed| view! { <LogRow line=line feed=feed /> } />
            }
            .into_any(),
            WidgetKind::Ticker | WidgetKind::Chart | WidgetKind::Table | WidgetKind::Stats | WidgetKind::Line => {
                view! {
                    <FeedRows title="Latest points" feed=w.feed load=latest_points
                        row=|point, feed| view! { <PointRow point=point feed=feed /> } />
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <details class="group" data-testid="interaction-preview">
            <summary class="cursor-pointer select-none text-sm font-medium text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white">
                "Notes on recent data"
            </summary>
            <div class="mt-2 space-y-4">{sections}</div>
        </details>
    }
}

/// A card of a feed's rows, loaded with `load`, drawn with `row`, with a
/// refresh button.
#[component]
fn FeedRows<T, Fut, V>(
    title: &'static str,
    feed: String,
    load: fn(String) -> Fut,
    row: fn(T, String) -> V,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<Vec<T>, crate::error::AppError>> + Send + 'static,
    V: IntoView + 'static,
{
    let version = RwSignal::new(0u32);
    let source = feed.clone();
    let rows = Resource::new(move || (source.clone(), version.get()), move |(feed, _)| load(feed));
    let feed = StoredValue::new(feed);
    view! {
        <Card>
            <div class="mb-2 flex items-center justify-between gap-2">
                <h2 class="text-sm font-semibold">{format!("{title} · {}", feed.get_value())}</h2>
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| version.update(|v| *v += 1)>
                    "Refresh"
                </button>
            </div>
            <Transition fallback=|| ()>
                <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                    {move || rows.get().map(|r| r.unwrap_or_default().into_iter().map(|item| row(item, feed.get_value())).collect_view())}
                </ul>
            </Transition>
        </Card>
    }
}

/// One log line with its notes.
#[component]
fn LogRow(line: LogLine, feed: String) -> impl IntoView {
    view! {
        <li class="py-2 text-sm" data-testid="room-log-line" data-seq=line.seq>
            <p class="font-mono text-xs">
                <span class="mr-2 font-semibold">{line.level}</span>
                <span class="mr-2 text-slate-500 dark:text-slate-400">{line.source}</span>
                <span class="break-words">{line.message}</span>
            </p>
            <LogLineAnnotations feed=feed seq=line.seq />
        </li>
    }
}

/// A symbol's latest point, its notes, and an "annotate" action.
#[component]
fn PointRow(point: SymbolSummary, feed: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let close = Callback::new(move |()| open.set(false));
    let when = crate::app::clock::use_clock().at(point.ts).format("%H:%M:%S").to_string();
    let (symbol, ts) = (point.symbol.clone(), point.ts);
    let dialog_feed = feed.clone();
    view! {
        <li class="space-y-1 py-2 text-sm" data-testid="room-point" data-symbol=point.symbol.clone()>
            <div class="flex items-center gap-3">
                <span class="font-semibold">{point.symbol.clone()}</span>
                <span class="tabular-nums">{format!("{:.2}", point.last)}</span>
                <span class="text-xs text-slate-500 dark:text-slate-400">{when}</span>
                <button type="button" class=BUTTON_SECONDARY data-testid="annotate-point-open" on:click=move |_| open.set(true)>
                    "Annotate point"
                </button>
            </div>
            <Show when=move || open.get()>
                <AnnotateChartPoint feed=dialog_feed.clone() symbol=symbol.clone() ts=ts on_close=close />
            </Show>
            <ChartNotes feed=feed.clone() symbol=point.symbol.clone() />
        </li>
    }
}
