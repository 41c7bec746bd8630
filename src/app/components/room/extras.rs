//! The room's side of the widgets' hooks (`WidgetExtras`): note badges and
//! threads on log lines, note markers on charts, and a note dialog when a
//! chart point is clicked.

use super::{
    annotations::{AnnotateChartPoint, LogLineAnnotations},
    context::{RoomContext, use_chart_annotations, use_room},
};
use crate::{
    app::{
        components::{
            alerts::use_alerts,
            ui::{Badge, Tone},
        },
        widgets::{ChartMarker, WidgetExtras},
    },
    model::AnnotationTarget,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The hooks to provide to the widgets of a page inside a `RoomProvider`.
pub fn widget_extras() -> WidgetExtras {
    WidgetExtras {
        log_badge: Some(log_badge),
        log_details: Some(log_details),
        chart_markers: Some(chart_markers),
        on_chart_point: Some(on_chart_point),
    }
}

/// "N notes" after a log line that has notes.
fn log_badge(feed: String, seq: i64) -> AnyView {
    let room = use_room();
    let target = AnnotationTarget::LogLine { feed, seq };
    let count = Memo::new(move |_| room.notes_on(&target).len());
    view! {
        {move || (count.get() > 0).then(|| view! {
            <span data-testid="annotation-count">
                <Badge text=format!("{} note{}", count.get(), if count.get() == 1 { "" } else { "s" }) tone=Tone::Info />
            </span>
        })}
    }
    .into_any()
}

/// The notes, threads and "annotate" action under a selected log line.
fn log_details(feed: String, seq: i64) -> AnyView {
    view! { <LogLineAnnotations feed=feed seq=seq /> }.into_any()
}

/// A chart's markers, by time: each root note on a point of `symbol`, and
/// each alert of `symbol` that fired while the page was open (or just before).
fn chart_markers(feed: String, symbol: String) -> Signal<Vec<ChartMarker>> {
    let alerts = use_alerts();
    let notes = use_chart_annotations(feed.clone(), symbol.clone());
    Signal::derive(move || {
        let mut markers: Vec<ChartMarker> = notes.with(|notes| {
            notes
                .iter()
                .filter_map(|a| match &a.target {
                    AnnotationTarget::Point { ts, .. } => Some(ChartMarker {
                        id: a.id,
                        ts_ms: ts.timestamp_millis(),
                        text: format!("{}: {}", a.user, a.text),
                        alert: false,
                    }),
                    AnnotationTarget::LogLine { .. } => None,
                })
                .collect()
        });
        let fired = alerts.map(|a| a.on_chart(&feed, &symbol)).unwrap_or_default();
        markers.extend(fired.into_iter().map(|f| ChartMarker {
            id: f.id,
            ts_ms: f.ts.timestamp_millis(),
            text: f.alert_name,
            alert: true,
        }));
        markers.sort_by_key(|m| m.ts_ms);
        markers
    })
}

/// Opens the note dialog for the clicked point. Called from the chart's
/// own click handler, outside the component tree, so the page's room is
/// found through [`current_room`].
fn on_chart_point(feed: String, symbol: String, ts_ms: i64) {
    if let (Some(room), Some(ts)) = (current_room(), DateTime::<Utc>::from_timestamp_millis(ts_ms)) {
        room.point_dialog.try_set(Some(AnnotationTarget::Point { feed, symbol, ts }));
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    static CURRENT: std::cell::Cell<Option<RoomContext>> = const { std::cell::Cell::new(None) };
}

/// Remembers the page's room for hooks called outside the component tree
/// (a page has one room; the browser has one thread).
#[cfg(feature = "hydrate")]
pub(super) fn set_current_room(room: RoomContext) {
    CURRENT.with(|c| c.set(Some(room)));
}

/// Forgets `room`, unless another room has already taken its place.
#[cfg(feature = "hydrate")]
pub(super) fn forget_room(room: RoomContext) {
    CURRENT.with(|c| {
        if c.get().is_some_and(|current| current.point_dialog == room.point_dialog) {
            c.set(None);
        }
    });
}

fn current_room() -> Option<RoomContext> {
    #[cfg(feature = "hydrate")]
    return CURRENT.with(|c| c.get());
    #[cfg(not(feature = "hydrate"))]
    None
}

/// The note dialog for a clicked chart point, over the page.
#[component]
pub fn ChartPointDialog() -> impl IntoView {
    let room = use_room();
    let close = Callback::new(move |()| room.point_dialog.set(None));
    move || {
        room.point_dialog.get().and_then(|target| match target {
            AnnotationTarget::Point { feed, symbol, ts } => Some(view! {
                <div class="fixed inset-x-4 bottom-4 z-30 sm:left-auto sm:w-96">
                    <AnnotateChartPoint feed=feed symbol=symbol ts=ts on_close=close />
                </div>
            }),
            AnnotationTarget::LogLine { .. } => None,
        })
    }
}
