//! Dashboard widgets: ticker, candle chart, line chart, log tail, table,
//! stats, level histogram. Each subscribes to the
//! page's live stream for its feed and loads its own history when told
//! where live delivery starts.

pub mod chart;
#[cfg(feature = "hydrate")]
mod chart_look;
#[cfg(feature = "hydrate")]
mod charts_js;
mod export;
mod gate;
mod histogram;
mod line;
pub mod log_tail;
mod sparkline;
pub mod stats;
pub mod ticker;

use crate::{
    app::{
        components::ui::{Badge, Tone},
        live::{FeedEvent, LiveStream},
    },
    model::{FeedState, Widget, WidgetKind},
};
use leptos::prelude::*;

/// One widget in its frame.
#[component]
pub fn WidgetView(widget: Widget, slug: String) -> impl IntoView {
    let title = match widget.kind {
        WidgetKind::Ticker => "Ticker".to_owned(),
        WidgetKind::Chart => format!("Chart · {}", widget.symbol.clone().unwrap_or_default()),
        WidgetKind::Log => "Log tail".to_owned(),
        WidgetKind::Table => "Latest values".to_owned(),
        WidgetKind::Stats => format!("Stats · {}", widget.symbol.clone().unwrap_or_default()),
        WidgetKind::Histogram => "Lines by level".to_owned(),
        WidgetKind::Line => format!("Lines · {}", widget.symbols().join(", ")),
    };
    let wide = widget.is_full_width();
    let feed = widget.feed.clone();
    let body = match widget.kind {
        WidgetKind::Ticker => view! { <ticker::Ticker feed=widget.feed.clone() /> }.into_any(),
        WidgetKind::Chart => {
            view! { <chart::Chart feed=widget.feed.clone() symbol=widget.symbol.clone().unwrap_or_default() /> }
                .into_any()
        }
        WidgetKind::Log => view! { <log_tail::LogTail feed=widget.feed.clone() slug=slug /> }.into_any(),
        WidgetKind::Table => view! { <ticker::Ticker feed=widget.feed.clone() table=true /> }.into_any(),
        WidgetKind::Histogram => view! { <histogram::LevelHistogram feed=widget.feed.clone() /> }.into_any(),
        WidgetKind::Line => {
            let symbols = widget.symbols().into_iter().map(str::to_owned).collect();
            view! { <line::LineChart feed=widget.feed.clone() symbols /> }.into_any()
        }
        WidgetKind::Stats => {
            view! { <stats::Stats feed=widget.feed.clone() symbol=widget.symbol.clone().unwrap_or_default() /> }
                .into_any()
        }
    };
    view! {
        <section
            class=format!(
                "flex min-w-0 flex-col rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900 {}",
                if wide { "lg:col-span-2" } else { "" },
            )
            data-testid="widget"
            data-kind=format!("{:?}", widget.kind).to_lowercase()
        >
            <header class="flex items-center gap-2 border-b border-slate-100 px-3 py-2 dark:border-slate-800">
                <h2 class="text-sm font-semibold">{title}</h2>
                <span class="text-xs text-slate-500 dark:text-slate-400">{feed.clone()}</span>
                <span class="ml-auto"><FeedStateBadge feed=feed /></span>
            </header>
            <div class="min-h-0 flex-1 p-3">{body}</div>
        </section>
    }
}

/// The feed's ingest state, kept current by `status` events.
#[component]
fn FeedStateBadge(feed: String) -> impl IntoView {
    let (state, set_state) = signal(None::<(FeedState, Option<String>)>);
    expect_context::<LiveStream>().subscribe(&feed, move |event| {
        if let FeedEvent::Status(s) = event {
            set_state.set(Some((s.state, s.last_error.clone())));
        }
    });
    move || {
        state.get().map(|(s, error)| {
            let label = format!("{s:?}").to_lowercase();
            view! {
                <span title=error.unwrap_or_default()>
                    <Badge text=format!("feed {label}") tone=Tone::of_state(s) />
                </span>
            }
        })
    }
}

/// A note pinned to a chart point, or an alert that fired there.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartMarker {
    pub id: i64,
    /// The point's time, in ms since the epoch (UTC).
    pub ts_ms: i64,
    pub text: String,
    /// An alert firing (drawn in red), not a note.
    pub alert: bool,
}

/// Makes the annotation markers of a chart (feed, symbol).
pub type ChartMarkers = fn(String, String) -> Signal<Vec<ChartMarker>>;

/// What the page can add to widgets (annotations live in the interaction
/// layer; widgets only offer these hooks).
#[derive(Clone, Copy, Default)]
pub struct WidgetExtras {
    /// A badge after a log line (feed, seq).
    pub log_badge: Option<fn(String, i64) -> AnyView>,
    /// More UI under the selected log line (feed, seq).
    pub log_details: Option<fn(String, i64) -> AnyView>,
    /// Markers for a chart (feed, symbol).
    pub chart_markers: Option<ChartMarkers>,
    /// Called when someone clicks a chart point (feed, symbol, time in ms).
    pub on_chart_point: Option<fn(String, String, i64)>,
}
